/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/pool.c with one
 * change: submit() takes work after shutdown(): nobody may ever run it.
 * Try: make grade MODULE=pool SRC=tests/grade/broken/pool-submit-after-shutdown.c
 * grade: module pool
 * expect: FAIL ; submit_after_shutdown_is_refused
 */
/* pool.c — the thread pool and its map (see pool.h).
 *
 * The pool's own queue is a ring of tasks (a function, its argument, its future) under the
 * pool's mutex, with one condition variable the sleeping workers wait on: the textbook work
 * queue (Butenhof's workq), with three economies a busy pool notices:
 *   - a task is stored in the ring by value, so queueing it allocates nothing (the ring
 *     doubles when full and never shrinks: after the first burst, no allocation at all);
 *   - submit signals only when a worker is asleep: a worker that is running a task, or
 *     about to look at the queue, needs no wake-up, and a signal is not free;
 *   - a worker takes the lock once per task (to take it); it counts itself idle again with
 *     one atomic add instead of a second lock.
 * A worker takes the oldest task, lets go of the lock, runs the task, and comes back for
 * more; after shutdown it leaves once the queue is empty.
 *
 * What is not on the hot path: the initializer (once per worker), a broken pool (its queue
 * drained into failed futures), shutdown with cancel_futures, and the exit hook: every
 * live pool is on a list, and at exit (atexit) each is shut down and its queued tasks run
 * to the end, as CPython's executor does.
 */
#include "pool.h"

#include "checked.h"
#include "clock.h"
#include "point.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

typedef struct task {
    lab_task_fn fn;
    void *arg;
    lab_future
        *future; /* the pool's own reference, dropped when the task is over; NULL: detached */
} task;

enum { RING_START = 64 }; /* tasks the ring holds before it first grows */

struct lab_pool {
    pthread_mutex_t lock;
    pthread_cond_t work_arrived; /* signalled when a task arrives and a worker sleeps */
    pthread_cond_t all_joined;   /* broadcast when the joining shutdown is over */
    /* everything below is protected by lock, except idle */
    task *ring; /* the queue: `queued` tasks from ring[head], wrapping */
    size_t capacity, head, queued;
    int sleeping; /* workers blocked on work_arrived */
    /* Workers not running a task: asleep, or about to look at the queue. A worker adds
     * itself back without the lock (see run_task); submit reads it under the lock to
     * decide whether to start one more worker. */
    atomic_int idle;
    int started;
    int max_workers;
    int left;             /* workers that have left worker_loop */
    int workers_capacity; /* slots in workers[], grown as workers start */
    bool shutting_down;
    bool joining; /* one shutdown(wait) has taken on joining the workers */
    bool joined;
    bool exit_waiting; /* the exit hook waits for the workers to leave */
    int broken;        /* 0, or the status of the initializer that failed */
    lab_pool_initializer initializer;
    void *initializer_arg;
    lab_thread **workers; /* [workers_capacity]; filled in start order */
    char prefix[LAB_THREAD_NAME_MAX];
    /* the list of live pools, for the exit hook (protected by live_lock) */
    lab_pool *live_prev, *live_next;
    pid_t pid;              /* the process that made it: a forked child has no workers */
    bool finishing_at_exit; /* the exit hook is at it: lab_pool_free waits */
    bool finished_at_exit;
};

/* ---- the exit hook: Python's executor finishes its queue at interpreter exit ---- */

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_changed = PTHREAD_COND_INITIALIZER; /* a pool's exit finish is over */
static lab_pool *live_pools;
static pthread_once_t exit_hook_once = PTHREAD_ONCE_INIT;
/* The pool whose worker this thread is (NULL: not a worker). */
static _Thread_local lab_pool *serving;

/* Shut the pool down and wait until every worker has run the queue dry and left. Not a
 * join: lab_main_exit has detached the workers (daemon threads) before exit runs this. */
