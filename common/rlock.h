/* rlock.h — Python's threading.RLock as an object: a lock that knows its owner and counts.
 *
 * Python: RLock(). The thread that holds it may acquire it again; each acquire adds one
 * to a count, each release takes one off, and the lock is free for others only when the
 * count is back to 0. Only the owner may release: release() by another thread, or on a
 * lock nobody holds, raises RuntimeError ("cannot release un-acquired lock").
 * acquire(blocking=False) and acquire(timeout=s) work as for Lock.
 *
 * Why not PTHREAD_MUTEX_RECURSIVE alone: that mutex counts too and refuses a foreign
 * unlock with EPERM, but it cannot say who holds it or how deep, its timed lock measures
 * on the wall clock, and an unlock of an unlocked recursive mutex is only an error by
 * accident of the implementation. This module keeps owner and count under a mutex.
 *
 * Where C differs: RuntimeError is EPERM, returned; False is EAGAIN or ETIMEDOUT. The
 * count is an unsigned long (Python raises OverflowError past ULONG_MAX too). No fairness
 * is promised, as in CPython.
 *
 * Scheduling points (kind "rlock"): WAIT only when an acquire is about to block (another
 * thread owns it), GET when the calling thread becomes the owner (count 0 -> 1), TIMEOUT
 * when a timed acquire gives up, RELEASE on the final release (count 1 -> 0). A re-acquire
 * or inner release by the owner synchronises with nobody and reports nothing. Points are
 * reported outside the internal mutex.
 *
 * LOCKING PROTOCOL: the rlock has its own internal mutex; no function here expects the
 * caller to hold a lock. Durations are class seconds (scaled by --speed).
 */
#ifndef THREADLAB_RLOCK_H
#define THREADLAB_RLOCK_H

#include <pthread.h>
#include <stdbool.h>

typedef struct lab_rlock {
    pthread_mutex_t lock; /* protects the fields below */
    pthread_cond_t freed; /* signalled when the count drops to 0 */
    pthread_t owner;      /* meaningful only while count > 0 */
    unsigned long count;  /* 0: free; n: the owner acquired it n times */
} lab_rlock;

/* Set up a free rlock. Returns 0 or the pthread init error (nothing is left initialised
 * on error). */
int lab_rlock_init(lab_rlock *rlock);
/* Tear down an rlock nobody holds or waits for. Destroying a held rlock is a bug: aborts
 * ("fatal: lab_rlock_destroy ...: Device or resource busy"), as on a pthread error. */
void lab_rlock_destroy(lab_rlock *rlock);

/* Acquire, blocking while another thread owns it; the owner's re-acquire adds one to the
 * count at once (acquire()). Aborts on a pthread error or a count overflow. */
void lab_rlock_acquire(lab_rlock *rlock);
/* Acquire only if it can be done now (acquire(blocking=False)). Returns 0, or EAGAIN when
 * another thread owns it. Aborts on a pthread error. */
int lab_rlock_try_acquire(lab_rlock *rlock);
/* Acquire, waiting at most class_seconds (acquire(timeout=...)); 0 polls. Returns 0,
 * ETIMEDOUT, or EINVAL for a negative, NaN or infinite duration (nothing is done). Aborts
 * on a pthread error. */
int lab_rlock_acquire_timeout(lab_rlock *rlock, double class_seconds);

/* Take one off the owner's count; at 0 the lock is free and one waiter is woken
 * (release()). Returns 0, or EPERM when the calling thread does not own it (another
 * thread does, or nobody: Python's RuntimeError); then nothing changes. Aborts on a
 * pthread error. */
int lab_rlock_release(lab_rlock *rlock);

/* Whether the calling thread owns it (Python's private _is_owned()). Aborts on a pthread
 * error. */
bool lab_rlock_is_owned(lab_rlock *rlock);
/* How many times the calling thread holds it: its count if it owns it, else 0 (CPython's
 * private _recursion_count()). Aborts on a pthread error. */
unsigned long lab_rlock_count(lab_rlock *rlock);

#endif
