/* future.h — the result of a task that may not have finished yet.
 *
 * Python's concurrent.futures.Future: executor.submit() hands one back at once; the
 * caller asks done(), running(), cancel(), result(timeout) and add_done_callback(fn),
 * while a worker thread runs the task and fills the future in. This module is that
 * object in C; waiting for many futures at once (as_completed, wait) is futures.h, and
 * the pool that runs the tasks is pool.h (any other "executor" can drive a future with
 * the functions at the end).
 *
 * C has no exceptions. A task reports success or failure in its return value: 0, or an
 * errno-style positive number of its own choosing (ENOENT for "not found", EIO...):
 *
 *     static int fetch(void *arg, long *value)     // the lab_task_fn signature
 *     {
 *         if (not_found) return ENOENT;              // failure: a positive status
 *         *value = bytes;  return 0;                 // success: 0, the value via *value
 *     }
 *
 * and lab_future_result() hands the status back where Python would re-raise:
 *
 *     long value;
 *     int rc = lab_future_result(f, &value);          // blocks until the task is over
 *     if (rc == 0) ... value ...                      // the task's value
 *     else if (rc == ECANCELED) ...                   // CancelledError
 *     else ... the task failed with status rc ...     // the task's exception
 *
 * lab_future_result_timeout(f, seconds, &value) also returns ETIMEDOUT (TimeoutError).
 * lab_future_exception(f) / _timeout(f, seconds) (Python's exception()) wait the same way
 * and return the same status without a value: 0 is Python's None.
 * A task may itself fail with ETIMEDOUT or ECANCELED: when the difference matters, ask
 * lab_future_done() / lab_future_cancelled(), or lab_future_error() for the task's status.
 * A value bigger than a long: let the task write into the struct its arg points to.
 * States: pending -> running -> finished, or pending -> cancelled. A future finishes
 * exactly once; each done-callback runs exactly once.
 * Time: result blocks with no limit; result_timeout takes class seconds >= 0 (0 looks
 * once) and refuses a negative, NaN or infinite duration with EINVAL.
 * Memory: every owner of a future calls lab_future_free() once (the pool keeps its own
 * reference while the task runs, so the caller may free a future at any time).
 * Scheduling points (point.h), on the future: result (and exception) report WAIT when they block,
 * then GET (done) or TIMEOUT; finish and a successful cancel report RELEASE.
 *
 * Cost: a future is one small allocation with no mutex or condition variable of its own;
 * asking whether it is done, or for a result that is ready, is one atomic load, and the
 * executor's start and finish are one atomic operation each. Only a thread that must sleep,
 * a done-callback or a watch makes the finisher take a lock (future.c says how).
 *
 * LOCKING PROTOCOL: a future has no lock of its own; no function here expects the caller
 * to hold a lock. Sleeping, the callbacks and the watches use a small set of locks shared
 * by all futures (future.c's "waiting rooms"). A finishing future calls its watchers
 * (futures.c) with its room's lock held; done-callbacks run with no lock held, so a
 * callback may call any function here (on this future or another).
 */
#ifndef THREADLAB_FUTURE_H
#define THREADLAB_FUTURE_H

#include <errno.h> /* what result returns */
#include <stdbool.h>
#include <stddef.h>

typedef struct lab_future lab_future;

/* A task: 0 and its value in *value on success, or a positive status on failure. */
typedef int (*lab_task_fn)(void *arg, long *value);

/* A done-callback: called once with the future, when it finishes or is cancelled. */
typedef void (*lab_future_callback)(lab_future *future, void *arg);

/* What an iterator over futures (lab_futures_as_completed_next, lab_pool_map_next)
 * returns when it has handed out every one: Python's StopIteration. Negative, so it is
 * never an errno value nor a task's status. */
#define LAB_FUTURE_END (-1)

/* ---- the caller's side (Python's Future methods) ---- */

/* Finished or cancelled (Python's done()). Can't fail. */
bool lab_future_done(lab_future *future);
/* A worker is running the task right now (running()). Can't fail. */
bool lab_future_running(lab_future *future);
/* It was cancelled (cancelled()). Can't fail. */
bool lab_future_cancelled(lab_future *future);

