/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/semaphore.c with one
 * change: release(n) always signals: n permits come back, but only one blocked acquirer is woken.
 * Try: make grade MODULE=semaphore SRC=tests/grade/broken/semaphore-release-signals-one.c
 * grade: module semaphore
 * expect: FAIL ; release_n_lets_n_waiters_through
 * case: semantics
 */
/* semaphore.c — Python's Semaphore on a mutex and a condition variable (see semaphore.h). */
#include "semaphore.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

int lab_semaphore_init(lab_semaphore *sem, int value)
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
    return 0;
}

void lab_semaphore_destroy(lab_semaphore *sem)
{
    lab_pthread_cond_destroy(&sem->released);
    lab_pthread_mutex_destroy(&sem->lock);
}

/* Take a permit; deadline NULL means no limit. Returns 0 or ETIMEDOUT. */
static int acquire_until(lab_semaphore *sem, const struct timespec *deadline)
{
    lab_pthread_mutex_lock(&sem->lock);
    if (sem->value == 0) {
        /* About to block: say so outside the lock (a scheduler may hold us at the point),
         * then look again, since a permit may have come back meanwhile. */
        lab_pthread_mutex_unlock(&sem->lock);
        lab_point(LAB_POINT_WAIT, sem, "semaphore");
        lab_pthread_mutex_lock(&sem->lock);
    }
    int rc = 0;
    /* while, not if: a wake-up may be spurious, or another thread may have taken the
     * permit between the broadcast and our getting the lock back. */
    while (sem->value == 0 && rc != ETIMEDOUT) {
        if (deadline == NULL) {
            lab_pthread_cond_wait(&sem->released, &sem->lock);
        } else {
            rc = lab_pthread_cond_timedwait(&sem->released, &sem->lock, deadline);
            if (rc != ETIMEDOUT)
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

void lab_semaphore_acquire(lab_semaphore *sem)
{
    (void)acquire_until(sem, NULL); /* without a limit it only returns with a permit */
}

int lab_semaphore_try_acquire(lab_semaphore *sem)
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

int lab_semaphore_acquire_timeout(lab_semaphore *sem, double class_seconds)
{
    if (!isfinite(class_seconds) || class_seconds < 0)
        return EINVAL; /* never read as "forever": that is lab_semaphore_acquire */
    if (class_seconds == 0) {
        int rc = lab_semaphore_try_acquire(sem);
        if (rc != 0)
            lab_point(LAB_POINT_TIMEOUT, sem, "semaphore");
        return rc == 0 ? 0 : ETIMEDOUT;
    }
    struct timespec deadline = lab_deadline(class_seconds);
    return acquire_until(sem, &deadline);
}

int lab_semaphore_release(lab_semaphore *sem, int n)
{
    if (n < 1)
        return EINVAL;
    lab_pthread_mutex_lock(&sem->lock);
    if (sem->value > INT_MAX - n) {
        lab_pthread_mutex_unlock(&sem->lock);
        return EOVERFLOW;
    }
    sem->value += n;
    /* n permits may wake n waiters: broadcast, and each waiter re-checks the count. */
    if (true) /* BROKEN: one waiter woken, whatever n */
        lab_pthread_cond_signal(&sem->released);
    else
        lab_pthread_cond_broadcast(&sem->released);
    lab_pthread_mutex_unlock(&sem->lock);
    lab_point(LAB_POINT_RELEASE, sem, "semaphore");
    return 0;
}

int lab_semaphore_value(lab_semaphore *sem)
{
    lab_pthread_mutex_lock(&sem->lock);
    int value = sem->value;
    lab_pthread_mutex_unlock(&sem->lock);
    return value;
}
