/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/rlock.c with one
 * change: release() never asks who is releasing: any thread can release the owner's lock
 * (Python raises RuntimeError: cannot release un-acquired lock).
 * Try: make grade MODULE=rlock SRC=tests/grade/broken/rlock-owner-unchecked.c
 * grade: module rlock
 * expect: FAIL semantics: only_the_owner_may_release
 */
/* rlock.c — Python's RLock: an owner and a count under a mutex (see rlock.h). */
#include "rlock.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

int lab_rlock_init(lab_rlock *rlock)
{
    int rc = pthread_mutex_init(&rlock->lock, NULL);
    if (rc != 0)
        return rc;
    rc = lab_pthread_cond_init_monotonic(&rlock->freed);
    if (rc != 0) {
        lab_pthread_mutex_destroy(&rlock->lock); /* undo the half-done init */
        return rc;
    }
    rlock->count = 0;
    return 0;
}

void lab_rlock_destroy(lab_rlock *rlock)
{
    lab_pthread_mutex_lock(&rlock->lock);
    unsigned long count = rlock->count;
    lab_pthread_mutex_unlock(&rlock->lock);
    if (count != 0)
        lab_check_at(EBUSY, "lab_rlock_destroy", __FILE__, __LINE__); /* a held lock: a bug */
    lab_pthread_cond_destroy(&rlock->freed);
    lab_pthread_mutex_destroy(&rlock->lock);
}

/* Caller holds rlock->lock. Whether the calling thread is the owner. */
static bool owned_by_me(const lab_rlock *rlock)
{
    return rlock->count > 0 && pthread_equal(rlock->owner, pthread_self());
}

/* Caller holds rlock->lock and may take it (free, or its own): take it. Returns whether
 * the caller became the owner just now (count 0 -> 1). */
static bool take(lab_rlock *rlock)
{
    if (rlock->count == ULONG_MAX)
        lab_check_at(EOVERFLOW, "lab_rlock_acquire", __FILE__, __LINE__);
    if (rlock->count++ > 0)
        return false; /* the owner again: only the count moves */
    rlock->owner = pthread_self();
    return true;
}

/* Acquire; deadline NULL means no limit. Returns 0 or ETIMEDOUT. */
static int acquire_until(lab_rlock *rlock, const struct timespec *deadline)
{
    lab_pthread_mutex_lock(&rlock->lock);
    if (rlock->count > 0 && !owned_by_me(rlock)) {
        /* About to block: say so outside the lock (a scheduler may hold us at the point). */
        lab_pthread_mutex_unlock(&rlock->lock);
        lab_point(LAB_POINT_WAIT, rlock, "rlock");
        lab_pthread_mutex_lock(&rlock->lock);
    }
    int rc = 0;
    /* Another thread cannot own it on our behalf: if we are not the owner now, we were
     * not when we came in, so waiting for count 0 is right. */
    while (rlock->count > 0 && !owned_by_me(rlock) && rc != ETIMEDOUT) {
        if (deadline == NULL) {
            lab_pthread_cond_wait(&rlock->freed, &rlock->lock);
        } else {
            rc = lab_pthread_cond_timedwait(&rlock->freed, &rlock->lock, deadline);
            if (rc != ETIMEDOUT)
                LAB_CHECK(rc);
        }
    }
    bool got = false, first = false;
    if (rlock->count == 0 || owned_by_me(rlock)) { /* freed just in time counts too */
        got = true;
        first = take(rlock);
    }
    lab_pthread_mutex_unlock(&rlock->lock);
    if (!got)
        lab_point(LAB_POINT_TIMEOUT, rlock, "rlock");
    else if (first)
        lab_point(LAB_POINT_GET, rlock, "rlock");
    return got ? 0 : ETIMEDOUT;
}

void lab_rlock_acquire(lab_rlock *rlock)
{
    (void)acquire_until(rlock, NULL); /* without a limit it only returns as the owner */
}

int lab_rlock_try_acquire(lab_rlock *rlock)
{
    lab_pthread_mutex_lock(&rlock->lock);
    bool got = rlock->count == 0 || owned_by_me(rlock), first = false;
    if (got)
        first = take(rlock);
    lab_pthread_mutex_unlock(&rlock->lock);
    if (first)
        lab_point(LAB_POINT_GET, rlock, "rlock");
    return got ? 0 : EAGAIN;
}

int lab_rlock_acquire_timeout(lab_rlock *rlock, double class_seconds)
{
    if (!isfinite(class_seconds) || class_seconds < 0)
        return EINVAL; /* never read as "forever": that is lab_rlock_acquire */
    if (class_seconds == 0) {
        if (lab_rlock_try_acquire(rlock) == 0)
            return 0;
        lab_point(LAB_POINT_TIMEOUT, rlock, "rlock");
        return ETIMEDOUT;
    }
    struct timespec deadline = lab_deadline(class_seconds);
    return acquire_until(rlock, &deadline);
}

int lab_rlock_release(lab_rlock *rlock)
{
    lab_pthread_mutex_lock(&rlock->lock);
    if (rlock->count == 0) { /* BROKEN: only "nobody's" is refused, not "another thread's" */
        lab_pthread_mutex_unlock(&rlock->lock);
        return EPERM;
    }
    bool last = --rlock->count == 0;
    if (last)
        lab_pthread_cond_signal(&rlock->freed); /* free now: one waiter can have it */
    lab_pthread_mutex_unlock(&rlock->lock);
    if (last)
        lab_point(LAB_POINT_RELEASE, rlock, "rlock");
    return 0;
}

bool lab_rlock_is_owned(lab_rlock *rlock)
{
    lab_pthread_mutex_lock(&rlock->lock);
    bool mine = owned_by_me(rlock);
    lab_pthread_mutex_unlock(&rlock->lock);
    return mine;
}

unsigned long lab_rlock_count(lab_rlock *rlock)
{
    lab_pthread_mutex_lock(&rlock->lock);
    unsigned long count = owned_by_me(rlock) ? rlock->count : 0;
    lab_pthread_mutex_unlock(&rlock->lock);
    return count;
}
