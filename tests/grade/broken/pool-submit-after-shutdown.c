/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/pool.c with one
 * change: submit() takes work after shutdown(): nobody may ever run it.
 * Try: make grade MODULE=pool SRC=tests/grade/broken/pool-submit-after-shutdown.c
 * grade: module pool
 * expect: FAIL ; submit_after_shutdown_is_refused
 */
/* pool.c — the thread pool and its map (see pool.h).
 *
 * The pool's own queue is a linked list of work items under the pool's mutex, with one
 * condition variable the idle workers sleep on: the textbook work queue (Butenhof's
 * workq). A worker takes the oldest item, lets go of the lock, runs the task, and comes
 * back for more; after shutdown it leaves once the queue is empty.
 */
#include "pool.h"

#include "checked.h"
#include "clock.h"
#include "thread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct work {
    lab_task_fn fn;
    void *arg;
    lab_future *future; /* the pool's own reference, dropped when the task is over */
    struct work *next;
} work;

struct lab_pool {
    pthread_mutex_t lock;
    pthread_cond_t work_arrived; /* signalled per submit, broadcast at shutdown */
    pthread_cond_t all_joined;   /* broadcast when the joining shutdown is over */
    /* everything below is protected by lock */
    work *head, **tail; /* the queue, oldest first */
    size_t queued;
    int idle; /* workers waiting for work */
    int started;
    int max_workers;
    bool shutting_down;
    bool joining; /* one shutdown(wait) has taken on joining the workers */
    bool joined;
    lab_thread **workers; /* [max_workers]; filled in start order */
    char prefix[LAB_THREAD_NAME_MAX];
};

lab_pool *lab_pool_new(int max_workers, const char *name_prefix)
{
    if (max_workers < 0) {
        errno = EINVAL;
        return NULL;
    }
    if (max_workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        max_workers = cpus > 0 ? (int)cpus : 1;
    }
    lab_pool *pool = lab_calloc(1, sizeof *pool);
    int rc = pthread_mutex_init(&pool->lock, NULL);
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
    pool->tail = &pool->head;
    pool->max_workers = max_workers;
    pool->workers = lab_calloc((size_t)max_workers, sizeof *pool->workers);
    snprintf(pool->prefix, sizeof pool->prefix, "%s", name_prefix != NULL ? name_prefix : "worker");
    return pool;
}

/* Run one queued task, unless it was cancelled while it waited. */
static void run_work(work *item)
{
    if (lab_future_set_running(item->future)) {
        long value = 0;
        int status = item->fn(item->arg, &value);
        lab_future_finish(item->future, status, value); /* wakes waiters, runs callbacks */
    }
    lab_future_free(item->future);
    free(item);
}

/* A worker: take the oldest task, run it without the lock, repeat; leave at shutdown
 * once the queue is empty. */
static void *worker_loop(void *arg)
{
    lab_pool *pool = arg;
    lab_pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->head == NULL && !pool->shutting_down) { /* while: wake-ups can be spurious */
            pool->idle++;
            lab_pthread_cond_wait(&pool->work_arrived, &pool->lock);
            pool->idle--;
        }
        work *item = pool->head;
        if (item == NULL)
            break; /* shutting down and nothing left to do */
        pool->head = item->next;
        if (pool->head == NULL)
            pool->tail = &pool->head;
        pool->queued--;
        lab_pthread_mutex_unlock(
            &pool->lock); /* tasks run in parallel, not under the pool's lock */
        run_work(item);
        lab_pthread_mutex_lock(&pool->lock);
    }
    lab_pthread_mutex_unlock(&pool->lock);
    return NULL;
}

lab_future *lab_pool_submit(lab_pool *pool, lab_task_fn fn, void *arg)
{
    lab_future *future = lab_future_new();
    if (future == NULL)
        return NULL;
    work *item = lab_calloc(1, sizeof *item);
    *item = (work){.fn = fn, .arg = arg, .future = future};
    lab_pthread_mutex_lock(&pool->lock);
    if (false) { /* BROKEN: a pool that is shutting down still takes work */
        lab_pthread_mutex_unlock(&pool->lock);
        free(item);
        lab_future_free(future);
        errno = ESHUTDOWN;
        return NULL;
    }
    lab_future_keep(future); /* the queue's reference; the worker drops it */
    *pool->tail = item;
    pool->tail = &item->next;
    pool->queued++;
    /* More queued tasks than idle workers: one more worker, if the pool may grow. */
    if (pool->queued > (size_t)pool->idle && pool->started < pool->max_workers) {
        pool->workers[pool->started] =
            lab_thread_start(worker_loop, pool, LAB_THREAD_DAEMON, "%s-%d", pool->prefix, pool->started);
        pool->started++;
    }
    lab_pthread_cond_signal(&pool->work_arrived);
    lab_pthread_mutex_unlock(&pool->lock);
    return future;
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
    if (!join_here)
        return;
    for (int i = 0; i < started; i++)
        lab_thread_join(pool->workers[i]); /* each leaves once the queue is empty */
    lab_pthread_mutex_lock(&pool->lock);
    pool->joined = true;
    lab_pthread_cond_broadcast(&pool->all_joined);
    lab_pthread_mutex_unlock(&pool->lock);
}

void lab_pool_free(lab_pool *pool)
{
    lab_pool_shutdown(pool, true);
    lab_pthread_cond_destroy(&pool->all_joined);
    lab_pthread_cond_destroy(&pool->work_arrived);
    lab_pthread_mutex_destroy(&pool->lock);
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
    bool forever;
    struct timespec deadline;
};

lab_pool_map *lab_pool_map_new(lab_pool *pool, lab_task_fn fn, void *items, size_t count,
                               size_t item_size, double timeout)
{
    lab_pool_map *map = lab_calloc(1, sizeof *map);
    map->futures = lab_calloc(count + 1, sizeof *map->futures);
    map->count = count;
    map->forever = timeout < 0;
    map->deadline = lab_deadline(timeout > 0 ? timeout : 0); /* from the call, as Python's */
    for (size_t i = 0; i < count; i++) {
        map->futures[i] = lab_pool_submit(pool, fn, (char *)items + i * item_size);
        if (map->futures[i] == NULL) { /* shut down meanwhile: take back what was queued */
            int error = errno;
            map->count = i;
            lab_pool_map_free(map);
            errno = error;
            return NULL;
        }
    }
    return map;
}

int lab_pool_map_next(lab_pool_map *map, long *value)
{
    if (map->next == map->count)
        return LAB_FUTURE_END;
    double left = LAB_FOREVER_REMOVED;
    if (!map->forever) {
        left = lab_class_seconds(lab_seconds_until(&map->deadline));
        if (left < 0)
            left = 0; /* past the deadline: just look */
    }
    /* The next in submission order, however many later ones are done already. */
    int outcome = lab_future_result(map->futures[map->next], left, value);
    if (outcome != LAB_FUTURE_TIMEOUT)
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
