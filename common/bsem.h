/* bsem.h — a bounded semaphore: at most N holders, and releasing past N is an error.
 *
 * Python: threading.BoundedSemaphore(N). acquire() takes one of N permits, blocking while
 * none is left (acquire(False) does not block, acquire(timeout=s) gives up after s);
 * release() gives one back, and releasing more than was taken raises ValueError
 * ("Semaphore released too many times"). Here that error is a return code the caller
 * must look at (the compiler warns when it is ignored).
 *
 * Why not POSIX sem_t alone: sem_t is a plain counting semaphore. sem_post() adds one
 * with no upper bound short of SEM_VALUE_MAX (about 2^31), so an extra post silently
 * makes room for one holder too many. Checking first does not help: reading the value
 * with sem_getvalue() and then posting is check-then-act: two releasers can both read
 * N - 1, both post, and the value is N + 1; the value read may be stale the moment it is
 * returned. The bound has to be checked in the same indivisible step that changes the
 * count. So this module keeps the count itself, in an atomic integer changed only by
 * compare-and-swap (the check and the change are one step: if another thread changed the
 * count in between, the swap fails and the release looks again), and uses a sem_t only
 * to put waiting threads to sleep and wake them: it carries wake-ups, not permits.
 * Taking a free permit or giving one back when nobody waits is one atomic operation, no
 * lock and no system call, as fast as sem_t's own fast path. (A bonus: timeouts use
 * CLOCK_MONOTONIC through sem_clockwait, where sem_timedwait measures on the wall clock.)
 *
 * Time: acquire() blocks with no limit; acquire_timeout(s) waits at most s >= 0 class
 * seconds (scaled by --speed), and 0 polls; a negative, NaN or infinite s is refused with
 * EINVAL and takes nothing (never read as "forever").
 *
 * Scheduling points (point.h), object = the semaphore, word "semaphore": WAIT just before
 * a thread blocks (only when it found no permit left), GET when it took a permit (also
 * without blocking) and TIMEOUT when a timed acquire gave up, RELEASE when a permit came
 * back (right after the count went up and before a waiter is woken: the woken waiter's GET
 * comes after it).
 *
 * LOCKING PROTOCOL: no lock at all (an atomic count, and a sem_t to sleep on); no
 * function here expects the caller to hold a lock.
 */
#ifndef THREADLAB_BSEM_H
#define THREADLAB_BSEM_H

#include <semaphore.h>
#include <stdatomic.h>

typedef struct lab_bsem {
    /* >= 0: permits left (at most bound); < 0: -count threads wait for a wake-up. */
    atomic_int count;
    int bound;     /* the initial value; never changes after init */
    sem_t wakeups; /* one post per waiter a release must wake (starts at 0) */
} lab_bsem;

/* Set up a semaphore holding `value` permits, which is also its bound (value >= 0).
 * Returns 0, EINVAL for a negative value, or sem_init's error (nothing is left
 * initialised on error). */
int lab_bsem_init(lab_bsem *sem, int value);
/* Tear down a semaphore nobody is waiting on. Aborts on a sem_destroy error. */
void lab_bsem_destroy(lab_bsem *sem);

/* Take a permit, blocking as long as none is left (acquire()). Aborts on a sem_t
 * error. */
void lab_bsem_acquire(lab_bsem *sem);
/* Take a permit if one is left, without blocking (acquire(False)). Returns 0 (took one)
 * or EAGAIN (none left). Can't fail otherwise. */
int lab_bsem_try_acquire(lab_bsem *sem) __attribute__((warn_unused_result));
/* Take a permit, waiting at most class_seconds >= 0 (acquire(timeout=...); 0 polls).
 * Returns 0 (took one), ETIMEDOUT (none came in time), or EINVAL (negative, NaN or
 * infinite class_seconds: nothing taken). Aborts on a sem_t error. */
int lab_bsem_acquire_timeout(lab_bsem *sem, double class_seconds)
    __attribute__((warn_unused_result));

/* Give a permit back and wake one waiter (release()). Returns 0, or EOVERFLOW when the
 * semaphore already holds all `bound` permits (Python's ValueError): the count is then
 * left unchanged. Aborts on a sem_t error. */
int lab_bsem_release(lab_bsem *sem) __attribute__((warn_unused_result));

/* Permits left right now: a snapshot, possibly stale by the time it is used. Can't
 * fail. */
int lab_bsem_value(lab_bsem *sem);
/* The bound given at init. Can't fail. */
int lab_bsem_bound(const lab_bsem *sem);

#endif
