/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/procpool.c with one
 * change: terminate() kills the workers but never waits for them: they stay behind as zombies, and no task learns how its worker died.
 * Try: make grade MODULE=procpool SRC=tests/grade/broken/procpool-terminate-no-reap.c
 * grade: module procpool
 * expect: FAIL ; terminate_cancels_the_work_and_leaves_no_child
 * case: semantics
 */
/* procpool.c — worker processes fed by a manager thread over socketpairs (see procpool.h).
 *
 * Who owns what: the manager thread alone talks to the workers (sends tasks, reads
 * results, reaps, replaces); callers only queue tasks and wait on result handles. The
 * pool's mutex guards the queue, the flags and the workers' pids (read by
 * lab_procpool_pids); each result handle has its own mutex, so it outlives the pool. */
#include "procpool.h"

#include "checked.h"
#include "clock.h"
#include "point.h"
#include "thread.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { BACKSTOP_MS = 100 }; /* how often the manager looks for deaths it was not told of */

/* One lock for every result handle's fields: a handle outlives its pool, and a lock inside
 * the handle would have to be destroyed by whichever thread drops the last reference, just
 * after the other thread's unlock, which Helgrind reports as a race inside the mutex (a
 * false positive, but one a lock that is never destroyed avoids). Holding it is brief. */
static pthread_mutex_t results_lock = PTHREAD_MUTEX_INITIALIZER;

struct lab_procpool_result {
    pthread_cond_t completed;
    int refs;  /* the caller's handle + the pool's while pending; under results_lock */
    bool done; /* under results_lock, as the fields below */
    int error;
    int64_t value;
    pid_t pid;
    int wait_status;
};

/* What goes down the pipe to a worker (fixed size: one recv reads one task). fn NULL
 * tells the worker to exit. */
typedef struct task_message {
    uint64_t id;
    lab_procpool_fn fn;
    uint32_t size;
    /* aligned for any type: the task reads its argument in place, as a struct or a double */
    _Alignas(max_align_t) unsigned char arg[LAB_PROCPOOL_ARG_MAX];
} task_message;

/* What comes back. */
typedef struct result_message {
    uint64_t id;
    int64_t value;
} result_message;

typedef struct task {
    struct task *next;
    task_message message;
    lab_procpool_result *result;
} task;

typedef struct worker {
    pid_t pid;     /* 0: no process (written under the pool's lock) */
    int fd;        /* the parent's end of the socketpair, -1 when none */
    task *running; /* the task it runs, NULL when idle: the manager's alone */
    bool sent;     /* running has been sent */
} worker;

struct lab_procpool {
    pthread_mutex_t lock; /* protects head, tail, closed, terminating, started, pids */
    task *head, *tail;
    bool closed, terminating;
    int processes, started;
    uint64_t next_id;
    worker *workers;
    int wake[2]; /* a byte here wakes the manager from poll() */
    lab_thread *manager;
    pthread_mutex_t join_lock; /* one joiner at a time */
    bool joined;               /* under join_lock */
};

/* ---- result handles ---- */

static void drop_reference(lab_procpool_result *r)
{
    lab_pthread_mutex_lock(&results_lock);
    bool last = --r->refs == 0;
    lab_pthread_mutex_unlock(&results_lock);
    if (last) {
        lab_pthread_cond_destroy(&r->completed);
        free(r);
    }
}

/* The manager: complete a task's result once, then drop the pool's reference. */
static void complete(task *t, int error, int64_t value, pid_t pid, int wait_status)
{
    lab_procpool_result *r = t->result;
    lab_pthread_mutex_lock(&results_lock);
    if (r->done)
        lab_check_at(EALREADY, "complete (a result completed twice)", __FILE__, __LINE__);
    r->done = true;
    r->error = error;
    r->value = value;
    r->pid = pid;
    r->wait_status = wait_status;
    lab_pthread_cond_broadcast(&r->completed);
    lab_pthread_mutex_unlock(&results_lock);
    lab_point(LAB_POINT_RELEASE, r, "result");
    drop_reference(r);
    free(t);
}

