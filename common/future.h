/* future.h — the result of a task that may not have finished yet, and waiting for many.
 *
 * Python's concurrent.futures.Future: executor.submit() hands one back at once; the
 * caller asks done(), running(), cancel(), result(timeout) and add_done_callback(fn),
 * while a worker thread runs the task and fills the future in. as_completed(fs, timeout)
 * yields futures in the order they finish; wait(fs, timeout, return_when) returns the
 * done and not-done sets. This module is all of that in C (the pool that runs the tasks
 * is pool.h; any other "executor" can drive a future with the functions at the end).
 *
 * C has no exceptions. A task reports success or failure in its return value:
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
 *     int rc = lab_future_result(f, LAB_FOREVER, &value);
 *     if (rc == 0) ... value ...                      // the task's value
 *     else if (rc == LAB_FUTURE_TIMEOUT) ...          // TimeoutError
 *     else if (rc == LAB_FUTURE_CANCELLED) ...        // CancelledError
 *     else ... the task failed with status rc ...     // the task's exception
 *
 * A value bigger than a long: let the task write into the struct its arg points to.
 * States: pending -> running -> finished, or pending -> cancelled. A future finishes
 * exactly once; each done-callback runs exactly once.
 * Timeouts are class seconds (scaled by --speed); LAB_FOREVER waits without a limit.
 * Memory: every owner of a future calls lab_future_free() once (the pool keeps its own
 * reference while the task runs, so the caller may free a future at any time).
 *
 * LOCKING PROTOCOL: each future has its own internal mutex, and each as_completed/wait
 * call has one; a finishing future takes its own lock, then the waiters' (never the other
 * way round). No function here expects the caller to hold a lock. Done-callbacks run with
 * no lock held, so a callback may call any function here (on this future or another).
 */
#ifndef THREADLAB_FUTURE_H
#define THREADLAB_FUTURE_H

#include "clock.h"   /* LAB_FOREVER */

#include <stdbool.h>
#include <stddef.h>

typedef struct lab_future lab_future;

/* A task: 0 and its value in *value on success, or a positive status on failure. */
typedef int (*lab_task_fn)(void *arg, long *value);

/* A done-callback: called once with the future, when it finishes or is cancelled. */
typedef void (*lab_future_callback)(lab_future *future, void *arg);


/* What result(), as_completed and map return besides 0 and a task's positive status. */
enum {
    LAB_FUTURE_TIMEOUT = -1,     /* not done within the timeout (TimeoutError) */
    LAB_FUTURE_CANCELLED = -2,   /* cancelled before it started (CancelledError) */
    LAB_FUTURE_END = -3,         /* as_completed / map: every future has been handed out */
};

/* ---- the caller's side (Python's Future methods) ---- */

/* Finished or cancelled (Python's done()). Can't fail. */
bool lab_future_done(lab_future *future);
/* A worker is running the task right now (running()). Can't fail. */
bool lab_future_running(lab_future *future);
/* It was cancelled (cancelled()). Can't fail. */
bool lab_future_cancelled(lab_future *future);

/* Cancel the task if it has not started: true when the future is (now or already)
 * cancelled, and then the task never runs; false when it is running or finished. */
bool lab_future_cancel(lab_future *future);

/* Wait at most timeout class seconds (0: just look; LAB_FOREVER: no limit) for the
 * task. Returns 0 with its value in *value (if value is not NULL), the task's positive
 * failure status, LAB_FUTURE_CANCELLED, or LAB_FUTURE_TIMEOUT (the future is untouched). */
int lab_future_result(lab_future *future, double timeout, long *value);

/* The task's failure status if it finished by failing; 0 otherwise (succeeded, cancelled,
 * not finished yet). Does not wait. Python's exception(), without the waiting. */
int lab_future_error(lab_future *future);

/* Call fn(future, arg) once when the future finishes or is cancelled; if it already is,
 * call it now, in this thread. Otherwise it runs in the thread that finishes (or
 * cancels) it, after result() waiters were woken. Callbacks added before the future
 * finished run in the order added. Can't fail (exits if memory runs out). */
void lab_future_add_done_callback(lab_future *future, lab_future_callback fn, void *arg);

/* The caller is done with this future: drop its reference (each owner once). Don't free
 * a future that an as_completed iterator still watches. Can't fail. */
void lab_future_free(lab_future *future);

/* ---- many futures at once (Python's module functions) ---- */

/* as_completed(fs, timeout): an iterator over count futures (duplicates are handed out
 * once), in the order they finish; those finished already come first. */
typedef struct lab_futures_as_completed lab_futures_as_completed;

/* Start watching futures[0..count-1]; the timeout (class seconds, or LAB_FOREVER)
 * counts from this call, for the whole iteration. Can't fail (exits if memory runs out). */
lab_futures_as_completed *lab_futures_as_completed_new(lab_future *const *futures, size_t count, double timeout);
/* Wait for the next future to finish: 0 and its position in the array in *index;
 * LAB_FUTURE_TIMEOUT when the overall timeout passes first (later calls still hand out,
 * without waiting, futures that finished meanwhile); LAB_FUTURE_END when every future
 * has been handed out. */
int lab_futures_as_completed_next(lab_futures_as_completed *iterator, size_t *index);
/* Stop watching and free the iterator (the futures stay the caller's). Can't fail. */
void lab_futures_as_completed_free(lab_futures_as_completed *iterator);

/* wait()'s return_when. */
typedef enum {
    LAB_FUTURES_FIRST_COMPLETED,   /* any future finished or was cancelled */
    LAB_FUTURES_FIRST_EXCEPTION,   /* any task failed; if none fails, the same as ALL_COMPLETED */
    LAB_FUTURES_ALL_COMPLETED,     /* every future finished or was cancelled */
} lab_futures_return_when;

/* Python's wait(fs, timeout, return_when): block until `when` holds or timeout class
 * seconds pass (LAB_FOREVER: no limit). Then done[i] (if done is not NULL) says
 * whether futures[i] is done: the done set; the rest is the not-done set. Returns how
 * many futures are done. Can't fail. */
size_t lab_futures_wait(lab_future *const *futures, size_t count, double timeout,
                        lab_futures_return_when when, bool *done);

/* ---- the executor's side (what the pool uses; any other runner may too) ---- */

/* A new pending future, with one reference (the caller's). Returns NULL with errno set
 * if its mutex or condition variable cannot be made. */
lab_future *lab_future_new(void);
/* One more owner: each owner calls lab_future_free() once. Can't fail. */
void lab_future_keep(lab_future *future);
/* About to run the task: true and the future is running, or false when it was
 * cancelled (then don't run it). Python's set_running_or_notify_cancel(). Aborts if the
 * future is not pending or cancelled (running it twice is a bug). */
bool lab_future_set_running(lab_future *future);
/* The task ended with status (0 or positive) and value: the future finishes, result()
 * waiters and as_completed/wait wake, then the done-callbacks run in this thread.
 * Aborts if the future was not running or the status is negative (bugs). */
void lab_future_finish(lab_future *future, int status, long value);

#endif
