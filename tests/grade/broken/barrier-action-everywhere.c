/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/barrier.c with one
 * change: the action runs in every thread on its way out, not once in the last arrival before the round opens.
 * Try: make grade MODULE=barrier SRC=tests/grade/broken/barrier-action-everywhere.c
 * grade: module barrier
 * expect: FAIL contention: more_threads_than_parties_never_mix_rounds ; SMALL == 600
 * case: contention
 */
/* barrier.c — Python's Barrier as a small state machine under a mutex (see barrier.h).
 *
 * The round goes FILLING -> (the last arrival) ACTING -> DRAINING -> FILLING. A thread
 * that arrives while the previous round is still ACTING, DRAINING or RESETTING waits for
 * it to empty first, so one round's threads never mix with the next's, and the count
 * gives each its index. The last thread to leave a DRAINING or RESETTING round makes the
 * barrier FILLING again. BROKEN stays until reset. */
#include "barrier.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>

int lab_barrier_init(lab_barrier *barrier, int parties, lab_barrier_action action, void *arg)
{
    if (parties < 1)
        return EINVAL;
    int rc = pthread_mutex_init(&barrier->lock, NULL);
    if (rc != 0)
        return rc;
    rc = lab_pthread_cond_init_monotonic(&barrier->changed);
    if (rc != 0) {
        lab_pthread_mutex_destroy(&barrier->lock); /* undo the half-done init */
        return rc;
    }
    barrier->parties = parties;
    barrier->action = action;
    barrier->action_arg = arg;
    barrier->state = LAB_BARRIER_FILLING;
    barrier->count = 0;
    return 0;
}

void lab_barrier_destroy(lab_barrier *barrier)
{
    lab_pthread_mutex_lock(&barrier->lock);
    int inside = barrier->count;
    lab_pthread_mutex_unlock(&barrier->lock);
    if (inside != 0)
        lab_check_at(EBUSY, "lab_barrier_destroy", __FILE__, __LINE__); /* in use: a bug */
    lab_pthread_cond_destroy(&barrier->changed);
    lab_pthread_mutex_destroy(&barrier->lock);
}

/* Caller holds the lock. Wait on the condition; deadline NULL: no limit. Returns 0 or
 * ETIMEDOUT. */
static int wait_a_while(lab_barrier *b, const struct timespec *deadline)
{
    if (deadline == NULL) {
        lab_pthread_cond_wait(&b->changed, &b->lock);
        return 0;
    }
    int rc = lab_pthread_cond_timedwait(&b->changed, &b->lock, deadline);
    if (rc != ETIMEDOUT)
        LAB_CHECK(rc);
    return rc;
}

/* Caller holds the lock: report a WAIT point without holding it (a scheduler may keep
 * us at the point), then take it back. The caller looks at the state again after. */
static void say_waiting(lab_barrier *b)
{
    lab_pthread_mutex_unlock(&b->lock);
    lab_point(LAB_POINT_WAIT, b, "barrier");
    lab_pthread_mutex_lock(&b->lock);
}

static bool previous_round_busy(const lab_barrier *b)
{
    return b->state == LAB_BARRIER_ACTING || b->state == LAB_BARRIER_DRAINING ||
           b->state == LAB_BARRIER_RESETTING;
}

/* Caller holds the lock and is leaving wait(): the last to leave an open or reset round
 * makes the barrier ready for the next. */
static void leave(lab_barrier *b)
{
    b->count--;
    if (b->count == 0 && (b->state == LAB_BARRIER_DRAINING || b->state == LAB_BARRIER_RESETTING))
        b->state = LAB_BARRIER_FILLING;
    lab_pthread_cond_broadcast(&b->changed); /* arrivals may wait for an empty barrier */
}

/* The last arrival: run the action outside the lock, then open the barrier. Caller holds
 * the lock; returns 0, EPIPE (broken or reset meanwhile) or the action's error. */
static int open_the_round(lab_barrier *b, bool *released)
{
    b->state = LAB_BARRIER_ACTING; /* the waiters keep waiting; arrivals hold back */
    int rc = 0;
    if (false) { /* BROKEN: not here, once, before the round opens (see below) */
        lab_pthread_mutex_unlock(&b->lock);
        rc = b->action(b->action_arg);
        lab_pthread_mutex_lock(&b->lock);
    }
    if (b->state != LAB_BARRIER_ACTING) /* abort() or reset() came during the action */
        return EPIPE;
    b->state = rc == 0 ? LAB_BARRIER_DRAINING : LAB_BARRIER_BROKEN; /* a failed action breaks it */
    *released = true;
    lab_pthread_cond_broadcast(&b->changed);
    return rc;
}