static void finish_at_exit(lab_pool *pool)
{
    lab_pthread_mutex_lock(&pool->lock);
    pool->shutting_down = true;
    lab_pthread_cond_broadcast(&pool->work_arrived); /* idle workers: look, and leave */
    bool waited = pool->left < pool->started;
    if (waited) {
        pool->exit_waiting = true; /* the last worker to leave broadcasts all_joined */
        lab_pthread_mutex_unlock(&pool->lock);
        lab_point(LAB_POINT_WAIT, pool, "pool"); /* blocks until the queue is done */
        lab_pthread_mutex_lock(&pool->lock);
    }
    while (pool->left < pool->started) /* while: all_joined is shared with shutdown */
        lab_pthread_cond_wait(&pool->all_joined, &pool->lock);
    lab_pthread_mutex_unlock(&pool->lock);
    if (waited)
        lab_point(LAB_POINT_GET, pool, "pool");
}

/* atexit: finish every live pool of this process, one at a time. Only for an exit from a
 * thread that is not a daemon (main, usually): exit() from a pool's task would wait for the
 * very worker that runs it, and the Ctrl-C thread of interrupt.h (a daemon) must end the
 * program now, not after the queue. */
static void finish_pools_at_exit(void)
{
    const lab_thread *self = lab_thread_current();
    if (serving != NULL || (self != NULL && lab_thread_is_daemon(self)))
        return;
    pid_t me = getpid();
    lab_pthread_mutex_lock(&live_lock);
    for (;;) {
        lab_pool *pool = live_pools;
        while (pool != NULL && (pool->pid != me || pool->finished_at_exit))
            pool = pool->live_next;
        if (pool == NULL)
            break;
        pool->finished_at_exit = pool->finishing_at_exit = true;
        lab_pthread_mutex_unlock(&live_lock); /* its tasks may make and free pools */
        finish_at_exit(pool);
        lab_pthread_mutex_lock(&live_lock);
        pool->finishing_at_exit = false;
        lab_pthread_cond_broadcast(&live_changed);
    }
    lab_pthread_mutex_unlock(&live_lock);
}

static void register_exit_hook(void) /* once (pthread_once) */
{
    if (atexit(finish_pools_at_exit) != 0)
        lab_check_at(ENOMEM, "atexit (the pools' exit hook)", __FILE__, __LINE__);
}

static void live_add(lab_pool *pool)
{
    LAB_CHECK(pthread_once(&exit_hook_once, register_exit_hook));
    pool->pid = getpid();
    lab_pthread_mutex_lock(&live_lock);
    pool->live_next = live_pools;
    if (live_pools != NULL)
        live_pools->live_prev = pool;
    live_pools = pool;
    lab_pthread_mutex_unlock(&live_lock);
}

static void live_remove(lab_pool *pool)
{
    lab_pthread_mutex_lock(&live_lock);
    while (pool->finishing_at_exit) /* the exit hook still uses it */
        lab_pthread_cond_wait(&live_changed, &live_lock);
    if (pool->live_prev != NULL)
        pool->live_prev->live_next = pool->live_next;
    else
        live_pools = pool->live_next;
    if (pool->live_next != NULL)
        pool->live_next->live_prev = pool->live_prev;
    lab_pthread_mutex_unlock(&live_lock);
}

int lab_pool_default_workers(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    return cpus + 4 < 32 ? (int)cpus + 4 : 32; /* min(32, os.cpu_count() + 4) */
}

lab_pool *lab_pool_new(int max_workers, const char *name_prefix)
{
    return lab_pool_new_initializer(max_workers, name_prefix, NULL, NULL);
}

