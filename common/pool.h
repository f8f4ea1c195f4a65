/* pool.h — a fixed set of worker threads that run submitted tasks: a thread pool.
 *
 * Python's concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix):
 * submit(fn, arg) queues a task and hands back a future (future.h) at once; up to
 * max_workers threads take tasks from the queue in submission order and run them;
 * map(fn, items) submits one task per item and yields the results in submission order;
 * shutdown(wait=True) stops new work, lets the queued tasks finish, and waits for them
 * (what leaving a `with ThreadPoolExecutor() as executor:` block does).
 *
 *     lab_pool *pool = lab_pool_new(3, "worker");          // workers worker-0 .. worker-2
 *     lab_future *f = lab_pool_submit(pool, loiter, &n);   // returns at once
 *     long value;
 *     if (lab_future_result(f, &value) == 0) ...
 *     lab_future_free(f);
 *     lab_pool_free(pool);                                 // shutdown(wait=True), then free
 *
 * Fire and forget: lab_pool_submit_detached(pool, fn, arg) queues a task with no future
 * (Python: submit() and drop the result), at the cost of putting it in the queue and
 * nothing more; lab_pool_shutdown(pool, true) is how to know it is over.
 *
 * max_workers 0 means the number of CPUs (os.cpu_count()): that is Python's default for
 * a ProcessPoolExecutor; ThreadPoolExecutor's own default is min(32, cpu_count + 4),
 * because I/O-bound threads mostly wait. Workers start lazily, as Python's do: a new
 * one only when a task is queued and no idle worker can take it, up to max_workers.
 * Workers are daemon threads: shut the pool down before the program ends, or the tasks
 * still queued are cut off at exit (Python, unlike C, waits for them).
 * Don't shut a pool down with wait=true from one of its own tasks (it would wait for itself).
 * A worker counts itself idle before it delivers a result (and runs the done-callbacks),
 * so submit -> result -> submit on a pool of 3 always runs on one worker (CPython's
 * executor counts it idle only afterwards, and may start a second one there).
 * Scheduling points (point.h), on the pool: submit and shutdown report RELEASE; a worker
 * reports WAIT when it has to wait for work, GET when it takes a task (or learns the pool
 * is shut down). The futures report their own (future.h).
 *
 * LOCKING PROTOCOL: the pool has one internal mutex over its queue and counters; no
 * function here expects the caller to hold a lock, and tasks run with no pool lock held
 * (a task may submit more work to its own pool).
 */
#ifndef THREADLAB_POOL_H
#define THREADLAB_POOL_H

#include "future.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct lab_pool lab_pool;

/* A pool of at most max_workers threads named "<name_prefix>-0", "-1", ... (0: the number
 * of CPUs). Returns NULL with errno EINVAL when max_workers is negative, or the error of
 * a failed mutex/condition initialisation. No thread starts until work arrives. Exits if
 * memory runs out. */
lab_pool *lab_pool_new(int max_workers, const char *name_prefix);

/* Queue fn(arg) and return its future at once (the caller owns it: lab_future_free).
 * Returns NULL with errno ESHUTDOWN after lab_pool_shutdown (Python's RuntimeError
 * "cannot schedule new futures after shutdown"), or errno from lab_future_new. Aborts on
 * a pthread error (also when a worker cannot be started). */
lab_future *lab_pool_submit(lab_pool *pool, lab_task_fn fn, void *arg);

/* Queue fn(arg) with no future: fire and forget (Python: submit() and drop the future).
 * Nobody can wait for the task, cancel it or see its outcome: its status and value are
 * dropped (Python would keep an exception in a future nobody looks at). The way to learn
 * that it is over is lab_pool_shutdown(pool, true). Allocates nothing (the pool's queue
 * grows now and then). Returns 0, or ESHUTDOWN after lab_pool_shutdown. Aborts on a
 * pthread error (also when a worker cannot be started). */
int lab_pool_submit_detached(lab_pool *pool, lab_task_fn fn, void *arg);

/* No more submissions; the queued tasks still run. With wait, return only when every
 * task has ended and every worker has been joined. Calling it again is harmless.
 * Aborts on a pthread error. */
void lab_pool_shutdown(lab_pool *pool, bool wait);

/* lab_pool_shutdown(pool, true), then free the pool. Futures stay valid (their owners
 * free them). Can't fail. */
void lab_pool_free(lab_pool *pool);

/* The most workers this pool runs (max_workers after the default was applied). Can't fail. */
int lab_pool_max_workers(lab_pool *pool);
/* How many workers have been started so far (lazily, never more than max_workers).
 * Can't fail. */
int lab_pool_workers_started(lab_pool *pool);

/* ---- map: one task per item, results in submission order ---- */

typedef struct lab_pool_map lab_pool_map;

/* Submit fn(&items[i]) for each of the count items (each item_size bytes) at once, and
 * return an iterator over their results in submission order, with no time limit.
 * Returns NULL, with nothing left queued, when a submit fails (errno as lab_pool_submit's). */
lab_pool_map *lab_pool_map_new(lab_pool *pool, lab_task_fn fn, void *items, size_t count, size_t item_size);
/* The same with a time limit of class_seconds (>= 0) for the whole iteration, from this
 * call. Also returns NULL with errno EINVAL for a negative, NaN or infinite duration. */
lab_pool_map *lab_pool_map_new_timeout(lab_pool *pool, lab_task_fn fn, void *items, size_t count,
                                       size_t item_size, double class_seconds);

/* The next result in submission order, waiting for it even when later ones are done:
 * 0 with the value in *value, the task's failure status, ECANCELED, ETIMEDOUT (the map's
 * time limit passed; the same result is tried again on the next call), or LAB_FUTURE_END
 * after the last. Python's map raises at the first failure and stops: here the caller
 * decides whether to go on. Aborts on a pthread error. */
int lab_pool_map_next(lab_pool_map *map, long *value);

/* The future of item i (owned by the map: don't free it), e.g. to ask lab_future_error;
 * NULL past the end. Can't fail. */
lab_future *lab_pool_map_future(lab_pool_map *map, size_t i);

/* Cancel the tasks not started yet (as Python does when a map's iterator is dropped),
 * and free the map and its futures. Can't fail. */
void lab_pool_map_free(lab_pool_map *map);

#endif
