/* ilock.c — the instrumented lock: the lock and its cycle search (see ilock.h; the table of
 * locks and threads is ilock_table.c, the event log ilock_log.c, the picture's text
 * ilock_report.c).
 *
 * Fast path: pthread_mutex_trylock, then write the owner. Nobody else is involved.
 * Slow path: write "I wait for L" in the wait-for table (under the table lock), then wait for
 * the mutex: with no limit (lab_ilock_lock), or in slices until the deadline
 * (lab_ilock_lock_timeout), and at the deadline follow the waits:
 * me -> the lock I wait for -> its owner -> the lock that owner waits for -> ...
 * If that comes back to me, it is a deadlock.
 *
 * Why a reported cycle is real: a thread's "waiting for" is written under the table lock, and
 * an owner is cleared before the real unlock; so, reading under the table lock, the walk sees
 * every release a waiting thread made before it began to wait. A waiting thread cannot
 * release anything, so the owners it is seen with are still its locks.
 */
#include "ilock_internal.h"

#include "checked.h"
#include "clock.h"
#include "point.h"
#include "say.h"

#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLICE_SECONDS 0.05 /* real seconds per timed wait on the mutex */

/* The calling thread's record. */
static inline lab_ilock_thread *me_now(void)
{
    return __builtin_expect(lab_ilock_self != NULL, 1) ? lab_ilock_self : lab_ilock_register_me();
}

/* ---- making and forgetting locks ---- */

int lab_ilock_init(lab_ilock *lock, const char *name)
{
    int rc = pthread_mutex_init(&lock->mutex, NULL);
    if (rc != 0)
        return rc;
    snprintf(lock->name, sizeof lock->name, "%s", name);
    atomic_init(&lock->owner, NULL);
    ATOMIC_FOR_HELGRIND(&lock->owner, sizeof lock->owner);
    TSAN_CREATE(lock);
    lab_ilock_table_add(lock);
    lab_point_name(lock, lock->name);
    return 0;
}

void lab_ilock_destroy(lab_ilock *lock)
{
    if (atomic_load(&lock->owner) != NULL)
        lab_check_at(EBUSY, "lab_ilock_destroy (the lock is still held)", __FILE__, __LINE__);
    lab_ilock_table_remove(lock);
    TSAN_DESTROY(lock);
    lab_pthread_mutex_destroy(&lock->mutex);
}

/* ---- the cycle search (the table lock held) ---- */

/* Follow the waits from me: me waits for chain[0].lock held by chain[0].owner, who waits
 * for chain[1].lock ... Returns the number of hops; *cycle when it came back to me. */
static int follow_waits(lab_ilock_thread *me, lab_ilock_hop *chain, bool *cycle)
{
    int hops = 0;
    *cycle = false;
    for (lab_ilock_thread *thread = me;
         hops < LAB_ILOCK_CHAIN_MAX && thread->waiting_for != NULL;) {
        lab_ilock *lock = thread->waiting_for;
        lab_ilock_thread *owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
        chain[hops++] = (lab_ilock_hop){thread, lock, owner};
        if (owner == me) {
            *cycle = true;
            break;
        }
        bool seen = false; /* a cycle that does not go through me: stop there */
        for (int i = 0; i < hops; i++)
            seen = seen || chain[i].thread == owner;
        if (owner == NULL || seen)
            break;
        thread = owner;
    }
    return hops;
}

/* Say the verdict (without the table lock) and report it: EDEADLK or ETIMEDOUT. */
static int give_up(lab_ilock *lock, lab_ilock_thread *me, lab_ilock_text *report, bool cycle)
{
    lab_ilock_report_say(report);
    if (cycle)
        lab_point(LAB_POINT_MARK, "deadlock found", "lock");
    lab_point(LAB_POINT_TIMEOUT, lock, "lock");
    lab_ilock_note(lock, me, cycle ? LAB_ILOCK_DEADLOCK : LAB_ILOCK_TIMEOUT);
    return cycle ? EDEADLK : ETIMEDOUT;
}

/* ---- waiting ---- */

/* Put "me waits for lock" in the table, the points and the log. With a deadline, a lock
 * that me holds already is a deadlock with itself: reported, and EDEADLK returned.
 * Otherwise 0. */
static int begin_wait(lab_ilock *lock, lab_ilock_thread *me, bool timed)
{
    lab_ilock_text report = {0};
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    snprintf(me->name, sizeof me->name, "%s",
             lab_thread_current_name()); /* it may have been renamed */
    bool mine = atomic_load_explicit(&lock->owner, memory_order_relaxed) == me;
    if (mine && timed) {
        lab_ilock_hop self_wait = {me, lock, me};
        lab_ilock_report_deadlock(&report, lab_ilock_table_locks(), &self_wait, 1, me, 0);
    } else {
        me->waiting_for = lock;
        me->waiting_since = lab_now();
        me->spared = false;
    }
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
    if (report.buffer != NULL)
        return give_up(lock, me, &report, true);
    lab_point(LAB_POINT_WAIT, lock, "lock");
    lab_ilock_note(lock, me, LAB_ILOCK_WAITING);
    return 0;
}