lab_pool *lab_pool_new_initializer(int max_workers, const char *name_prefix,
                                   lab_pool_initializer initializer, void *arg)
{
    if (max_workers <= 0) { /* Python's ValueError "max_workers must be greater than 0" */
        errno = EINVAL;
        return NULL;
    }
    lab_pool *pool = lab_calloc(1, sizeof *pool);
    /* Adaptive: the pool's critical sections are a few instructions (take a task, put
     * one), so a thread that finds the lock taken spins a moment before it sleeps; with
     * the submitter and the workers all at the queue, sleeping on every collision cost
     * two system calls each time. */
    int rc = lab_pthread_mutex_init_kind(&pool->lock, PTHREAD_MUTEX_ADAPTIVE_NP);
    if (rc == 0 && (rc = lab_pthread_cond_init_monotonic(&pool->work_arrived)) != 0)
        lab_pthread_mutex_destroy(&pool->lock);
    if (rc == 0 && (rc = lab_pthread_cond_init_monotonic(&pool->all_joined)) != 0) {
        lab_pthread_cond_destroy(&pool->work_arrived);
        lab_pthread_mutex_destroy(&pool->lock);
    }
    if (rc != 0) {
        free(pool);
        errno = rc;
        return NULL;
    }
    pool->capacity = RING_START;
    pool->ring = lab_calloc(pool->capacity, sizeof *pool->ring);
    atomic_init(&pool->idle, 0);
    pool->max_workers = max_workers;
    pool->initializer = initializer;
    pool->initializer_arg = arg;
    snprintf(pool->prefix, sizeof pool->prefix, "%s", name_prefix != NULL ? name_prefix : "worker");
    live_add(pool);
    return pool;
}

/* Run one task taken from the queue, unless it was cancelled while it waited. The worker
 * counts itself idle again BEFORE the result is delivered: a caller that gets the result
 * and submits again at once must find this worker idle, not start a second one. The
 * increment is release and the finish that follows it too, so a caller that has seen the
 * result (acquire) and then takes the pool lock sees the worker idle. */
static void run_task(lab_pool *pool, const task *t)
{
    if (t->future == NULL) { /* detached: nobody asks for the outcome */
        long ignored;
        (void)t->fn(t->arg, &ignored);
        atomic_fetch_add_explicit(&pool->idle, 1, memory_order_release);
        return;
    }
    bool run = lab_future_set_running(t->future);
    long value = 0;
    int status = run ? t->fn(t->arg, &value) : 0;
    atomic_fetch_add_explicit(&pool->idle, 1, memory_order_release);
    if (run)
        lab_future_finish(t->future, status, value); /* wakes waiters, runs callbacks */
    lab_future_free(t->future);
}

/* Take every queued task out of the ring, oldest first, into a new array; *count says how
 * many (NULL when none). LOCKING PROTOCOL: caller holds the pool's lock. */
static task *take_all(lab_pool *pool, size_t *count)
{
    *count = pool->queued;
    if (pool->queued == 0)
        return NULL;
    task *tasks = lab_calloc(pool->queued, sizeof *tasks);
    for (size_t i = 0; i < pool->queued; i++)
        tasks[i] = pool->ring[(pool->head + i) % pool->capacity];
    pool->head = 0;
    pool->queued = 0;
    return tasks;
}

/* The initializer failed with status: the pool is broken (Python's BrokenThreadPool).
 * Every queued task fails with ENOTRECOVERABLE without running (a cancelled one stays
 * cancelled; a detached one is dropped); submit refuses from now on. */
static void break_pool(lab_pool *pool, int status)
{
    size_t count;
    lab_pthread_mutex_lock(&pool->lock);
    if (pool->broken == 0)
        pool->broken = status;
    task *tasks = take_all(pool, &count);
    atomic_fetch_sub_explicit(&pool->idle, 1, memory_order_relaxed); /* it is leaving */
    lab_pthread_mutex_unlock(&pool->lock);
    /* Unlocked: finishing a future runs its callbacks, which may call the pool. */
    for (size_t i = 0; i < count; i++) {
        if (tasks[i].future == NULL)
            continue;
        if (lab_future_set_running(tasks[i].future))
            lab_future_finish(tasks[i].future, ENOTRECOVERABLE, 0);
        lab_future_free(tasks[i].future); /* the queue's reference */
    }
    free(tasks);
}

/* A worker: run the initializer, then take the oldest task, run it without the lock,
 * repeat; leave at shutdown once the queue is empty (or at once if the initializer
 * failed). It counts as idle from its start (it was started for a task that is queued)
 * until it takes a task. */
