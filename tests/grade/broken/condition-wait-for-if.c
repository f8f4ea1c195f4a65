/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/condition.c with one
 * change: wait_for() waits once with `if`: a wake-up that finds the predicate false returns anyway.
 * Try: make grade MODULE=condition SRC=tests/grade/broken/condition-wait-for-if.c
 * grade: module condition
 * expect: FAIL timeouts and wait_for: wait_for_rechecks_after_every_wakeup
 * case: timeouts and wait_for
 */
/* condition.c — Python's Condition: a lock (its own RLock, or the caller's mutex) and a
 * first-come first-served wait pool in which every waiter sleeps on its own doorbell
 * (see condition.h). */
#include "condition.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Helgrind (valgrind) models neither C11 atomics (the RLock's owner) nor the unlock inside
 * pthread_cond_wait as ordered before the next holder's read of a recursive mutex's
 * count: where its header is installed, tell it those reads are meant. */
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#define MEANT_FOR_HELGRIND(address, size, why) ANNOTATE_BENIGN_RACE_SIZED((address), (size), why)
#else
#define MEANT_FOR_HELGRIND(address, size, why) ((void)0)
#endif

/* Lives on the waiting thread's stack for the length of one wait. */
struct lab_condition_waiter {
    pthread_cond_t doorbell;    /* rung by notify, for this thread only */
    bool notified;              /* set by notify; protected by the condition's lock */
    lab_condition_waiter *next; /* protected by the condition's lock */
};

static void start_pool(lab_condition *cond, lab_condition_lock *lock)
{
    cond->lock = lock;
    cond->first = cond->last = NULL;
    cond->waiting = 0;
}

int lab_condition_init(lab_condition *cond)
{
    /* The RLock's mutex is held once by the holder, whatever its count: error-checking,
     * so that a bug in this file shows as EDEADLK or EPERM, not a hang. */
    int rc = lab_pthread_mutex_init_kind(&cond->own_lock.own, PTHREAD_MUTEX_ERRORCHECK);
    if (rc != 0)
        return rc;
    cond->own_lock.kind = LAB_CONDITION_RLOCK;
    cond->own_lock.mutex = &cond->own_lock.own;
    atomic_init(&cond->own_lock.owner, NULL);
    MEANT_FOR_HELGRIND(&cond->own_lock.owner, sizeof cond->own_lock.owner, "C11 atomic");
    cond->own_lock.count = 0;
    start_pool(cond, &cond->own_lock);
    return 0;
}

int lab_condition_init_with_lock(lab_condition *cond, pthread_mutex_t *lock)
{
    /* Free: the first try takes it. Only a recursive mutex lets its holder take it again
     * with trylock (a Lock says EBUSY, even to its holder). */
    int rc = pthread_mutex_trylock(lock);
    if (rc == EBUSY)
        return EBUSY;
    LAB_CHECK(rc);
    rc = pthread_mutex_trylock(lock);
    if (rc == 0)
        lab_pthread_mutex_unlock(lock);
    else if (rc != EBUSY)
        LAB_CHECK(rc);
    lab_pthread_mutex_unlock(lock);
    cond->own_lock.kind = rc == 0 ? LAB_CONDITION_RECURSIVE_MUTEX : LAB_CONDITION_MUTEX;
    if (rc == 0)
        MEANT_FOR_HELGRIND(&lock->__data.__count, sizeof lock->__data.__count,
                           "read by its holder only");
    cond->own_lock.mutex = lock;
    atomic_init(&cond->own_lock.owner, NULL);
    cond->own_lock.count = 0;
    start_pool(cond, &cond->own_lock);
    return 0;
}

int lab_condition_init_sharing(lab_condition *cond, lab_condition *other)
{
    cond->own_lock.kind = other->lock->kind; /* unused: marks nothing of our own */
    cond->own_lock.mutex = NULL;
    start_pool(cond, other->lock);
    return 0;
}

void lab_condition_destroy(lab_condition *cond)
{
    if (cond->lock == &cond->own_lock && cond->own_lock.kind == LAB_CONDITION_RLOCK)
        lab_pthread_mutex_destroy(&cond->own_lock.own);
}