/* Wait for the real mutex until the monotonic deadline. Returns 0 (got it) or ETIMEDOUT.
 * The waits are slices of pthread_mutex_timedlock, whose instants are on CLOCK_REALTIME:
 * TSan and Helgrind know that call (not pthread_mutex_clocklock). The deadline itself
 * stays on the monotonic clock, so setting the wall clock can only stretch or cut a slice. */
static int lock_before(lab_ilock *lock, const struct timespec *deadline)
{
    if (LAB_SCHED_ON()) /* schedule control: the controller waits, on the virtual clock */
        return lab_sched_mutex_timedlock(&lock->mutex, deadline, __FILE__, __LINE__);
    for (;;) {
        double left = lab_seconds_until(deadline);
        /* pthread_mutex_timedlock takes a CLOCK_REALTIME instant */
        struct timespec until =
            lab_timespec_after(CLOCK_REALTIME, left < 0               ? 0
                                               : left < SLICE_SECONDS ? left
                                                                      : SLICE_SECONDS);
        TSAN_PRE_LOCK(lock, 0);
        int rc = pthread_mutex_timedlock(&lock->mutex, &until); /* a past instant: one try */
        TSAN_POST_LOCK(lock, rc == 0 ? 0 : TSAN_FAILED);
        if (rc == 0)
            return 0;
        if (rc != ETIMEDOUT)
            lab_check_at(rc, "pthread_mutex_timedlock", __FILE__, __LINE__);
        if (lab_seconds_until(deadline) <= 0)
            return ETIMEDOUT;
    }
}

/* The deadline has passed: look for a cycle through me. Returns 0 when me was spared by
 * the victim of its cycle (the deadline starts again), or the verdict, said and with me
 * taken out of the table: EDEADLK (me is the victim; the others of the cycle are spared)
 * or ETIMEDOUT. */
static int at_deadline(lab_ilock *lock, lab_ilock_thread *me, double seconds,
                       struct timespec *deadline)
{
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    if (me->spared) { /* a victim is backing out of my cycle: give it the time to */
        me->spared = false;
        lab_pthread_mutex_unlock(&lab_ilock_table_lock);
        *deadline = lab_deadline(seconds);
        return 0;
    }
    lab_ilock_hop chain[LAB_ILOCK_CHAIN_MAX];
    bool cycle;
    int hops = follow_waits(me, chain, &cycle);
    double waited = lab_class_seconds(lab_now() - me->waiting_since);
    lab_ilock_text report = {0};
    if (cycle) {
        for (int i = 1; i < hops; i++)
            chain[i].thread->spared = true;
        lab_ilock_report_deadlock(&report, lab_ilock_table_locks(), chain, hops, me, waited);
    } else {
        lab_ilock_report_timeout(&report, lab_ilock_table_locks(), chain, hops, me, waited);
    }
    me->waiting_for = NULL; /* from now on, the others see me as not waiting */
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
    return give_up(lock, me, &report, cycle);
}

/* The slow path: the lock was busy. With timed, waits at most `seconds` and returns 0,
 * EDEADLK or ETIMEDOUT, as lab_ilock_lock_timeout; without, returns 0 once it has it.
 * Kept out of line: the fast path stays small, and backtraces show this frame. */
static __attribute__((noinline)) int wait_for_lock(lab_ilock *lock, lab_ilock_thread *me,
                                                   bool timed, double seconds)
{
    if (begin_wait(lock, me, timed) != 0)
        return EDEADLK;
    if (timed) {
        struct timespec deadline = lab_deadline(seconds);
        for (;;) {
            if (lock_before(lock, &deadline) == 0)
                break;
            int verdict = at_deadline(lock, me, seconds, &deadline);
            if (verdict != 0)
                return verdict;
        }
    } else if (LAB_SCHED_ON()) { /* schedule control: the controller waits */
        lab_sched_mutex_lock(&lock->mutex, lock->name, __FILE__, __LINE__);
    } else {
        TSAN_PRE_LOCK(lock, 0);
        /* no deadline: a plain mutex's wait, forever if need be */
        int rc = pthread_mutex_lock(&lock->mutex);
        TSAN_POST_LOCK(lock, 0);
        LAB_CHECK(rc);
    }
    /* Owner and "not waiting" change together, so no walk sees me waiting for my own lock. */
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    atomic_store_explicit(&lock->owner, me, memory_order_relaxed);
    me->waiting_for = NULL;
    me->spared = false;
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
    lab_point(LAB_POINT_GET, lock, "lock");
    lab_ilock_note(lock, me, LAB_ILOCK_ACQUIRED);
    return 0;
}