static void *worker_loop(void *arg)
{
    lab_pool *pool = arg;
    serving = pool;
    int status = pool->initializer != NULL ? pool->initializer(pool->initializer_arg) : 0;
    if (status != 0)
        break_pool(pool, status);
    lab_pthread_mutex_lock(&pool->lock);
    while (status == 0) {
        /* It will block: say so, unlocked (a point may hold the thread back). When nobody
         * listens for points, there is no reason to let go of the lock. */
        if (pool->queued == 0 && !pool->shutting_down &&
            atomic_load_explicit(&lab_points_on, memory_order_relaxed)) {
            lab_pthread_mutex_unlock(&pool->lock);
            lab_point(LAB_POINT_WAIT, pool, "pool");
            lab_pthread_mutex_lock(&pool->lock);
        }
        while (pool->queued == 0 && !pool->shutting_down) { /* while: wake-ups can be spurious */
            pool->sleeping++; /* from here to the wait, the lock is held: submit sees us asleep */
            lab_pthread_cond_wait(&pool->work_arrived, &pool->lock);
            pool->sleeping--;
        }
        if (pool->queued == 0)
            break; /* shutting down and nothing left to do (or broken by another worker) */
        task t = pool->ring[pool->head]; /* a copy: the slot may be reused once we unlock */
        pool->head = (pool->head + 1) % pool->capacity;
        pool->queued--;
        atomic_fetch_sub_explicit(&pool->idle, 1, memory_order_relaxed); /* under the lock */
        /* tasks run in parallel, not under the pool's lock */
        lab_pthread_mutex_unlock(&pool->lock);
        lab_point(LAB_POINT_GET, pool, "pool"); /* got a task */
        run_task(pool, &t);
        lab_pthread_mutex_lock(&pool->lock);
    }
    pool->left++;
    if (pool->exit_waiting && pool->left == pool->started)
        lab_pthread_cond_broadcast(&pool->all_joined); /* the exit hook may go on */
    lab_pthread_mutex_unlock(&pool->lock);
    if (status == 0)
        lab_point(LAB_POINT_GET, pool, "pool"); /* got the news: shut down, nothing left */
    return NULL;
}

/* Make room for one more task: double the ring when it is full, unrolling it so that the
 * oldest task comes first. Exits if memory runs out. LOCKING PROTOCOL: caller holds the
 * pool's lock. */
static void ring_make_room(lab_pool *pool)
{
    if (pool->queued < pool->capacity)
        return;
    task *bigger = lab_calloc(pool->capacity * 2, sizeof *bigger);
    for (size_t i = 0; i < pool->queued; i++)
        bigger[i] = pool->ring[(pool->head + i) % pool->capacity];
    free(pool->ring);
    pool->ring = bigger;
    pool->capacity *= 2;
    pool->head = 0;
}

/* Queue n tasks (in this order) under one lock. Returns 0 or ESHUTDOWN (then nothing is
 * queued and nothing kept). */
static int enqueue(lab_pool *pool, const task *tasks, size_t n)
{
    lab_pthread_mutex_lock(&pool->lock);
    if (pool->broken != 0) { /* BROKEN: a pool that is shutting down still takes work */
        int refused = pool->broken != 0 ? ENOTRECOVERABLE : ESHUTDOWN; /* Python: broken first */
        lab_pthread_mutex_unlock(&pool->lock);
        return refused;
    }
    for (size_t i = 0; i < n; i++) {
        ring_make_room(pool);
        pool->ring[(pool->head + pool->queued) % pool->capacity] = tasks[i];
        pool->queued++;
        /* More queued tasks than idle workers: one more worker, if the pool may grow. */
        int idle = atomic_load_explicit(&pool->idle, memory_order_acquire);
        if (pool->queued > (size_t)idle && pool->started < pool->max_workers) {
            if (pool->started == pool->workers_capacity) { /* rare: grows as workers start */
                int more = pool->workers_capacity == 0 ? 4 : 2 * pool->workers_capacity;
                lab_thread **bigger = lab_calloc((size_t)more, sizeof *bigger);
                for (int w = 0; w < pool->started; w++)
                    bigger[w] = pool->workers[w];
                free(pool->workers);
                pool->workers = bigger;
                pool->workers_capacity = more;
            }
            pool->workers[pool->started] = lab_thread_start(worker_loop, pool, LAB_THREAD_DAEMON,
                                                            "%s-%d", pool->prefix, pool->started);
            pool->started++;
            atomic_fetch_add_explicit(&pool->idle, 1,
                                      memory_order_relaxed); /* until it takes one */
        }
    }
    /* Wake sleepers, if there are any. A worker that is not asleep is running a task or on
     * its way back to the queue, where it will find these: signalling it would be work for
     * nothing. (sleeping is exact: a worker counts itself under this lock, and the lock is
     * not free until it really waits.) */
    if (pool->sleeping > 0 && (n == 1 || pool->sleeping == 1))
        lab_pthread_cond_signal(&pool->work_arrived);
    else if (pool->sleeping > 0)
        lab_pthread_cond_broadcast(&pool->work_arrived); /* several tasks, several sleepers */
    lab_pthread_mutex_unlock(&pool->lock);
    for (size_t i = 0; i < n; i++)
        lab_point(LAB_POINT_RELEASE, pool, "pool"); /* a task is queued for a worker */
    return 0;
}

