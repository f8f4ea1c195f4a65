/* condition.h — Python's Condition: a lock plus a wait pool, with wait_for and notify(n).
 *
 * Python: threading.Condition. Besides its lock (the "lock pool": threads waiting to
 * acquire), a Condition has a "wait pool": threads that called wait() and sleep until
 * another thread calls notify(n) (wake at most n of them, oldest first) or notify_all();
 * a woken thread then queues for the lock again. wait_for(predicate, timeout) is the
 * loop everyone should write: check the predicate, wait, check again, until it is true
 * or the time is up, and return its last value.
 *
 * Why not a bare pthread_cond_t: pthread_cond_signal wakes "at least one" waiter and
 * pthread_cond_wait may return with no signal at all (a spurious wake-up), so
 * notify(n) (exactly n, or all if fewer are waiting) cannot be said with one condition
 * variable. Here every waiter sleeps on its own condition variable (its doorbell) in a
 * first-come first-served list; notify(n) takes the first n off the list and rings
 * their doorbells. A thread returns from wait only when it was notified or timed out.
 * That still does not make `if (!ready) wait` correct: between the notify and the
 * moment the woken thread gets the lock back, another thread may take the lock first
 * and use up what the notify announced. Always re-check: use wait_for, or `while`.
 *
 * THE LOCK. Python's Condition() makes its own lock, an RLock; Condition(lock) uses the
 * caller's Lock or RLock, and several Conditions may share one lock (each keeps its own
 * wait pool: notify on one wakes only its own waiters). Here:
 *   - lab_condition_init: its own lock, an RLock as in Python: the holder may acquire it
 *     again (it counts), only the holder may release it, and a wait with it held n times
 *     gives it up completely and holds it n times again afterwards (Python's
 *     _release_save / _acquire_restore);
 *   - lab_condition_init_sharing(cond, other): over the lock of another condition
 *     (Python: two Conditions built on one lock);
 *   - lab_condition_init_with_lock(cond, &mutex): over the caller's pthread_mutex_t, a
 *     Lock (normal or error-checking) or an RLock (PTHREAD_MUTEX_RECURSIVE, told apart
 *     by trying it twice at init: the lock must be free then). With a recursive mutex a
 *     wait, too, releases every level and takes them back.
 * Whether the caller holds the lock (Python: RuntimeError "cannot wait on un-acquired
 * lock"): exact for the own RLock (it knows its owner) and for a caller's recursive mutex
 * (trylock fails when another thread holds it; the count, read the glibc way as pthreads
 * has no call for it, tells "free" from "mine"). For a caller's Lock, Python's own test:
 * "somebody holds it" (a Lock has no owner). Each aborts with the call's name.
 * A lab RLock object (common/rlock.h) plugs in as a fourth kind of lock: the condition
 * needs from it what Python's needs from an RLock, is-owned, release-save (give up every
 * level, return the count) and acquire-restore; until then use the condition's own RLock
 * (shared with lab_condition_init_sharing) or a recursive pthread mutex.
 *
 * (Names: checked.h already has lab_pthread_cond_wait & co for raw pthread_cond_t; this module
 * is lab_condition_*.)
 *
 * LOCKING PROTOCOL: the caller holds the condition's lock (lab_condition_acquire, or the
 * caller's own pthread_mutex_lock on a lock it passed in) around every wait*, notify* and
 * waiting call, and around the state the predicate looks at; waits give the lock up
 * while asleep and hold it again (as many times) when they return. Predicates run with
 * the lock held. Waiting or notifying without holding it, or releasing the own RLock from
 * a thread that does not hold it, aborts with a message.
 *
 * Time: wait() and wait_for() block with no limit; wait_timeout(s) and wait_for_timeout(s)
 * wait at most s >= 0 class seconds (scaled by --speed), and 0 polls (never gives the lock
 * up: wait_timeout(0) is ETIMEDOUT, as nobody could notify a thread not yet waiting, and
 * wait_for_timeout(0) checks the predicate once); a negative, NaN or infinite s is refused
 * with EINVAL and nothing happens (never read as "forever").
 *
 * Scheduling points (point.h), object = the condition, word "condition", all with the
 * condition's lock held (it is the caller's lock, so there is no other place): WAIT just
 * before a thread goes to sleep in the pool, GET when it was notified, TIMEOUT when a
 * timed wait gave up with nothing (for wait_for_timeout: the predicate still false),
 * RELEASE when notify woke at least one thread (before the caller's unlock that lets them
 * run: their GETs come after it). A notify with nobody waiting reports nothing.
 */
#ifndef THREADLAB_CONDITION_H
#define THREADLAB_CONDITION_H

#include <pthread.h>
#include <stdbool.h>

typedef struct lab_condition_waiter lab_condition_waiter; /* one sleeping thread */

typedef enum {
    LAB_CONDITION_RLOCK,           /* the condition's own: Python's default RLock */
    LAB_CONDITION_MUTEX,           /* a caller's normal or error-checking mutex: a Lock */
    LAB_CONDITION_RECURSIVE_MUTEX, /* a caller's PTHREAD_MUTEX_RECURSIVE mutex: an RLock */
} lab_condition_lock_kind;