/* ---- lock, trylock, unlock ---- */

/* The fast path of every lock: true when the caller got the free lock. TSan flags: 0 for
 * a lock that would wait, TSAN_TRY for a trylock. */
static inline bool got_it_at_once(lab_ilock *lock, lab_ilock_thread *me, unsigned tsan_flags)
{
    (void)tsan_flags; /* used only under TSan */
    TSAN_PRE_LOCK(lock, tsan_flags);
    int rc = pthread_mutex_trylock(&lock->mutex);
    TSAN_POST_LOCK(lock, tsan_flags | (rc == 0 ? 0 : TSAN_FAILED));
    if (rc == 0) { /* nobody held it */
        atomic_store_explicit(&lock->owner, me, memory_order_relaxed);
        lab_point(LAB_POINT_GET, lock, "lock");
        lab_ilock_note(lock, me, LAB_ILOCK_ACQUIRED);
        return true;
    }
    if (rc != EBUSY)
        lab_check_at(rc, "pthread_mutex_trylock", __FILE__, __LINE__);
    return false;
}

int lab_ilock_lock(lab_ilock *lock)
{
    lab_ilock_thread *me = me_now();
    if (got_it_at_once(lock, me, 0))
        return 0;
    return wait_for_lock(lock, me, false, 0);
}

int lab_ilock_lock_timeout(lab_ilock *lock, double seconds)
{
    if (!(seconds >= 0 && seconds <= DBL_MAX)) /* negative, NaN, infinite: never "forever" */
        return EINVAL;
    lab_ilock_thread *me = me_now();
    if (got_it_at_once(lock, me, 0))
        return 0;
    return wait_for_lock(lock, me, true, seconds);
}

int lab_ilock_trylock(lab_ilock *lock)
{
    lab_ilock_thread *me = me_now();
    if (got_it_at_once(lock, me, TSAN_TRY))
        return 0;
    lab_ilock_note(lock, me, LAB_ILOCK_BUSY);
    return EBUSY;
}

/* Say why me may not unlock the lock; returns EPERM. */
static int refuse_unlock(const lab_ilock *lock, const lab_ilock_thread *me)
{
    char owner[LAB_THREAD_NAME_MAX + 8] = "";
    if (lab_ilock_owner(lock, owner, sizeof owner))
        say("error: %s cannot unlock [%s]: it is held by %s (EPERM)", me->name, lock->name, owner);
    else
        say("error: %s cannot unlock [%s]: nobody holds it (EPERM)", me->name, lock->name);
    return EPERM;
}

int lab_ilock_unlock(lab_ilock *lock)
{
    lab_ilock_thread *me = me_now();
    if (atomic_load_explicit(&lock->owner, memory_order_relaxed) != me)
        return refuse_unlock(lock, me);
    /* Reported before the unlock: the next owner's GET and "acquired" come after. */
    lab_point(LAB_POINT_RELEASE, lock, "lock");
    lab_ilock_note(lock, me, LAB_ILOCK_RELEASED);
    /* Cleared before the unlock: afterwards it is the next owner's to write. */
    atomic_store_explicit(&lock->owner, NULL, memory_order_relaxed);
    if (LAB_SCHED_ON()) { /* schedule control: the controller lets a waiter go */
        lab_sched_mutex_unlock(&lock->mutex, lock->name, __FILE__, __LINE__);
        return 0;
    }
    TSAN_PRE_UNLOCK(lock);
    int rc = pthread_mutex_unlock(&lock->mutex);
    TSAN_POST_UNLOCK(lock);
    if (rc != 0) /* not LAB_CHECK: no call on the fast path */
        lab_check_at(rc, "pthread_mutex_unlock", __FILE__, __LINE__);
    return 0;
}

/* ---- questions ---- */

const char *lab_ilock_name(const lab_ilock *lock)
{
    return lock->name;
}

bool lab_ilock_held_by_me(const lab_ilock *lock)
{
    return lab_ilock_self != NULL &&
           atomic_load_explicit(&lock->owner, memory_order_relaxed) == lab_ilock_self;
}

bool lab_ilock_owner(const lab_ilock *lock, char *name, size_t size)
{
    /* keeps the owner's record from being freed meanwhile */
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    const lab_ilock_thread *owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
    if (owner != NULL && name != NULL && size > 0)
        snprintf(name, size, "%s%s", owner->name, owner->ended ? " (ended)" : "");
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
    return owner != NULL;
}
