/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/event.c with one
 * change: wait() looks only at the flag: a set() followed at once by clear() wakes nobody for good.
 * Try: make grade MODULE=event SRC=tests/grade/broken/event-no-generation.c
 * grade: module event
 * expect: FAIL waiters: a_set_then_clear_pulse_still_wakes_every_waiter
 * slow: every loop of the failing test waits 5 s for its stuck waiters (about 50 s)
 */
/* event.c — Python's Event on a mutex and a condition variable (see event.h). */
#include "event.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>

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
    event->flag = false;
    event->generation = 0;
    event->waiting = 0;
    return 0;
}

void lab_event_destroy(lab_event *event)
{
    lab_pthread_cond_destroy(&event->changed);
    lab_pthread_mutex_destroy(&event->lock);
}

void lab_event_set(lab_event *event)
{
    lab_pthread_mutex_lock(&event->lock);
    if (!event->flag) {
        event->flag = true;
        event->generation++;
        /* Reported before the unlock, so every waiter's GET comes after it. */
        lab_point(LAB_POINT_RELEASE, event, "event");
        lab_pthread_cond_broadcast(&event->changed); /* every waiter, not just one */
    }
    lab_pthread_mutex_unlock(&event->lock);
}

void lab_event_clear(lab_event *event)
{
    lab_pthread_mutex_lock(&event->lock);
    event->flag = false;
    lab_pthread_mutex_unlock(&event->lock);
}

bool lab_event_is_set(lab_event *event)
{
    lab_pthread_mutex_lock(&event->lock);
    bool flag = event->flag;
    lab_pthread_mutex_unlock(&event->lock);
    return flag;
}

/* The common wait; deadline NULL means no limit. Returns 0, or ETIMEDOUT when no set()
 * happened before the deadline. */
static int wait_until(lab_event *event, const struct timespec *deadline)
{
    lab_pthread_mutex_lock(&event->lock);
    unsigned long seen = event->generation;
    int rc = 0;
    if (!event->flag) {
        lab_point(LAB_POINT_WAIT, event, "event"); /* it really blocks */
        event->waiting++;
        /* Loop: a wake-up without a set() (spurious) must not end the wait. A set() is
         * "flag up now" or "generation moved on" (set, then cleared before we ran). */
        while (!event->flag && rc != ETIMEDOUT) /* BROKEN: only the flag */ {
            if (deadline == NULL)
                lab_pthread_cond_wait(&event->changed, &event->lock);
            else if ((rc = pthread_cond_timedwait(&event->changed, &event->lock, deadline)) !=
                     ETIMEDOUT)
                LAB_CHECK(rc);
        }
        event->waiting--;
    }
    rc = event->flag ? 0 : ETIMEDOUT;
    (void)seen;
    lab_pthread_mutex_unlock(&event->lock);
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