/* ---- the lock: Python's acquire, release, _is_owned, _release_save, _acquire_restore ---- */

/* Who the calling thread is, for the RLock's owner: the address of a thread-local. */
static _Thread_local char thread_token;

static bool rlock_mine(lab_condition_lock *lock)
{
    return atomic_load(&lock->owner) == &thread_token; /* only I can make it mine */
}

/* The RLock's mutex was just taken by the caller. */
static void rlock_taken(lab_condition_lock *lock, int count)
{
    atomic_store(&lock->owner, &thread_token);
    lock->count = count;
}

void lab_condition_acquire(lab_condition *cond)
{
    lab_condition_lock *lock = cond->lock;
    if (lock->kind == LAB_CONDITION_RLOCK && rlock_mine(lock)) {
        lock->count++;
        return;
    }
    lab_pthread_mutex_lock(lock->mutex);
    if (lock->kind == LAB_CONDITION_RLOCK)
        rlock_taken(lock, 1);
}

int lab_condition_try_acquire(lab_condition *cond)
{
    lab_condition_lock *lock = cond->lock;
    if (lock->kind == LAB_CONDITION_RLOCK && rlock_mine(lock)) {
        lock->count++;
        return 0;
    }
    int rc = pthread_mutex_trylock(lock->mutex);
    if (rc == EBUSY)
        return EAGAIN;
    LAB_CHECK(rc);
    if (lock->kind == LAB_CONDITION_RLOCK)
        rlock_taken(lock, 1);
    return 0;
}

/* pthread_mutex_timedlock takes a CLOCK_REALTIME instant: wait in short slices while the
 * deadline stays on the monotonic clock (docs/contributing.md: no clocklock). */
#define SLICE_SECONDS 0.05

int lab_condition_acquire_timeout(lab_condition *cond, double class_seconds)
{
    if (lab_clock_check_duration(class_seconds) != 0)
        return EINVAL;
    lab_condition_lock *lock = cond->lock;
    if (lock->kind == LAB_CONDITION_RLOCK && rlock_mine(lock)) {
        lock->count++;
        return 0;
    }
    struct timespec deadline = lab_deadline(class_seconds);
    int rc;
    do {
        double left = lab_seconds_until(&deadline);
        double slice = left < SLICE_SECONDS ? left : SLICE_SECONDS; /* <= 0: one try */
        struct timespec until = lab_timespec_after(CLOCK_REALTIME, slice);
        rc = pthread_mutex_timedlock(lock->mutex, &until);
        if (rc != 0 && rc != ETIMEDOUT)
            LAB_CHECK(rc);
    } while (rc == ETIMEDOUT && lab_seconds_until(&deadline) > 0);
    if (rc == 0 && lock->kind == LAB_CONDITION_RLOCK)
        rlock_taken(lock, 1);
    return rc;
}

void lab_condition_release(lab_condition *cond)
{
    lab_condition_lock *lock = cond->lock;
    if (lock->kind == LAB_CONDITION_RLOCK) {
        if (!rlock_mine(lock)) /* Python: RuntimeError, cannot release un-acquired lock */
            lab_check_at(EPERM, "lab_condition_release by a thread that does not hold the lock",
                         __FILE__, __LINE__);
        if (--lock->count > 0)
            return;
        atomic_store(&lock->owner, NULL);
    }
    lab_pthread_mutex_unlock(lock->mutex);
}

static _Noreturn void not_held(const char *call)
{
    lab_check_at(EPERM, call, __FILE__, __LINE__); /* prints the call, aborts */
    abort();
}

/* How many times the calling thread, which holds the recursive mutex, holds it. pthreads
 * has no call for it; glibc keeps it in the mutex (its ABI: static initialisers fix the
 * layout), and only the holder changes it. Unlocking until EPERM would count too, but
 * ThreadSanitizer and Helgrind rightly report every unlock of a mutex one does not hold. */