lab_future *lab_pool_submit(lab_pool *pool, lab_task_fn fn, void *arg)
{
    lab_future *future = lab_future_new();
    if (future == NULL)
        return NULL;
    lab_future_keep(future); /* the queue's reference; the worker drops it */
    task t = {.fn = fn, .arg = arg, .future = future};
    int rc = enqueue(pool, &t, 1);
    if (rc != 0) {
        lab_future_free(future); /* the queue's reference */
        lab_future_free(future); /* and the caller's */
        errno = rc;
        return NULL;
    }
    return future;
}

int lab_pool_submit_detached(lab_pool *pool, lab_task_fn fn, void *arg)
{
    /* No future at all: the task goes into the ring by value, so this allocates nothing. */
    task t = {.fn = fn, .arg = arg, .future = NULL};
    return enqueue(pool, &t, 1);
}

void lab_pool_shutdown(lab_pool *pool, bool wait)
{
    lab_pthread_mutex_lock(&pool->lock);
    pool->shutting_down = true;
    lab_pthread_cond_broadcast(&pool->work_arrived); /* idle workers: check the queue and leave */
    bool join_here = wait && !pool->joining;
    if (join_here)
        pool->joining = true;
    int started = pool->started;                /* final: submit refuses now, so no worker starts */
    while (wait && !join_here && !pool->joined) /* someone else is joining: wait for them */
        lab_pthread_cond_wait(&pool->all_joined, &pool->lock);
    lab_pthread_mutex_unlock(&pool->lock);
    lab_point(LAB_POINT_RELEASE, pool, "pool"); /* idle workers may leave */
    if (!join_here)
        return;
    for (int i = 0; i < started; i++)
        lab_thread_join(pool->workers[i]); /* each leaves once the queue is empty */
    lab_pthread_mutex_lock(&pool->lock);
    pool->joined = true;
    lab_pthread_cond_broadcast(&pool->all_joined);
    lab_pthread_mutex_unlock(&pool->lock);
}

size_t lab_pool_shutdown_cancel(lab_pool *pool, bool wait)
{
    size_t count;
    lab_pthread_mutex_lock(&pool->lock);
    pool->shutting_down = true; /* in the same step: nothing new slips in */
    task *tasks = take_all(pool, &count);
    lab_pthread_mutex_unlock(&pool->lock);
    /* Unlocked: a cancel runs the future's callbacks, which may call the pool. */
    for (size_t i = 0; i < count; i++) {
        if (tasks[i].future == NULL)
            continue; /* detached: dropped, as its never-seen future would be cancelled */
        lab_future_cancel(tasks[i].future); /* queued, so not started: this succeeds */
        lab_future_free(tasks[i].future);   /* the queue's reference */
    }
    free(tasks);
    lab_pool_shutdown(pool, wait);
    return count;
}

int lab_pool_broken(lab_pool *pool)
{
    lab_pthread_mutex_lock(&pool->lock);
    int broken = pool->broken;
    lab_pthread_mutex_unlock(&pool->lock);
    return broken;
}

void lab_pool_free(lab_pool *pool)
{
    live_remove(pool); /* first: the exit hook must not find a freed pool */
    lab_pool_shutdown(pool, true);
    lab_pthread_cond_destroy(&pool->all_joined);
    lab_pthread_cond_destroy(&pool->work_arrived);
    lab_pthread_mutex_destroy(&pool->lock);
    free(pool->ring);
    free(pool->workers);
    free(pool);
}

