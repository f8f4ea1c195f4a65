/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/condition.c with one
 * change: wait_for() waits once with `if`: a wake-up that finds the predicate false returns anyway.
 * Try: make grade MODULE=condition SRC=tests/grade/broken/condition-wait-for-if.c
 * grade: module condition
 * expect: FAIL timeouts and wait_for: wait_for_rechecks_after_every_wakeup
 * case: timeouts and wait_for
 */
/* condition.c — Python's Condition: a lock and a first-come first-served wait pool in
 * which every waiter sleeps on its own doorbell (see condition.h). */
#include "condition.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

/* Lives on the waiting thread's stack for the length of one wait. */
struct lab_condition_waiter {
    pthread_cond_t doorbell;    /* rung by notify, for this thread only */
    bool notified;              /* set by notify; protected by the condition's lock */
    lab_condition_waiter *next; /* protected by the condition's lock */
};

int lab_condition_init(lab_condition *cond)
{
    /* Error-checking: waiting without the lock or unlocking someone else's lock is
     * reported (EPERM) instead of being undefined behaviour. */
    int rc = lab_pthread_mutex_init_kind(&cond->lock, PTHREAD_MUTEX_ERRORCHECK);
    if (rc != 0)
        return rc;
    cond->first = cond->last = NULL;
    cond->waiting = 0;
    return 0;
}

void lab_condition_destroy(lab_condition *cond)
{
    lab_pthread_mutex_destroy(&cond->lock);
}

void lab_condition_acquire(lab_condition *cond)
{
    lab_pthread_mutex_lock(&cond->lock);
}

void lab_condition_release(lab_condition *cond)
{
    lab_pthread_mutex_unlock(&cond->lock);
}

/* A cheap check that the lock is held by somebody (Python raises RuntimeError when it
 * is not held by the caller). If trylock succeeds, nobody held it: a caller bug. */
static void assert_held(lab_condition *cond, const char *call)
{
    if (pthread_mutex_trylock(&cond->lock) == 0) {
        lab_pthread_mutex_unlock(&cond->lock);
        lab_check_at(EPERM, call, __FILE__, __LINE__); /* prints the call, aborts */
    }
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
    assert_held(cond, "lab_condition_wait without holding the condition's lock");
    lab_condition_waiter me = {.notified = false, .next = NULL};
    LAB_CHECK(lab_pthread_cond_init_monotonic(&me.doorbell));
    if (cond->last != NULL)
        cond->last->next = &me;
    else
        cond->first = &me;
    cond->last = &me;
    cond->waiting++;

    lab_point(LAB_POINT_WAIT, cond, "condition");
    int rc = 0;
    /* Loop on our own flag: a spurious wake-up of the doorbell is not a notify. */
    while (!me.notified && rc != ETIMEDOUT) {
        if (deadline == NULL)
            rc = pthread_cond_wait(&me.doorbell, &cond->lock);
        else
            rc = pthread_cond_timedwait(&me.doorbell, &cond->lock, deadline);
        if (rc != ETIMEDOUT)
            LAB_CHECK(rc);
    }
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
        assert_held(cond, "lab_condition_wait_timeout without holding the condition's lock");
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
    assert_held(cond, "lab_condition_notify without holding the condition's lock");
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