static int recursive_levels(const pthread_mutex_t *mutex)
{
#ifndef __GLIBC__
#error "condition.c reads a recursive mutex's count the glibc way"
#endif
    return (int)mutex->__data.__count;
}

/* Before the caller touches the pool: does it hold the lock (Python's _is_owned)? The
 * RLock knows. A Lock: Python's own test, somebody holds it (trylock fails). A recursive
 * mutex: trylock fails when another thread holds it; when it succeeds it adds a level
 * (a count of 1 then means it was free), which notify gives back with drop_extra() and
 * a wait counts in release_save(). */
static void check_held(lab_condition_lock *lock, const char *call)
{
    switch (lock->kind) {
        case LAB_CONDITION_RLOCK:
            if (!rlock_mine(lock))
                not_held(call);
            break;
        case LAB_CONDITION_MUTEX:
            if (pthread_mutex_trylock(lock->mutex) == 0) {
                lab_pthread_mutex_unlock(lock->mutex);
                not_held(call);
            }
            break;
        case LAB_CONDITION_RECURSIVE_MUTEX:
            if (pthread_mutex_trylock(lock->mutex) != 0)
                not_held(call);
            if (recursive_levels(lock->mutex) == 1) { /* only the level just taken */
                lab_pthread_mutex_unlock(lock->mutex);
                not_held(call);
            }
            break;
    }
}

static void drop_extra(lab_condition_lock *lock)
{
    if (lock->kind == LAB_CONDITION_RECURSIVE_MUTEX)
        lab_pthread_mutex_unlock(lock->mutex);
}

/* Python's _release_save, after check_held, for a thread now in the pool: give up every
 * level the caller holds, but keep lock->mutex held exactly once, as the doorbell's wait
 * needs it (it gives that one up while asleep). Returns the caller's count. */
static int release_save(lab_condition_lock *lock)
{
    int count = 1;
    switch (lock->kind) {
        case LAB_CONDITION_RLOCK: /* its mutex is held once whatever the count */
            count = lock->count;
            lock->count = 0;
            atomic_store(&lock->owner, NULL);
            break;
        case LAB_CONDITION_MUTEX:
            break;
        case LAB_CONDITION_RECURSIVE_MUTEX: /* the caller's levels, plus check_held's */
            count = recursive_levels(lock->mutex) - 1;
            for (int i = 0; i < count; i++)
                lab_pthread_mutex_unlock(lock->mutex);
            break;
    }
    return count;
}

/* Python's _acquire_restore: lock->mutex is held once again; hold it count times. */
static void acquire_restore(lab_condition_lock *lock, int count)
{
    if (lock->kind == LAB_CONDITION_RLOCK)
        rlock_taken(lock, count);
    else if (lock->kind == LAB_CONDITION_RECURSIVE_MUTEX)
        for (int i = 1; i < count; i++)
            lab_pthread_mutex_lock(lock->mutex);
}

/* Take `waiter` out of the pool (it timed out). */
static void leave_pool(lab_condition *cond, lab_condition_waiter *waiter)
{
    lab_condition_waiter **link = &cond->first;
    lab_condition_waiter *previous = NULL;
    while (*link != waiter) {
        previous = *link;
        link = &(*link)->next;
    }
    *link = waiter->next;
    if (cond->last == waiter)
        cond->last = previous;
    cond->waiting--;
}

/* The one wait: join the pool, sleep until notified or past the deadline (NULL: no
 * limit). Caller holds the lock. Returns 0 (notified) or ETIMEDOUT; reports WAIT, and
 * leaves GET / TIMEOUT to the caller, who knows what the wait was for. */
