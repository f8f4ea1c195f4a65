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
 *     Python                                         C
 *     ThreadPoolExecutor()  (max_workers=None)       lab_pool_new(lab_pool_default_workers(), NULL)
 *     ThreadPoolExecutor(0) / (-1)   ValueError      lab_pool_new(0 / -1, ...) -> NULL, errno EINVAL
 *     ThreadPoolExecutor(3, "dl", initializer=f,     lab_pool_new_initializer(3, "dl", f, arg)
 *                        initargs=(arg,))
 *     executor.submit(fn, arg)                       lab_pool_submit(pool, fn, arg)
 *     executor.map(fn, items)                        lab_pool_map_new(...), lab_pool_map_next
 *     executor.shutdown(wait=True)                   lab_pool_shutdown(pool, true)
 *     executor.shutdown(wait, cancel_futures=True)   lab_pool_shutdown_cancel(pool, wait)
 *     BrokenThreadPool                               ENOTRECOVERABLE (submit's errno, the futures'
 *                                                    status), lab_pool_broken(pool)
 *     RuntimeError: cannot schedule new futures      ESHUTDOWN (submit's errno)
 *     (interpreter exit finishes the queued tasks)   the same: the exit hook, below
 *
 * The default size is Python's: lab_pool_default_workers() is min(32, CPUs + 4), because
 * I/O-bound threads mostly wait. There is no "0 means default": max_workers <= 0 is
 * refused with EINVAL, as Python refuses it. Workers start lazily, as Python's do: a new
 * one only when a task is queued and no idle worker can take it, up to max_workers.
 *
 * Initializer: lab_pool_new_initializer's initializer(arg) runs once in each worker, in
 * that worker, before its first task; it returns 0 or a positive status. When one fails,
 * the pool is broken, as Python's: the tasks still queued never run and their futures fail
 * with ENOTRECOVERABLE (Python sets BrokenThreadPool on them), detached ones are dropped,
 * and every later submit returns NULL with errno ENOTRECOVERABLE; lab_pool_broken() gives
 * the initializer's status. Tasks already running end normally; the workers that started
 * well stay until shutdown. (Python also logs the exception; C has nothing to log: the
 * status is the message.)
 *
 * At exit, as in Python: the queued tasks still run. CPython's workers are non-daemon
 * threads whose queues an exit hook drains; here the workers are daemon threads (so
 * lab_main_exit never waits for an idle worker) and the first lab_pool_new registers an
 * atexit() hook that shuts every pool not yet freed down and waits until its workers have
 * run the queue dry. So returning from main, exit() and lab_main_exit all finish the work.
 * Differences: Python drains its pools before it joins the non-daemon threads, this hook
 * runs after lab_main_exit joined them (so they may still submit while main waits);
 * exit() called from a daemon thread (a pool's task; the Ctrl-C thread of interrupt.h, so
 * Ctrl-C ends the program at once where Python would wait), _exit(), abort() and a fatal
 * error skip the hook;
 * a forked child does not wait for its parent's pools (it has none of their workers).
 * A task that never ends keeps the program from exiting, in Python as here.
 * Don't shut a pool down with wait=true from one of its own tasks (it would wait for itself).
 * A worker counts itself idle before it delivers a result (and runs the done-callbacks),
 * so submit -> result -> submit on a pool of 3 always runs on one worker (CPython's
 * executor counts it idle only afterwards, and may start a second one there).
 * Scheduling points (point.h), on the pool: submit and shutdown report RELEASE; a worker
 * reports WAIT when it has to wait for work, GET when it takes a task (or learns the pool
 * is shut down); the exit hook reports WAIT and GET when it waits for a pool's workers.
 * The futures report their own (future.h).
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

/* A pool of at most max_workers threads named "<name_prefix>-0", "-1", ... (NULL:
 * "worker"). Returns NULL with errno EINVAL when max_workers is 0 or negative, or the
 * error of a failed mutex/condition initialisation. No thread starts until work arrives.
 * Exits if memory runs out. */
lab_pool *lab_pool_new(int max_workers, const char *name_prefix);

/* Python's ThreadPoolExecutor default size: min(32, number of CPUs + 4). Can't fail. */
int lab_pool_default_workers(void);

/* What an initializer returns: 0, or a positive status (then the pool is broken). */
typedef int (*lab_pool_initializer)(void *arg);
/* lab_pool_new with an initializer (NULL: none) run as initializer(arg) in each worker
 * before its first task. Returns as lab_pool_new. */
lab_pool *lab_pool_new_initializer(int max_workers, const char *name_prefix,
                                   lab_pool_initializer initializer, void *arg);
/* 0 while the pool is usable; the status of the initializer that broke it. Can't fail. */
int lab_pool_broken(lab_pool *pool);

/* Queue fn(arg) and return its future at once (the caller owns it: lab_future_free).
 * Returns NULL with errno ESHUTDOWN after lab_pool_shutdown (Python's RuntimeError
 * "cannot schedule new futures after shutdown"), ENOTRECOVERABLE once the pool is broken
 * (BrokenThreadPool), or errno from lab_future_new. Aborts on a pthread error (also when
 * a worker cannot be started). */
lab_future *lab_pool_submit(lab_pool *pool, lab_task_fn fn, void *arg);

/* Queue fn(arg) with no future: fire and forget (Python: submit() and drop the future).
 * Nobody can wait for the task, cancel it or see its outcome: its status and value are
 * dropped (Python would keep an exception in a future nobody looks at). The way to learn
 * that it is over is lab_pool_shutdown(pool, true). Allocates nothing (the pool's queue
 * grows now and then). Returns 0, ESHUTDOWN after lab_pool_shutdown, or ENOTRECOVERABLE
 * once the pool is broken. Aborts on a pthread error (also when a worker cannot be started). */
int lab_pool_submit_detached(lab_pool *pool, lab_task_fn fn, void *arg);

/* No more submissions; the queued tasks still run. With wait, return only when every
 * task has ended and every worker has been joined. Calling it again is harmless.
 * Aborts on a pthread error. */
void lab_pool_shutdown(lab_pool *pool, bool wait);

/* shutdown(wait, cancel_futures=True): as lab_pool_shutdown, but first every task still
 * queued (not started) is cancelled: its future says cancelled (ECANCELED, its callbacks
 * run in this thread), and a detached one is dropped; running tasks end normally.
 * Returns how many queued tasks were called off. Aborts on a pthread error. */
size_t lab_pool_shutdown_cancel(lab_pool *pool, bool wait);

/* lab_pool_shutdown(pool, true), then free the pool (the exit hook forgets it). Futures
 * stay valid (their owners free them). Can't fail. */
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
lab_pool_map *lab_pool_map_new(lab_pool *pool, lab_task_fn fn, void *items, size_t count,
                               size_t item_size);
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
