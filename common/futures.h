/* futures.h — waiting for many futures at once: as_completed and wait.
 *
 * Python's concurrent.futures module functions: as_completed(fs, timeout) yields the
 * futures in the order they finish; wait(fs, timeout, return_when) returns the done and
 * not-done sets once FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED holds. The futures
 * themselves are future.h; any executor may have made them (the pool of pool.h usually).
 *
 *     lab_futures_as_completed *it = lab_futures_as_completed_new(fs, n);
 *     size_t i;
 *     while (lab_futures_as_completed_next(it, &i) == 0)   // LAB_FUTURE_END after the last
 *         ... fs[i] is done ...
 *     lab_futures_as_completed_free(it);
 *
 * Time: the plain forms wait with no limit; the _timeout forms take class seconds >= 0
 * (0: look once, never sleep), counted from the call, and refuse a negative, NaN or
 * infinite duration with EINVAL.
 * Scheduling points (point.h): next and wait report WAIT on the iterator when they have
 * to block ("futures"), then GET on the future handed out ("future") or TIMEOUT on the
 * iterator.
 *
 * LOCKING PROTOCOL: each iterator has its own internal mutex; a finishing future takes
 * its waiting room's lock (future.h), then the iterator's (never the other way round). No function here
 * expects the caller to hold a lock.
 */
#ifndef THREADLAB_FUTURES_H
#define THREADLAB_FUTURES_H

#include "future.h"

#include <stdbool.h>
#include <stddef.h>

/* as_completed(fs): an iterator over count futures (duplicates are handed out once), in
 * the order they finish; those finished already come first. */
typedef struct lab_futures_as_completed lab_futures_as_completed;

/* Start watching futures[0..count-1], with no time limit. Can't fail (exits if memory
 * runs out); aborts on a pthread error. */
lab_futures_as_completed *lab_futures_as_completed_new(lab_future *const *futures, size_t count);
/* The same with a time limit of class_seconds (>= 0) for the whole iteration, from this
 * call. Returns NULL with errno EINVAL for a negative, NaN or infinite duration. */
lab_futures_as_completed *lab_futures_as_completed_new_timeout(lab_future *const *futures,
                                                               size_t count, double class_seconds);
/* Wait for the next future to finish: 0 and its position in the array in *index;
 * ETIMEDOUT when the iterator's time limit passes first (later calls still hand out,
 * without waiting, futures that finished meanwhile); LAB_FUTURE_END when every future
 * has been handed out. Aborts on a pthread error. */
int lab_futures_as_completed_next(lab_futures_as_completed *iterator, size_t *index);
/* Stop watching and free the iterator (the futures stay the caller's). Can't fail. */
void lab_futures_as_completed_free(lab_futures_as_completed *iterator);

/* wait()'s return_when. */
typedef enum {
    LAB_FUTURES_FIRST_COMPLETED, /* any future finished or was cancelled */
    LAB_FUTURES_FIRST_EXCEPTION, /* any task failed; if none fails, the same as ALL_COMPLETED */
    LAB_FUTURES_ALL_COMPLETED,   /* every future finished or was cancelled */
} lab_futures_return_when;

/* Python's wait(fs, return_when=when): block until `when` holds. Then done[i] (if done is
 * not NULL) says whether futures[i] is done: the done set; the rest is the not-done set.
 * Returns how many futures are done. Can't fail (exits if memory runs out). */
size_t lab_futures_wait(lab_future *const *futures, size_t count, lab_futures_return_when when,
                        bool *done);
/* wait(fs, timeout, return_when): the same, giving up after class_seconds (>= 0). Returns
 * 0 when `when` held, ETIMEDOUT when the time ran out first (done[] is filled either way),
 * or EINVAL for a negative, NaN or infinite duration (done[] untouched). */
int lab_futures_wait_timeout(lab_future *const *futures, size_t count, lab_futures_return_when when,
                             double class_seconds, bool *done);

#endif