static int wait_in_pool(lab_condition *cond, const struct timespec *deadline)
{
    const char *call = "lab_condition_wait without holding the condition's lock";
    check_held(cond->lock, call);
    lab_condition_waiter me = {.notified = false, .next = NULL};
    LAB_CHECK(lab_pthread_cond_init_monotonic(&me.doorbell));
    if (cond->last != NULL)
        cond->last->next = &me;
    else
        cond->first = &me;
    cond->last = &me;
    cond->waiting++;

    int count = release_save(cond->lock); /* every level but one: the doorbell's */
    pthread_mutex_t *mutex = cond->lock->mutex;
    lab_point(LAB_POINT_WAIT, cond, "condition");
    int rc = 0;
    /* Loop on our own flag: a spurious wake-up of the doorbell is not a notify. */
    while (!me.notified && rc != ETIMEDOUT) {
        if (deadline == NULL)
            lab_pthread_cond_wait(&me.doorbell, mutex);
        else
            rc = lab_pthread_cond_timedwait(&me.doorbell, mutex, deadline);
    }
    acquire_restore(cond->lock, count);
    if (!me.notified)
        leave_pool(cond, &me); /* timed out: notify has not taken us off the list */
    lab_pthread_cond_destroy(&me.doorbell);
    return me.notified ? 0 : ETIMEDOUT;
}

/* Whether class_seconds is a duration the timed forms accept (contributing.md: time). */
static bool valid_duration(double class_seconds)
{
    return class_seconds >= 0 && isfinite(class_seconds);
}

void lab_condition_wait(lab_condition *cond)
{
    (void)wait_in_pool(cond, NULL); /* without a limit it only returns notified */
    lab_point(LAB_POINT_GET, cond, "condition");
}

int lab_condition_wait_timeout(lab_condition *cond, double class_seconds)
{
    if (!valid_duration(class_seconds))
        return EINVAL;
    int rc = ETIMEDOUT; /* 0 polls: nobody can have notified a thread not yet waiting */
    if (class_seconds > 0) {
        struct timespec deadline = lab_deadline(class_seconds);
        rc = wait_in_pool(cond, &deadline);
    } else {
        check_held(cond->lock, "lab_condition_wait_timeout without holding the condition's lock");
        drop_extra(cond->lock);
    }
    lab_point(rc == 0 ? LAB_POINT_GET : LAB_POINT_TIMEOUT, cond, "condition");
    return rc;
}

void lab_condition_wait_for(lab_condition *cond, lab_condition_predicate predicate, void *arg)
{
    /* Re-check after every wake-up: being notified only means "look again". */
    if (!predicate(arg)) { /* BROKEN: `if`, not `while` */
        (void)wait_in_pool(cond, NULL);
        lab_point(LAB_POINT_GET, cond, "condition");
    }
}

int lab_condition_wait_for_timeout(lab_condition *cond, lab_condition_predicate predicate,
                                   void *arg, double class_seconds)
{
    if (!valid_duration(class_seconds))
        return EINVAL;
    struct timespec deadline = lab_deadline(class_seconds); /* one limit for all the waits */
    bool result = predicate(arg);
    while (!result && lab_seconds_until(&deadline) > 0) {
        if (wait_in_pool(cond, &deadline) == 0)
            lab_point(LAB_POINT_GET, cond, "condition");
        result = predicate(arg);
    }
    if (!result)
        lab_point(LAB_POINT_TIMEOUT, cond, "condition");
    return result ? 0 : ETIMEDOUT;
}

int lab_condition_notify(lab_condition *cond, int n)
{
    check_held(cond->lock, "lab_condition_notify without holding the condition's lock");
    int woken = 0;
    while (woken < n && cond->first != NULL) {
        lab_condition_waiter *waiter = cond->first;
        cond->first = waiter->next;
        if (cond->first == NULL)
            cond->last = NULL;
        cond->waiting--;
        waiter->notified = true;
        /* The waiter cannot run (nor destroy its doorbell) until we release the lock. */
        lab_pthread_cond_signal(&waiter->doorbell);
        woken++;
    }
    drop_extra(cond->lock);
    if (woken > 0) /* the waiters' GETs follow, once the caller lets go of the lock */
        lab_point(LAB_POINT_RELEASE, cond, "condition");
    return woken;
}

int lab_condition_notify_all(lab_condition *cond)
{
    return lab_condition_notify(cond, INT_MAX);
}

int lab_condition_waiting(lab_condition *cond)
{
    return cond->waiting;
}