/* The common wait; deadline NULL means no limit. */
static int wait_until(lab_barrier *b, const struct timespec *deadline, int *index)
{
    lab_pthread_mutex_lock(&b->lock);
    bool said_wait = false, released = false;
    /* Let the previous round empty first (Python's _enter waits for it without a limit
     * too: it needs nobody else's help, only the leaving threads to run). */
    while (previous_round_busy(b)) {
        if (!said_wait) {
            said_wait = true;
            say_waiting(b);
            continue;
        }
        lab_pthread_cond_wait(&b->changed, &b->lock);
    }
    if (b->state == LAB_BARRIER_BROKEN) {
        lab_pthread_mutex_unlock(&b->lock);
        lab_point(LAB_POINT_TIMEOUT, b, "barrier");
        return EPIPE;
    }
    int my_index = b->count++, rc = 0;
    if (my_index + 1 == b->parties) {
        rc = open_the_round(b, &released);
    } else {
        if (!said_wait)
            say_waiting(b);
        int waited = 0;
        for (;;) {
            if (b->state == LAB_BARRIER_FILLING) {
                if (waited == ETIMEDOUT)
                    break;
            } else if (b->state == LAB_BARRIER_ACTING) {
                /* The round is opening: see it through. A timeout during the action does
                 * not break it (in Python the timed-out thread cannot even look before
                 * the action, which runs under the barrier's lock, is over). */
                if (waited == ETIMEDOUT)
                    deadline = NULL;
            } else {
                break;
            }
            waited = wait_a_while(b, deadline);
        }
        if (b->state == LAB_BARRIER_FILLING) { /* our own timeout: broken for everyone */
            b->state = LAB_BARRIER_BROKEN;
            lab_pthread_cond_broadcast(&b->changed);
            rc = ETIMEDOUT;
        } else if (b->state != LAB_BARRIER_DRAINING) { /* broken, aborted or reset */
            rc = EPIPE;
        }
    }
    leave(b);
    lab_pthread_mutex_unlock(&b->lock);
    if (released)
        lab_point(LAB_POINT_RELEASE, b, "barrier");
    if (rc == 0 && b->action != NULL) /* BROKEN: every thread runs the action on its way out */
        rc = b->action(b->action_arg);
    lab_point(rc == 0 ? LAB_POINT_GET : LAB_POINT_TIMEOUT, b, "barrier");
    if (rc == 0 && index != NULL)
        *index = my_index;
    return rc;
}

int lab_barrier_wait(lab_barrier *barrier, int *index)
{
    return wait_until(barrier, NULL, index);
}

int lab_barrier_wait_timeout(lab_barrier *barrier, double class_seconds, int *index)
{
    if (!isfinite(class_seconds) || class_seconds < 0)
        return EINVAL; /* never read as "forever": that is lab_barrier_wait */
    struct timespec deadline = lab_deadline(class_seconds); /* 0: already passed */
    return wait_until(barrier, &deadline, index);
}

void lab_barrier_abort(lab_barrier *barrier)
{
    lab_pthread_mutex_lock(&barrier->lock);
    barrier->state = LAB_BARRIER_BROKEN;
    lab_pthread_cond_broadcast(&barrier->changed);
    lab_pthread_mutex_unlock(&barrier->lock);
    lab_point(LAB_POINT_RELEASE, barrier, "barrier");
}

void lab_barrier_reset(lab_barrier *barrier)
{
    lab_pthread_mutex_lock(&barrier->lock);
    if (barrier->count == 0)
        barrier->state = LAB_BARRIER_FILLING;
    else if (barrier->state != LAB_BARRIER_DRAINING)
        barrier->state = LAB_BARRIER_RESETTING; /* the waiters leave with EPIPE; the last
                                                    out makes it FILLING */
    lab_pthread_cond_broadcast(&barrier->changed);
    lab_pthread_mutex_unlock(&barrier->lock);
    lab_point(LAB_POINT_RELEASE, barrier, "barrier");
}

int lab_barrier_parties(const lab_barrier *barrier)
{
    return barrier->parties;
}

int lab_barrier_n_waiting(lab_barrier *barrier)
{
    lab_pthread_mutex_lock(&barrier->lock);
    /* ACTING too: in CPython the action runs before the state changes, so n_waiting
     * is then `parties`. */
    int waiting = barrier->state == LAB_BARRIER_FILLING || barrier->state == LAB_BARRIER_ACTING
                      ? barrier->count
                      : 0;
    lab_pthread_mutex_unlock(&barrier->lock);
    return waiting;
}

bool lab_barrier_broken(lab_barrier *barrier)
{
    lab_pthread_mutex_lock(&barrier->lock);
    bool broken = barrier->state == LAB_BARRIER_BROKEN;
    lab_pthread_mutex_unlock(&barrier->lock);
    return broken;
}