/* ---- the worker process ---- */

/* Read exactly size bytes; false at end of file or on error. */
static bool receive_all(int fd, void *buffer, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = recv(fd, (char *)buffer + got, size - got, MSG_WAITALL);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

/* Write exactly size bytes; false when the other end is gone. No SIGPIPE: the parent
 * must survive a dead worker. */
static bool send_all(int fd, const void *buffer, size_t size)
{
    size_t sent = 0;
    while (sent < size) {
        ssize_t n = send(fd, (const char *)buffer + sent, size - sent, MSG_NOSIGNAL);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        sent += (size_t)n;
    }
    return true;
}

/* A worker: take a task, run it, send the result, until told to stop or the parent is
 * gone. Runs in the child of fork(): only this thread exists here. */
static _Noreturn void work(lab_procpool *pool, int fd, int number)
{
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL); /* the parent's threads may block some */
    /* Drop the copies of the pool's other descriptors: while this process held another
     * worker's end, the parent could not see that worker's end of file. */
    for (int i = 0; i < pool->processes; i++)
        if (pool->workers[i].fd >= 0)
            close(pool->workers[i].fd);
    close(pool->wake[0]);
    close(pool->wake[1]);
    char name[32];
    snprintf(name, sizeof name, "worker-%d", number);
    lab_thread_set_current_name(name);
    static task_message message; /* static: big, and this process has one thread */
    for (;;) {
        if (!receive_all(fd, &message, sizeof message) || message.fn == NULL)
            _exit(0); /* _exit: the parent's atexit handlers are not ours to run */
        result_message reply = {.id = message.id};
        reply.value = message.fn(message.arg, message.size);
        if (!send_all(fd, &reply, sizeof reply))
            _exit(0);
    }
}

/* ---- the manager's side ---- */

/* Fork a worker into slot w. Returns 0 or the error of socketpair/fork. Called by
 * lab_procpool_new before the manager exists, later by the manager only. */
static int spawn(lab_procpool *pool, worker *w)
{
    int ends[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == -1)
        return errno;
    lab_pthread_mutex_lock(&pool->lock);
    int number = ++pool->started;
    lab_pthread_mutex_unlock(&pool->lock);
    pid_t pid = fork();
    if (pid == -1) {
        int error = errno;
        close(ends[0]);
        close(ends[1]);
        return error;
    }
    if (pid == 0) {
        close(ends[0]);
        work(pool, ends[1], number);
    }
    LAB_CHECK_ERRNO(close(ends[1])); /* else we would never see the worker's end of file */
    lab_pthread_mutex_lock(&pool->lock);
    w->pid = pid;
    w->fd = ends[0];
    w->running = NULL;
    w->sent = false;
    lab_pthread_mutex_unlock(&pool->lock);
    return 0;
}

static void reap(pid_t pid, int *status)
{
    pid_t ended;
    while ((ended = waitpid(pid, status, 0)) == -1 && errno == EINTR)
        ;
    LAB_CHECK_ERRNO(ended);
}

/* The worker in w is gone or must go: make sure it is dead and reaped, then settle its
 * task: a result it sent before dying still counts; otherwise `error`. */
static void bury(lab_procpool *pool, worker *w, bool reaped, int status, int error)
{
    if (!reaped) {
        kill(w->pid, SIGKILL); /* its end of file came first: it is dying anyway */
        reap(w->pid, &status);
    }
    if (w->running != NULL) {
        result_message reply;
        if (w->sent && recv(w->fd, &reply, sizeof reply, MSG_DONTWAIT) == (ssize_t)sizeof reply &&
            reply.id == w->running->message.id)
            complete(w->running, 0, reply.value, w->pid, -1);
        else
            complete(w->running, error, 0, w->pid, status);
    }
    LAB_CHECK_ERRNO(close(w->fd));
    lab_pthread_mutex_lock(&pool->lock);
    w->pid = 0;
    w->fd = -1;
    w->running = NULL;
    w->sent = false;
    lab_pthread_mutex_unlock(&pool->lock);
}

