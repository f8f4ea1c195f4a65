/* event.c — Python's Event on a mutex and a condition variable (see event.h).
 *
 * The flag is an atomic bool, so that what needs no waiting needs no lock: is_set() and
 * a wait() that finds the flag up are one acquire load, and clear() one store. The lock
 * is for sleeping: set() raises the flag, moves the generation on and broadcasts under it,
 * and a waiter checks flag and generation under it before it sleeps, so no set() can
 * slip between its check and its sleep. A clear() without the lock is safe because a
 * sleeper does not wait for "flag up" alone: it also wakes for "generation moved on",
 * which only set() changes, under the lock.
 *
 * set() wakes the sleepers *after* it unlocks. A woken thread's first act is to take the
 * lock back; if the setter still held it, the waiter would wake only to sleep again on the
 * mutex, and the setter would have to wake it a second time: on one CPU that is two more
 * context switches per hand-over (ping-pong: 7.8 us -> 3.9 us per round trip). The price:
 * after the unlock, a woken waiter may return and its owner destroy the event while the
 * setter's signal call is still touching it. So set() counts itself in `waking` (under
 * the lock) before it unlocks, and drops the count after the signal; destroy() waits for
 * that count to be zero. (Making the woken waiter wait instead would cost the switches
 * back: on one CPU it runs before its waker has left the signal call.)
 */
#include "event.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>
#include <sched.h>

/* Helgrind (valgrind) does not model C11 atomics: where its header is installed, tell it
 * that the flag is meant to be shared and that set() happens before a wait that sees it. */
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#else
#define ANNOTATE_HAPPENS_BEFORE(obj)                           ((void)0)
#define ANNOTATE_HAPPENS_AFTER(obj)                            ((void)0)
#define ANNOTATE_BENIGN_RACE_SIZED(address, size, description) ((void)0)
#endif

int lab_event_init(lab_event *event)
{
    int rc = pthread_mutex_init(&event->lock, NULL);
    if (rc != 0)
        return rc;
    rc = lab_pthread_cond_init_monotonic(&event->changed);
    if (rc != 0) {
        lab_pthread_mutex_destroy(&event->lock); /* undo the half-done init */
        return rc;
    }
    atomic_init(&event->flag, false);
    ANNOTATE_BENIGN_RACE_SIZED(&event->flag, sizeof event->flag, "C11 atomic");
    event->generation = 0;
    event->waiting = 0;
    atomic_init(&event->waking, 0);
    return 0;
}

/* Wait until no set() is between its unlock and the end of its wake-up call (a few
 * instructions: it does not block), so the event may be destroyed or go out of scope. */
static void wait_for_wakers(lab_event *event)
{
    while (atomic_load_explicit(&event->waking, memory_order_acquire) > 0)
        sched_yield();
}

void lab_event_destroy(lab_event *event)
{
    wait_for_wakers(event);
    lab_pthread_cond_destroy(&event->changed);
    lab_pthread_mutex_destroy(&event->lock);
}

void lab_event_set(lab_event *event)
{
    int to_wake = 0;
    lab_pthread_mutex_lock(&event->lock);
    if (!atomic_load_explicit(&event->flag, memory_order_relaxed)) {
        /* Release: what this thread did before set() is visible to a wait that sees the
         * flag up without taking the lock. */
        ANNOTATE_HAPPENS_BEFORE(event);
        atomic_store_explicit(&event->flag, true, memory_order_release);
        event->generation++;
        /* Reported before the unlock, so every waiter's GET comes after it. */
        lab_point(LAB_POINT_RELEASE, event, "event");
        /* `waiting` counts the sleepers exactly (under this lock): none, no wake-up call;
         * otherwise count ourselves in `waking` before the unlock (see the top). */
        to_wake = event->waiting;
        if (to_wake > 0)
            atomic_fetch_add_explicit(&event->waking, 1, memory_order_relaxed);
    }
    lab_pthread_mutex_unlock(&event->lock);
    if (to_wake == 0)
        return;
    /* Every waiter, not just one; for a single one, a signal is enough and cheaper than a
     * broadcast. A counted waiter that is awake already (timed out, or woken spuriously)
     * gets the lock next and sees the generation move on. */
    if (to_wake == 1)
        lab_pthread_cond_signal(&event->changed);
    else
        lab_pthread_cond_broadcast(&event->changed);
    atomic_fetch_sub_explicit(&event->waking, 1, memory_order_release); /* done with the event */
}

void lab_event_clear(lab_event *event)
{
    /* No lock: a sleeper also wakes for the generation, which clear() leaves alone, so
     * lowering the flag can never make a waiter miss a set() (see the top of this file).
     * Relaxed: lowering the flag publishes nothing. */
    atomic_store_explicit(&event->flag, false, memory_order_relaxed);
}

bool lab_event_is_set(lab_event *event)
{
    bool flag = atomic_load_explicit(&event->flag, memory_order_acquire); /* pairs with set() */
    if (flag)
        ANNOTATE_HAPPENS_AFTER(event);
    return flag;
}

/* The common wait; deadline NULL means no limit. Returns 0, or ETIMEDOUT when no set()
 * happened before the deadline. */
static int wait_until(lab_event *event, const struct timespec *deadline)
{
    if (lab_event_is_set(event)) { /* the fast path: up already, no lock */
        lab_point(LAB_POINT_GET, event, "event");
        return 0;
    }
    lab_pthread_mutex_lock(&event->lock);
    unsigned long seen = event->generation;
    int rc = 0;
    if (!atomic_load_explicit(&event->flag, memory_order_relaxed)) {
        lab_point(LAB_POINT_WAIT, event, "event"); /* it really blocks */
        event->waiting++;
        /* Loop: a wake-up without a set() (spurious) must not end the wait. A set() is
         * "flag up now" or "generation moved on" (set, then cleared before we ran). */
        while (!atomic_load_explicit(&event->flag, memory_order_relaxed) &&
               event->generation == seen && rc != ETIMEDOUT) {
            if (deadline == NULL)
                lab_pthread_cond_wait(&event->changed, &event->lock);
            else
                rc = lab_pthread_cond_timedwait(&event->changed, &event->lock, deadline);
        }
        event->waiting--;
    }
    bool flag = atomic_load_explicit(&event->flag, memory_order_relaxed);
    rc = flag || event->generation != seen ? 0 : ETIMEDOUT;
    lab_pthread_mutex_unlock(&event->lock);
    if (rc == 0)
        ANNOTATE_HAPPENS_AFTER(event);
    lab_point(rc == 0 ? LAB_POINT_GET : LAB_POINT_TIMEOUT, event, "event");
    return rc;
}

void lab_event_wait(lab_event *event)
{
    (void)wait_until(event, NULL); /* without a limit it only returns once set */
}

int lab_event_wait_timeout(lab_event *event, double class_seconds)
{
    if (!(class_seconds >= 0 && isfinite(class_seconds)))
        return EINVAL;        /* never "forever": see contributing.md, the rule for time */
    if (class_seconds == 0) { /* 0 polls: looks once, never blocks */
        int rc = lab_event_is_set(event) ? 0 : ETIMEDOUT;
        lab_point(rc == 0 ? LAB_POINT_GET : LAB_POINT_TIMEOUT, event, "event");
        return rc;
    }
    struct timespec deadline = lab_deadline(class_seconds);
    return wait_until(event, &deadline);
}

int lab_event_waiting(lab_event *event)
{
    lab_pthread_mutex_lock(&event->lock);
    int waiting = event->waiting;
    lab_pthread_mutex_unlock(&event->lock);
    return waiting;
}