/* Cancel the task if it has not started: true when the future is (now or already)
 * cancelled, and then the task never runs; false when it is running or finished.
 * Aborts on a pthread error. */
bool lab_future_cancel(lab_future *future);

/* Wait for the task, with no limit. Returns 0 with its value in *value (if value is not
 * NULL), the task's positive failure status, or ECANCELED. Aborts on a pthread error. */
int lab_future_result(lab_future *future, long *value);
/* Wait at most class_seconds (>= 0; 0: just look). Returns as lab_future_result, or
 * ETIMEDOUT (the future is untouched), or EINVAL for a negative, NaN or infinite
 * duration (nothing waited for). Aborts on a pthread error. */
int lab_future_result_timeout(lab_future *future, double class_seconds, long *value);

/* The task's failure status if it finished by failing; 0 otherwise (succeeded, cancelled,
 * not finished yet). Does not wait. Python's exception(), without the waiting. Can't fail. */
int lab_future_error(lab_future *future);

/* Python's exception(): wait for the task, with no limit, and return its failure status:
 * 0 when it succeeded (Python's None), its positive status when it failed, ECANCELED
 * when it was cancelled (CancelledError). Unlike result(), it hands out no value: the
 * status *is* the answer. Aborts on a pthread error. */
int lab_future_exception(lab_future *future);
/* exception(timeout=class_seconds): as lab_future_exception, waiting at most that long
 * (>= 0; 0: just look); ETIMEDOUT when it is not done by then (TimeoutError), EINVAL for
 * a negative, NaN or infinite duration (nothing waited for). Aborts on a pthread error. */
int lab_future_exception_timeout(lab_future *future, double class_seconds);

/* Call fn(future, arg) once when the future finishes or is cancelled; if it already is,
 * call it now, in this thread. Otherwise it runs in the thread that finishes (or
 * cancels) it, after result() waiters were woken. Callbacks added before the future
 * finished run in the order added. Can't fail (exits if memory runs out). */
void lab_future_add_done_callback(lab_future *future, lab_future_callback fn, void *arg);

/* The caller is done with this future: drop its reference (each owner once). Don't free
 * a future that an as_completed iterator still watches. Can't fail. */
void lab_future_free(lab_future *future);

/* ---- the executor's side (what the pool uses; any other runner may too) ---- */

/* A new pending future, with one reference (the caller's). Never returns NULL (kept
 * for callers that check): exits if memory runs out. */
lab_future *lab_future_new(void);
/* One more owner: each owner calls lab_future_free() once. Can't fail. */
void lab_future_keep(lab_future *future);
/* About to run the task: true and the future is running, or false when it was
 * cancelled (then don't run it). Python's set_running_or_notify_cancel(). Aborts if the
 * future is not pending or cancelled (running it twice is a bug). */
bool lab_future_set_running(lab_future *future);
/* The task ended with status (0 or positive) and value: the future finishes, result()
 * waiters and watchers wake, then the done-callbacks run in this thread. Aborts if the
 * future was not running or the status is negative (bugs). */
void lab_future_finish(lab_future *future, int status, long value);

/* ---- the watchers' side (what futures.c uses to wait for many) ---- */

/* A watch hung on a future: notify(watch) is called once when the future finishes or is
 * cancelled, in the thread that does it, with the lock of the future's waiting room held
 * (so notify must not call any lab_future_ function; it may take its own lock). */
typedef struct lab_future_watch {
    void (*notify)(struct lab_future_watch *watch);
    struct lab_future_watch *next; /* the future's list: the future's own */
} lab_future_watch;

/* Hang watch on future, unless the future is done already: then returns true and the
 * watch is not hung (notify is never called). Returns false when hung. Can't fail. */
bool lab_future_watch_add(lab_future *future, lab_future_watch *watch);
/* Take a hung watch off its future (after that, notify is never called). Can't fail. */
void lab_future_watch_remove(lab_future *future, lab_future_watch *watch);

#endif