/* Complete every queued task with error (the results are completed outside the pool's
 * lock, as every scheduling point is reported outside internal locks). */
static void cancel_queue(lab_procpool *pool, int error)
{
    lab_pthread_mutex_lock(&pool->lock);
    task *t = pool->head;
    pool->head = pool->tail = NULL;
    lab_pthread_mutex_unlock(&pool->lock);
    while (t != NULL) {
        task *next = t->next;
        complete(t, error, 0, 0, -1);
        t = next;
    }
}

/* Stop every worker: killed (terminate) or told to exit once idle (close). */
static void stop_all(lab_procpool *pool, bool kill_them)
{
    for (int i = 0; i < pool->processes; i++) {
        worker *w = &pool->workers[i];
        if (w->pid == 0)
            continue;
        if (kill_them) {
            LAB_CHECK_ERRNO(kill(w->pid, SIGKILL));
            bury(pool, w, true, 0, ECANCELED); /* BROKEN: "killed" taken for "reaped": zombies */
        } else {
            task_message quit = {.fn = NULL};
            (void)send_all(w->fd, &quit, sizeof quit); /* a dead worker cannot hear it */
            int status;
            reap(w->pid, &status);
            bury(pool, w, true, status, ECANCELED);
        }
    }
    cancel_queue(pool, ECANCELED);
}

/* Read one result from w, or find it dead. */
static void collect(lab_procpool *pool, worker *w)
{
    result_message reply;
    if (w->running != NULL && w->sent && receive_all(w->fd, &reply, sizeof reply) &&
        reply.id == w->running->message.id) {
        complete(w->running, 0, reply.value, w->pid, -1);
        w->running = NULL;
        w->sent = false;
        return;
    }
    bury(pool, w, false, 0, EOWNERDEAD); /* end of file (or nonsense): it died */
}

static void *manage(void *arg)
{
    lab_procpool *pool = arg;
    struct pollfd *fds = lab_calloc((size_t)pool->processes + 1, sizeof *fds);
    for (;;) {
        /* Hand queued tasks to idle workers. */
        lab_pthread_mutex_lock(&pool->lock);
        bool terminating = pool->terminating, closed = pool->closed;
        for (int i = 0; i < pool->processes && !terminating; i++) {
            worker *w = &pool->workers[i];
            if (w->pid != 0 && w->running == NULL && pool->head != NULL) {
                w->running = pool->head;
                pool->head = pool->head->next;
                if (pool->head == NULL)
                    pool->tail = NULL;
            }
        }
        bool queue_empty = pool->head == NULL;
        lab_pthread_mutex_unlock(&pool->lock);
        if (terminating) {
            stop_all(pool, true);
            break;
        }
        bool busy = false;
        for (int i = 0; i < pool->processes; i++) {
            worker *w = &pool->workers[i];
            if (w->running != NULL && !w->sent) {
                w->sent = true;
                if (!send_all(w->fd, &w->running->message, sizeof w->running->message))
                    bury(pool, w, false, 0, EOWNERDEAD);
            }
            busy |= w->running != NULL;
        }
        /* Replace dead workers while there is work to come. */
        int live = 0, spawn_error = 0;
        for (int i = 0; i < pool->processes; i++) {
            worker *w = &pool->workers[i];
            if (w->pid == 0 && (!closed || !queue_empty)) {
                int rc = spawn(pool, w);
                if (rc != 0)
                    spawn_error = rc;
            }
            live += w->pid != 0;
        }
        if (live == 0 && spawn_error != 0) /* no worker and none to be had: fail the queue */
            cancel_queue(pool, spawn_error);
        if (closed && queue_empty && !busy) { /* close() and all done: the workers may go */
            stop_all(pool, false);
            break;
        }
        /* Sleep until a result, a death, a new task or a close/terminate. */
        fds[0] = (struct pollfd){.fd = pool->wake[0], .events = POLLIN};
        for (int i = 0; i < pool->processes; i++)
            fds[i + 1] = (struct pollfd){.fd = pool->workers[i].fd, .events = POLLIN};
        int ready = poll(fds, (nfds_t)pool->processes + 1, BACKSTOP_MS);
        if (ready == -1 && errno != EINTR)
            LAB_CHECK_ERRNO(ready);
        if (ready > 0 && (fds[0].revents & POLLIN)) {
            char drain[64];
            while (read(pool->wake[0], drain, sizeof drain) > 0)
                ;
        }
        for (int i = 0; ready > 0 && i < pool->processes; i++)
            if (pool->workers[i].pid != 0 && fds[i + 1].revents != 0)
                collect(pool, &pool->workers[i]);
        /* The backstop: a worker can die without an end of file reaching us, when some
         * other process (forked by somebody else meanwhile) holds a copy of its end. */
        for (int i = 0; i < pool->processes; i++) {
            worker *w = &pool->workers[i];
            int status;
            if (w->pid != 0 && waitpid(w->pid, &status, WNOHANG) == w->pid)
                bury(pool, w, true, status, EOWNERDEAD);
        }
    }
    free(fds);
    return NULL;
}

