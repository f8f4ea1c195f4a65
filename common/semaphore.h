/* semaphore.h — Python's threading.Semaphore: a counter of permits with no upper bound.
 *
 * Python: Semaphore(value=1). acquire() takes a permit, blocking while there is none;
 * acquire(blocking=False) takes one only if it can at once; acquire(timeout=s) gives up
 * after s seconds. release(n=1) adds n permits and wakes up to n waiters. Nothing stops a
 * release without an acquire: the count just grows (BoundedSemaphore, bsem.h, is the one
 * that refuses). A semaphore used as a counter of "things ready" (items made, slots
 * freed) is its legitimate use; as a lock it is easy to over-release by mistake.
 *
 * Where C differs: Python's False/True and ValueError are return codes here (0, EAGAIN,
 * ETIMEDOUT, EINVAL); the count is an int, so a release that would pass INT_MAX is
 * refused with EOVERFLOW (Python's ints have no limit). Like CPython, no fairness is
 * promised: a released permit goes to whichever waiter gets the lock first.
 * Why not sem_t: sem_timedwait() measures its timeout on the wall clock and sem_post()
 * adds only one; this module keeps the count under a mutex, on the monotonic clock.
 *
 * Scheduling points: WAIT only when an acquire is about to block, GET when it takes a
 * permit, TIMEOUT when a timed acquire gives up, RELEASE on every release (kind
 * "semaphore"). They are reported outside the internal mutex.
 *
 * LOCKING PROTOCOL: the semaphore has its own internal mutex; no function here expects
 * the caller to hold a lock. Durations are class seconds (scaled by --speed).
 */
#ifndef THREADLAB_SEMAPHORE_H
#define THREADLAB_SEMAPHORE_H

#include <pthread.h>

typedef struct lab_semaphore {
    pthread_mutex_t lock;
    pthread_cond_t released; /* broadcast when permits come back */
    int value;               /* permits left, >= 0; protected by lock */
} lab_semaphore;

/* Set up a semaphore holding `value` permits (Semaphore(value)). Returns 0, EINVAL for a
 * negative value (Python's ValueError), or the pthread init error (nothing is left
 * initialised on error). */
int lab_semaphore_init(lab_semaphore *sem, int value);
/* Tear down a semaphore nobody is waiting on. Aborts on a pthread error. */
void lab_semaphore_destroy(lab_semaphore *sem);

/* Take a permit, blocking as long as there is none (acquire()). Aborts on a pthread error. */
void lab_semaphore_acquire(lab_semaphore *sem);
/* Take a permit only if one is there now (acquire(blocking=False)). Returns 0, or EAGAIN
 * when there was none. Aborts on a pthread error. */
int lab_semaphore_try_acquire(lab_semaphore *sem);
/* Take a permit, waiting at most class_seconds (acquire(timeout=...)); 0 polls. Returns 0,
 * ETIMEDOUT when none came in time, or EINVAL for a negative, NaN or infinite duration
 * (nothing is taken). Aborts on a pthread error. */
int lab_semaphore_acquire_timeout(lab_semaphore *sem, double class_seconds);

/* Add n >= 1 permits and wake up to n waiters (release(n)). Returns 0, EINVAL for n < 1
 * (Python's ValueError), or EOVERFLOW when the count would pass INT_MAX; on error the
 * count is unchanged. Aborts on a pthread error. */
int lab_semaphore_release(lab_semaphore *sem, int n);

/* Permits left right now (Python's private _value): a snapshot, possibly stale by the
 * time it is used. Aborts on a pthread error. */
int lab_semaphore_value(lab_semaphore *sem);

#endif
