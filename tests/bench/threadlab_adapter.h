/* threadlab_adapter.h — every call the side-by-side benchmark (bench_compare.c) makes into
 * threadlab, in one place. The benchmark's own code calls only the tl_* functions below,
 * so when the library's API changes, this file is the only one to follow it.
 *
 * Each function does what the benchmark needs and nothing else: blocking forms only (no
 * timeouts), and a failure is a broken benchmark, so it aborts with a message. The tasks
 * the pool runs are here too, because their signature is the library's (lab_task_fn). */
#ifndef THREADLAB_BENCH_ADAPTER_H
#define THREADLAB_BENCH_ADAPTER_H

#include "lab.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline void tl_fail(const char *what)
{
    fprintf(stderr, "bench: threadlab: %s failed\n", what);
    abort();
}

/* Real seconds everywhere: the benchmark never runs at another --speed. */
static inline void tl_init(void)
{
    lab_set_speed(1.0);
}

/* ---- queue: FIFO; maxsize <= 0 unbounded ---- */
typedef lab_queue tl_queue;

static inline tl_queue *tl_queue_new(long maxsize)
{
    tl_queue *queue = lab_queue_new(LAB_QUEUE_FIFO, maxsize);
    if (queue == NULL)
        tl_fail("lab_queue_new");
    return queue;
}

static inline void tl_queue_put(tl_queue *queue, void *item)
{
    if (lab_queue_put(queue, item) != 0)
        tl_fail("lab_queue_put");
}

static inline void *tl_queue_get(tl_queue *queue)
{
    void *item;
    if (lab_queue_get(queue, &item) != 0)
        tl_fail("lab_queue_get");
    return item;
}

static inline void tl_queue_free(tl_queue *queue)
{
    lab_queue_free(queue);
}

/* ---- pool and futures: every task computes its number + 1 ---- */
typedef lab_pool tl_pool;
typedef lab_future tl_future;

/* submit's task: the number travels in the pointer */
static int tl_task_number(void *arg, long *value)
{
    *value = (long)(intptr_t)arg + 1;
    return 0;
}

/* map's task: the argument points to the item */
static int tl_task_item(void *arg, long *value)
{
    *value = *(const long *)arg + 1;
    return 0;
}

static inline tl_pool *tl_pool_new(int workers)
{
    tl_pool *pool = lab_pool_new(workers, "bench");
    if (pool == NULL)
        tl_fail("lab_pool_new");
    return pool;
}

static inline tl_future *tl_pool_submit(tl_pool *pool, long number)
{
    tl_future *future = lab_pool_submit(pool, tl_task_number, (void *)(intptr_t)number);
    if (future == NULL)
        tl_fail("lab_pool_submit");
    return future;
}

/* Fire and forget: no future. */
static inline void tl_pool_submit_detached(tl_pool *pool, long number)
{
    if (lab_pool_submit_detached(pool, tl_task_number, (void *)(intptr_t)number) != 0)
        tl_fail("lab_pool_submit_detached");
}

/* Wait for the task and return its value. */
static inline long tl_future_result(tl_future *future)
{
    long value;
    if (lab_future_result(future, &value) != 0)
        tl_fail("lab_future_result");
    return value;
}

static inline void tl_future_free(tl_future *future)
{
    lab_future_free(future);
}

/* Shut down (every queued task still runs), wait, free. */
static inline void tl_pool_free(tl_pool *pool)
{
    lab_pool_free(pool);
}

/* ---- map: one task per item, results in submission order ---- */
typedef lab_pool_map tl_map;

static inline tl_map *tl_map_new(tl_pool *pool, long *items, size_t count)
{
    tl_map *map = lab_pool_map_new(pool, tl_task_item, items, count, sizeof items[0]);
    if (map == NULL)
        tl_fail("lab_pool_map_new");
    return map;
}

/* The next value in order: true, or false after the last one. */
static inline bool tl_map_next(tl_map *map, long *value)
{
    int rc = lab_pool_map_next(map, value);
    if (rc == LAB_FUTURE_END)
        return false;
    if (rc != 0)
        tl_fail("lab_pool_map_next");
    return true;
}

static inline void tl_map_free(tl_map *map)
{
    lab_pool_map_free(map);
}

