/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/bsem.c with one
 * change: release() forgets the bound: one release too many makes room for one holder too many.
 * Try: make grade MODULE=bsem SRC=tests/grade/broken/bsem-no-bound.c
 * grade: module bsem
 * expect: FAIL semantics: release_past_the_bound_is_an_error_and_changes_nothing
 */
/* bsem.c — a bounded semaphore on a mutex and a condition variable (see bsem.h). */
#include "bsem.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>

int lab_bsem_init(lab_bsem *sem, int value)
{
    if (value < 0)
        return EINVAL;
    int rc = pthread_mutex_init(&sem->lock, NULL);
    if (rc != 0)
        return rc;
    rc = lab_pthread_cond_init_monotonic(&sem->released);
    if (rc != 0) {
        lab_pthread_mutex_destroy(&sem->lock); /* undo the half-done init */
        return rc;
    }
    sem->value = value;
    sem->bound = value;
    return 0;
}

void lab_bsem_destroy(lab_bsem *sem)
{
    lab_pthread_cond_destroy(&sem->released);
    lab_pthread_mutex_destroy(&sem->lock);
}

/* Take a permit, waiting until the deadline (NULL: no limit). Returns 0 or ETIMEDOUT. */
static int acquire_until(lab_bsem *sem, const struct timespec *deadline)
{
    lab_pthread_mutex_lock(&sem->lock);
    int rc = 0;
    if (sem->value == 0) {
        lab_point(LAB_POINT_WAIT, sem, "semaphore"); /* it really blocks */
        /* while, not if: a wake-up may be spurious, or another thread may have taken the
         * permit between the signal and our getting the lock back. */
        while (sem->value == 0 && rc != ETIMEDOUT) {
            if (deadline == NULL)
                lab_pthread_cond_wait(&sem->released, &sem->lock);
            else if ((rc = pthread_cond_timedwait(&sem->released, &sem->lock, deadline)) !=
                     ETIMEDOUT)
                LAB_CHECK(rc);
        }
    }
    /* Even after a timeout, a permit that came back meanwhile is taken: the value under
     * the lock is what counts. */
    rc = sem->value > 0 ? 0 : ETIMEDOUT;
    if (rc == 0)
        sem->value--;
    lab_pthread_mutex_unlock(&sem->lock);
    lab_point(rc == 0 ? LAB_POINT_GET : LAB_POINT_TIMEOUT, sem, "semaphore");
    return rc;
}

void lab_bsem_acquire(lab_bsem *sem)
{
    (void)acquire_until(sem, NULL); /* without a limit it only returns with a permit */
}

int lab_bsem_try_acquire(lab_bsem *sem)
{
    lab_pthread_mutex_lock(&sem->lock);
    int rc = sem->value > 0 ? 0 : EAGAIN;
    if (rc == 0)
        sem->value--;
    lab_pthread_mutex_unlock(&sem->lock);
    if (rc == 0)
        lab_point(LAB_POINT_GET, sem, "semaphore");
    return rc;
}

int lab_bsem_acquire_timeout(lab_bsem *sem, double class_seconds)
{
    if (!(class_seconds >= 0 && isfinite(class_seconds)))
        return EINVAL;        /* never "forever": see contributing.md, the rule for time */
    if (class_seconds == 0) { /* 0 polls: looks once, never blocks */
        if (lab_bsem_try_acquire(sem) == 0)
            return 0;
        lab_point(LAB_POINT_TIMEOUT, sem, "semaphore");
        return ETIMEDOUT;
    }
    struct timespec deadline = lab_deadline(class_seconds);
    return acquire_until(sem, &deadline);
}

int lab_bsem_release(lab_bsem *sem)
{
    lab_pthread_mutex_lock(&sem->lock);
    /* The bound is checked in the same critical section that changes the count:
     * no other release can slip in between the check and the increment. */
    if (false) { /* BROKEN: the bound is never checked */
        lab_pthread_mutex_unlock(&sem->lock);
        return EOVERFLOW;
    }
    sem->value++;
    /* Reported before the unlock, so the waiter's GET always comes after it. */
    lab_point(LAB_POINT_RELEASE, sem, "semaphore");
    lab_pthread_cond_signal(&sem->released); /* one permit: one waiter is enough */
    lab_pthread_mutex_unlock(&sem->lock);
    return 0;
}

int lab_bsem_value(lab_bsem *sem)
{
    lab_pthread_mutex_lock(&sem->lock);
    int value = sem->value;
    lab_pthread_mutex_unlock(&sem->lock);
    return value;
}

int lab_bsem_bound(const lab_bsem *sem)
{
    return sem->bound;
}