/* The lock a condition is built on (Python's Condition._lock). */
typedef struct lab_condition_lock {
    lab_condition_lock_kind kind;
    pthread_mutex_t *mutex;      /* what is locked: &own, or the caller's mutex */
    pthread_mutex_t own;         /* the RLock's mutex (kind RLOCK only) */
    _Atomic(const void *) owner; /* RLOCK: its holder (a per-thread address) or NULL */
    int count;                   /* RLOCK: times the holder holds it; the holder's alone */
} lab_condition_lock;

typedef struct lab_condition {
    lab_condition_lock own_lock; /* set up by init / init_with_lock */
    lab_condition_lock *lock;    /* in use: &own_lock, or the shared condition's lock */
    lab_condition_waiter *first; /* the wait pool, oldest first; protected by the lock */
    lab_condition_waiter *last;
    int waiting; /* threads in the wait pool; protected by the lock */
} lab_condition;

/* What wait_for re-checks: called with the lock held; true when the wait is over. */
typedef bool (*lab_condition_predicate)(void *arg);

/* Set up a condition with its own lock, an RLock (Condition()). Returns 0 or the pthread
 * init error (nothing is left initialised on error). */
int lab_condition_init(lab_condition *cond);
/* Set up a condition over the caller's mutex (Condition(lock)), which must outlive it and
 * be free now: it is tried twice to learn whether it is recursive (an RLock) or not (a
 * Lock). Returns 0, or EBUSY when somebody holds it (nothing is set up). Aborts on a
 * pthread error. */
int lab_condition_init_with_lock(lab_condition *cond, pthread_mutex_t *lock);
/* Set up a condition over other's lock (several Conditions, one lock); other must outlive
 * it. Can't fail (returns 0). */
int lab_condition_init_sharing(lab_condition *cond, lab_condition *other);
/* Tear down a condition nobody holds or waits on (a caller's mutex is left alone).
 * Aborts on a pthread error (its own lock still held: EBUSY). */
void lab_condition_destroy(lab_condition *cond);

/* Take / give back the condition's lock (`with cond:`; acquire(), release()). The own
 * RLock counts re-acquisitions by its holder; releasing it from a thread that does not
 * hold it aborts (Python: RuntimeError). A caller's mutex behaves as that mutex does.
 * Abort on a pthread error. */
void lab_condition_acquire(lab_condition *cond);
void lab_condition_release(lab_condition *cond);
/* acquire(blocking=False): returns 0 (taken; the RLock's holder takes it again) or EAGAIN
 * (held by another thread; a Lock held by the caller itself, as in Python). Aborts on a
 * pthread error. */
int lab_condition_try_acquire(lab_condition *cond) __attribute__((warn_unused_result));
/* acquire(timeout=s): wait at most class_seconds >= 0 (0 tries once). Returns 0,
 * ETIMEDOUT, or EINVAL (negative, NaN or infinite: nothing is tried). Aborts on a
 * pthread error. */
int lab_condition_acquire_timeout(lab_condition *cond, double class_seconds)
    __attribute__((warn_unused_result));

/* Give up the lock, sleep until notified, take the lock again (wait()). Caller holds the
 * lock. Returns only after a notify: never spuriously. Aborts when the lock is not held
 * or on a pthread error. */
void lab_condition_wait(lab_condition *cond);
/* The same, for at most class_seconds >= 0 (wait(timeout); 0 polls). Returns 0
 * (notified), ETIMEDOUT (not in time), or EINVAL (negative, NaN or infinite class_seconds:
 * the lock was not given up). The lock is held again either way. Aborts when the lock is
 * not held or on a pthread error. */
int lab_condition_wait_timeout(lab_condition *cond, double class_seconds)
    __attribute__((warn_unused_result));

/* Wait until predicate(arg) is true, re-checking after every wake-up (wait_for()).
 * Caller holds the lock. Returns once the predicate is true. Aborts when it must wait
 * without holding the lock, or on a pthread error. */
void lab_condition_wait_for(lab_condition *cond, lab_condition_predicate predicate, void *arg);
/* The same, giving up after class_seconds >= 0 in all (wait_for(predicate, timeout);
 * 0 checks once). Returns 0 (the predicate is true), ETIMEDOUT (time ran out with it
 * false), or EINVAL (negative, NaN or infinite class_seconds: the predicate is not even
 * called). Python returns the predicate's last value: here 0 is True. Aborts like
 * lab_condition_wait_for(). */
int lab_condition_wait_for_timeout(lab_condition *cond, lab_condition_predicate predicate,
                                   void *arg, double class_seconds)
    __attribute__((warn_unused_result));

/* Wake the n longest-waiting threads, or all of them if fewer wait (notify(n)); n <= 0
 * wakes nobody. Caller holds the lock. Returns how many were woken (can't fail
 * otherwise). Aborts when nobody holds the lock, or on a pthread error. */
int lab_condition_notify(lab_condition *cond, int n);
/* Wake every waiting thread (notify_all()). Caller holds the lock. Returns how many.
 * Aborts like lab_condition_notify(). */
int lab_condition_notify_all(lab_condition *cond);

/* Threads in the wait pool now. Caller holds the lock (Python: len(cond._waiters)).
 * Can't fail. */
int lab_condition_waiting(lab_condition *cond);

#endif