int lab_pool_max_workers(lab_pool *pool)
{
    return pool->max_workers; /* set once in lab_pool_new */
}

int lab_pool_workers_started(lab_pool *pool)
{
    lab_pthread_mutex_lock(&pool->lock);
    int started = pool->started;
    lab_pthread_mutex_unlock(&pool->lock);
    return started;
}

/* ---- map ------------------------------------------------------------------- */

struct lab_pool_map {
    lab_future **futures; /* in submission order; the map owns them */
    size_t count;
    size_t next; /* the next to hand out */
    bool timed;
    struct timespec deadline;
};

enum { MAP_BATCH = 64 }; /* tasks a map queues under one lock */

static lab_pool_map *map_start(lab_pool *pool, lab_task_fn fn, void *items, size_t count,
                               size_t item_size, bool timed, double class_seconds)
{
    lab_pool_map *map = lab_calloc(1, sizeof *map);
    map->futures = lab_calloc(count + 1, sizeof *map->futures);
    map->count = count;
    map->timed = timed;
    if (timed)
        map->deadline = lab_deadline(class_seconds); /* from the call, as Python's */
    /* Submit in batches: one lock for MAP_BATCH tasks instead of one each (the workers
     * get the lock between batches, so they start on the first ones at once). */
    for (size_t first = 0; first < count; first += MAP_BATCH) {
        size_t n = count - first < MAP_BATCH ? count - first : MAP_BATCH;
        task batch[MAP_BATCH];
        for (size_t k = 0; k < n; k++) {
            lab_future *future = lab_future_new();
            lab_future_keep(future); /* the queue's reference; the worker drops it */
            map->futures[first + k] = future;
            batch[k] =
                (task){.fn = fn, .arg = (char *)items + (first + k) * item_size, .future = future};
        }
        int rc = enqueue(pool, batch, n);
        if (rc != 0) { /* shut down meanwhile: take back what was queued */
            for (size_t k = 0; k < n; k++) {
                lab_future_free(map->futures[first + k]); /* the queue's reference */
                lab_future_free(map->futures[first + k]); /* and the map's */
            }
            map->count = first;
            lab_pool_map_free(map);
            errno = rc;
            return NULL;
        }
    }
    return map;
}

lab_pool_map *lab_pool_map_new(lab_pool *pool, lab_task_fn fn, void *items, size_t count,
                               size_t item_size)
{
    return map_start(pool, fn, items, count, item_size, false, 0);
}

lab_pool_map *lab_pool_map_new_timeout(lab_pool *pool, lab_task_fn fn, void *items, size_t count,
                                       size_t item_size, double class_seconds)
{
    if (!(class_seconds >= 0 && isfinite(class_seconds))) {
        errno = EINVAL; /* the one rule for time: never read as "forever" */
        return NULL;
    }
    return map_start(pool, fn, items, count, item_size, true, class_seconds);
}

int lab_pool_map_next(lab_pool_map *map, long *value)
{
    if (map->next == map->count)
        return LAB_FUTURE_END;
    /* The next in submission order, however many later ones are done already. */
    int outcome;
    lab_future *future = map->futures[map->next];
    if (!map->timed) {
        outcome = lab_future_result(future, value);
    } else {
        double left = lab_class_seconds(lab_seconds_until(&map->deadline));
        outcome = lab_future_result_timeout(future, left > 0 ? left : 0, value); /* past it: look */
        if (outcome == ETIMEDOUT && !lab_future_done(future))
            return ETIMEDOUT; /* the same result is tried again next time */
    }
    map->next++;
    return outcome;
}

lab_future *lab_pool_map_future(lab_pool_map *map, size_t i)
{
    return i < map->count ? map->futures[i] : NULL;
}

void lab_pool_map_free(lab_pool_map *map)
{
    for (size_t i = 0; i < map->count; i++) {
        lab_future_cancel(map->futures[i]); /* only those still queued are affected */
        lab_future_free(map->futures[i]);
    }
    free(map->futures);
    free(map);
}