/* ---- as_completed: the futures in the order they finish ---- */
typedef lab_futures_as_completed tl_as_completed;

static inline tl_as_completed *tl_as_completed_new(tl_future *const *futures, size_t count)
{
    return lab_futures_as_completed_new(futures, count);
}

/* The next finished future's index: true, or false when all were handed out. */
static inline bool tl_as_completed_next(tl_as_completed *iterator, size_t *index)
{
    int rc = lab_futures_as_completed_next(iterator, index);
    if (rc == LAB_FUTURE_END)
        return false;
    if (rc != 0)
        tl_fail("lab_futures_as_completed_next");
    return true;
}

static inline void tl_as_completed_free(tl_as_completed *iterator)
{
    lab_futures_as_completed_free(iterator);
}

/* ---- Event ---- */
typedef lab_event tl_event;

static inline void tl_event_init(tl_event *event)
{
    if (lab_event_init(event) != 0)
        tl_fail("lab_event_init");
}

static inline void tl_event_destroy(tl_event *event)
{
    lab_event_destroy(event);
}
static inline void tl_event_set(tl_event *event)
{
    lab_event_set(event);
}
static inline void tl_event_clear(tl_event *event)
{
    lab_event_clear(event);
}
static inline void tl_event_wait(tl_event *event)
{
    lab_event_wait(event);
}

/* ---- BoundedSemaphore ---- */
typedef lab_bsem tl_bsem;

/* A semaphore with the given bound, holding no permit yet (the ping-pong starts empty). */
static inline void tl_bsem_init_empty(tl_bsem *sem, int bound)
{
    if (lab_bsem_init(sem, bound) != 0)
        tl_fail("lab_bsem_init");
    for (int i = 0; i < bound; i++)
        lab_bsem_acquire(sem);
}

static inline void tl_bsem_destroy(tl_bsem *sem)
{
    lab_bsem_destroy(sem);
}
static inline void tl_bsem_acquire(tl_bsem *sem)
{
    lab_bsem_acquire(sem);
}

static inline void tl_bsem_release(tl_bsem *sem)
{
    if (lab_bsem_release(sem) != 0)
        tl_fail("lab_bsem_release");
}

/* ---- Condition: the caller holds the lock around wait and notify ---- */
typedef lab_condition tl_cond;

static inline void tl_cond_init(tl_cond *cond)
{
    if (lab_condition_init(cond) != 0)
        tl_fail("lab_condition_init");
}

static inline void tl_cond_destroy(tl_cond *cond)
{
    lab_condition_destroy(cond);
}
static inline void tl_cond_acquire(tl_cond *cond)
{
    lab_condition_acquire(cond);
}
static inline void tl_cond_release(tl_cond *cond)
{
    lab_condition_release(cond);
}
static inline void tl_cond_wait(tl_cond *cond)
{
    lab_condition_wait(cond);
}
static inline void tl_cond_notify_one(tl_cond *cond)
{
    lab_condition_notify(cond, 1);
}

/* ---- ilock: the instrumented lock, as the demos use it (a 10 s deadlock deadline) ---- */
typedef lab_ilock tl_ilock;

static inline void tl_ilock_init(tl_ilock *lock)
{
    if (lab_ilock_init(lock, "bench") != 0)
        tl_fail("lab_ilock_init");
}

static inline void tl_ilock_destroy(tl_ilock *lock)
{
    lab_ilock_destroy(lock);
}

static inline void tl_ilock_lock(tl_ilock *lock)
{
    if (lab_ilock_lock_timeout(lock, 10) != 0)
        tl_fail("lab_ilock_lock");
}

static inline void tl_ilock_unlock(tl_ilock *lock)
{
    if (lab_ilock_unlock(lock) != 0)
        tl_fail("lab_ilock_unlock");
}

/* ---- threads and sleep ---- */
typedef lab_thread tl_thread;

static inline tl_thread *tl_thread_start(void *(*fn)(void *), void *arg)
{
    return lab_thread_start(fn, arg, LAB_THREAD_NOT_DAEMON, "bench");
}

static inline void tl_thread_join(tl_thread *thread)
{
    lab_thread_join(thread);
}

static inline void tl_sleep(double seconds)
{
    lab_sleep(seconds);
}

#endif