static void wake_manager(lab_procpool *pool)
{
    char byte = 1;
    /* Non-blocking: a full pipe already means "wake up". */
    if (write(pool->wake[1], &byte, 1) == -1 && errno != EAGAIN)
        LAB_CHECK_ERRNO(-1);
}

/* ---- the pool ---- */

int lab_procpool_cpu_count(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

lab_procpool *lab_procpool_new(int processes)
{
    if (processes < 1) {
        errno = EINVAL;
        return NULL;
    }
    lab_procpool *pool = calloc(1, sizeof *pool);
    worker *workers = calloc((size_t)processes, sizeof *workers);
    int rc = pool == NULL || workers == NULL ? ENOMEM : 0;
    if (rc == 0 && pipe2(pool->wake, O_CLOEXEC | O_NONBLOCK) == -1)
        rc = errno;
    bool have_pipe = rc == 0, have_lock = false, have_join_lock = false;
    if (rc == 0)
        have_lock = (rc = pthread_mutex_init(&pool->lock, NULL)) == 0;
    if (rc == 0)
        have_join_lock = (rc = pthread_mutex_init(&pool->join_lock, NULL)) == 0;
    if (rc == 0) {
        pool->processes = processes;
        pool->workers = workers;
        for (int i = 0; i < processes; i++)
            workers[i].fd = -1;
        for (int i = 0; i < processes && rc == 0; i++)
            rc = spawn(pool, &workers[i]);
    }
    if (rc != 0) { /* undo the half-done set-up: kill and reap whoever was forked */
        for (int i = 0; have_lock && i < processes; i++)
            if (workers[i].pid != 0) {
                kill(workers[i].pid, SIGKILL);
                bury(pool, &workers[i], false, 0, ECANCELED);
            }
        if (have_join_lock)
            lab_pthread_mutex_destroy(&pool->join_lock);
        if (have_lock)
            lab_pthread_mutex_destroy(&pool->lock);
        if (have_pipe) {
            close(pool->wake[0]);
            close(pool->wake[1]);
        }
        free(workers);
        free(pool);
        errno = rc;
        return NULL;
    }
    pool->manager = lab_thread_start(manage, pool, LAB_THREAD_DAEMON, "procpool");
    return pool;
}

int lab_procpool_apply_async(lab_procpool *pool, lab_procpool_fn fn, const void *arg, size_t size,
                             lab_procpool_result **result)
{
    if (fn == NULL || size > LAB_PROCPOOL_ARG_MAX || (arg == NULL && size > 0))
        return EINVAL;
    lab_procpool_result *r = calloc(1, sizeof *r);
    task *t = calloc(1, sizeof *t);
    if (r == NULL || t == NULL) {
        free(r);
        free(t);
        return ENOMEM;
    }
    int rc = lab_pthread_cond_init_monotonic(&r->completed);
    if (rc != 0) {
        free(r);
        free(t);
        return rc;
    }
    r->refs = 2; /* the caller's handle and the pool's, until complete() */
    r->wait_status = -1;
    t->result = r;
    t->message.fn = fn;
    t->message.size = (uint32_t)size;
    if (size > 0)
        memcpy(t->message.arg, arg, size); /* a copy: the worker has its own memory */
    lab_pthread_mutex_lock(&pool->lock);
    if (pool->closed || pool->terminating) {
        lab_pthread_mutex_unlock(&pool->lock);
        lab_pthread_cond_destroy(&r->completed);
        free(r);
        free(t);
        return ESHUTDOWN;
    }
    t->message.id = ++pool->next_id;
    if (pool->tail != NULL)
        pool->tail->next = t;
    else
        pool->head = t;
    pool->tail = t;
    lab_pthread_mutex_unlock(&pool->lock);
    wake_manager(pool);
    *result = r;
    return 0;
}

int lab_procpool_apply(lab_procpool *pool, lab_procpool_fn fn, const void *arg, size_t size,
                       int64_t *value)
{
    lab_procpool_result *r;
    int rc = lab_procpool_apply_async(pool, fn, arg, size, &r);
    if (rc != 0)
        return rc;
    rc = lab_procpool_result_get(r, value);
    lab_procpool_result_free(r);
    return rc;
}

int lab_procpool_map(lab_procpool *pool, lab_procpool_fn fn, const void *args, size_t size,
                     size_t count, int64_t *values, int *errors)
{
    size_t slots = count > 0 ? count : 1;
    lab_procpool_result **results = lab_calloc(slots, sizeof *results);
    int *refused = lab_calloc(slots, sizeof *refused);
    /* Submit them all first, so they run side by side; then collect in order. */
    for (size_t i = 0; i < count; i++)
        refused[i] =
            lab_procpool_apply_async(pool, fn, (const char *)args + i * size, size, &results[i]);
    int first_error = 0;
    for (size_t i = 0; i < count; i++) {
        int rc = refused[i];
        if (rc == 0) {
            rc = lab_procpool_result_get(results[i], &values[i]);
            lab_procpool_result_free(results[i]);
        }
        if (errors != NULL)
            errors[i] = rc;
        if (rc != 0 && first_error == 0)
            first_error = rc;
    }
    free(refused);
    free(results);
    return first_error;
}

void lab_procpool_close(lab_procpool *pool)
{
    lab_pthread_mutex_lock(&pool->lock);
    pool->closed = true;
    lab_pthread_mutex_unlock(&pool->lock);
    wake_manager(pool);
}

static void join_manager(lab_procpool *pool)
{
    lab_pthread_mutex_lock(&pool->join_lock);
    if (!pool->joined) {
        lab_thread_join(pool->manager);
        pool->joined = true;
    }
    lab_pthread_mutex_unlock(&pool->join_lock);
}

void lab_procpool_terminate(lab_procpool *pool)
{
    lab_pthread_mutex_lock(&pool->lock);
    pool->terminating = true;
    lab_pthread_mutex_unlock(&pool->lock);
    wake_manager(pool);
    join_manager(pool); /* the manager kills and reaps them all, then ends */
}

int lab_procpool_join(lab_procpool *pool)
{
    lab_pthread_mutex_lock(&pool->lock);
    bool running = !pool->closed && !pool->terminating;
    lab_pthread_mutex_unlock(&pool->lock);
    if (running)
        return EINVAL; /* Python: ValueError, join() before close() would never end */
    join_manager(pool);
    return 0;
}

void lab_procpool_free(lab_procpool *pool)
{
    lab_procpool_terminate(pool); /* at once if already joined: nothing is left */
    LAB_CHECK_ERRNO(close(pool->wake[0]));
    LAB_CHECK_ERRNO(close(pool->wake[1]));
    lab_pthread_mutex_destroy(&pool->join_lock);
    lab_pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}

int lab_procpool_processes(const lab_procpool *pool)
{
    return pool->processes;
}

size_t lab_procpool_pids(lab_procpool *pool, pid_t *pids, size_t max)
{
    size_t live = 0;
    lab_pthread_mutex_lock(&pool->lock);
    for (int i = 0; i < pool->processes; i++)
        if (pool->workers[i].pid != 0) {
            if (live < max)
                pids[live] = pool->workers[i].pid;
            live++;
        }
    lab_pthread_mutex_unlock(&pool->lock);
    return live;
}

int lab_procpool_started(lab_procpool *pool)
{
    lab_pthread_mutex_lock(&pool->lock);
    int started = pool->started;
    lab_pthread_mutex_unlock(&pool->lock);
    return started;
}

/* ---- waiting for a result ---- */

/* deadline NULL means no limit. Returns the task's outcome or ETIMEDOUT. */
static int get_until(lab_procpool_result *r, const struct timespec *deadline, int64_t *value)
{
    lab_pthread_mutex_lock(&results_lock);
    if (!r->done) {
        if (deadline != NULL && lab_seconds_until(deadline) <= 0) { /* a poll: no wait */
            lab_pthread_mutex_unlock(&results_lock);
            lab_point(LAB_POINT_TIMEOUT, r, "result");
            return ETIMEDOUT;
        }
        lab_pthread_mutex_unlock(&results_lock);
        lab_point(LAB_POINT_WAIT, r, "result"); /* outside the lock: see semaphore.c */
        lab_pthread_mutex_lock(&results_lock);
    }
    int rc = 0;
    while (!r->done && rc != ETIMEDOUT) {
        if (deadline == NULL) {
            lab_pthread_cond_wait(&r->completed, &results_lock);
        } else {
            rc = lab_pthread_cond_timedwait(&r->completed, &results_lock, deadline);
            if (rc != ETIMEDOUT)
                LAB_CHECK(rc);
        }
    }
    rc = r->done ? r->error : ETIMEDOUT;
    if (r->done && r->error == 0 && value != NULL)
        *value = r->value;
    lab_pthread_mutex_unlock(&results_lock);
    lab_point(rc == ETIMEDOUT ? LAB_POINT_TIMEOUT : LAB_POINT_GET, r, "result");
    return rc;
}

int lab_procpool_result_get(lab_procpool_result *result, int64_t *value)
{
    return get_until(result, NULL, value);
}

int lab_procpool_result_get_timeout(lab_procpool_result *result, double class_seconds,
                                    int64_t *value)
{
    if (!isfinite(class_seconds) || class_seconds < 0)
        return EINVAL; /* never read as "forever": that is lab_procpool_result_get */
    struct timespec deadline = lab_deadline(class_seconds);
    return get_until(result, &deadline, value);
}

bool lab_procpool_result_ready(lab_procpool_result *result)
{
    lab_pthread_mutex_lock(&results_lock);
    bool done = result->done;
    lab_pthread_mutex_unlock(&results_lock);
    return done;
}

pid_t lab_procpool_result_pid(lab_procpool_result *result)
{
    lab_pthread_mutex_lock(&results_lock);
    pid_t pid = result->pid;
    lab_pthread_mutex_unlock(&results_lock);
    return pid;
}

int lab_procpool_result_wait_status(lab_procpool_result *result)
{
    lab_pthread_mutex_lock(&results_lock);
    int status = result->wait_status;
    lab_pthread_mutex_unlock(&results_lock);
    return status;
}

void lab_procpool_result_free(lab_procpool_result *result)
{
    drop_reference(result);
}
