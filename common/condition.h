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
 * (Names: checked.h already has lab_pthread_cond_wait & co for raw pthread_cond_t; this module
 * is lab_condition_*.)
 *
 * LOCKING PROTOCOL: the caller holds the condition's lock (lab_condition_acquire) around
 * every wait*, notify* and waiting call, and around the state the predicate looks at;
 * waits give the lock up while asleep and hold it again when they return. Predicates
 * run with the lock held. The lock is an error-checking mutex: waiting without holding
 * it, or releasing it from another thread, aborts with a message. Durations are class
 * seconds (scaled by --speed).
 */
#ifndef THREADLAB_CONDITION_H
#define THREADLAB_CONDITION_H

#include <pthread.h>
#include <stdbool.h>

typedef struct lab_condition_waiter lab_condition_waiter;   /* one sleeping thread */

typedef struct lab_condition {
    pthread_mutex_t lock;          /* Python's lock; guards the pool and the caller's state */
    lab_condition_waiter *first;   /* the wait pool, oldest first; protected by lock */
    lab_condition_waiter *last;
    int waiting;                   /* threads in the wait pool; protected by lock */
} lab_condition;

/* What wait_for re-checks: called with the lock held; true when the wait is over. */
typedef bool (*lab_condition_predicate)(void *arg);

/* Set up a condition with its own (error-checking) lock. Returns 0 or the pthread init
 * error (nothing is left initialised on error). */
int lab_condition_init(lab_condition *cond);
/* Tear down a condition nobody holds or waits on. Aborts on a pthread error. */
void lab_condition_destroy(lab_condition *cond);

/* Take / give back the condition's lock (`with cond:`). Abort on a pthread error. */
void lab_condition_acquire(lab_condition *cond);
void lab_condition_release(lab_condition *cond);

/* Give up the lock, sleep until notified, take the lock again (wait()). Caller holds the
 * lock. Returns only after a notify: never spuriously. */
void lab_condition_wait(lab_condition *cond);
/* The same, for at most class_seconds (wait(timeout)). Returns true when notified, false
 * on timeout (the lock is held again either way). */
bool lab_condition_wait_timeout(lab_condition *cond, double class_seconds);

/* Wait until predicate(arg) is true, re-checking after every wake-up (wait_for()).
 * Caller holds the lock. Returns true (the predicate's value). */
bool lab_condition_wait_for(lab_condition *cond, lab_condition_predicate predicate, void *arg);
/* The same, giving up after class_seconds in all (wait_for(predicate, timeout)).
 * Returns the predicate's last value: false means the time ran out first. */
bool lab_condition_wait_for_timeout(lab_condition *cond, lab_condition_predicate predicate,
                                    void *arg, double class_seconds);

/* Wake the n longest-waiting threads, or all of them if fewer wait (notify(n)).
 * Caller holds the lock (aborts when nobody holds it). Returns how many were woken. */
int lab_condition_notify(lab_condition *cond, int n);
/* Wake every waiting thread (notify_all()). Caller holds the lock. Returns how many. */
int lab_condition_notify_all(lab_condition *cond);

/* Threads in the wait pool now. Caller holds the lock (Python: len(cond._waiters)). */
int lab_condition_waiting(lab_condition *cond);

#endif
