/* bsem.c — a bounded semaphore on a mutex and a condition variable (see bsem.h). */
#include "bsem.h"

#include "checked.h"
#include "clock.h"

#include <errno.h>

int lab_bsem_init(lab_bsem *sem, int value)
{
    if (value < 0)
        return EINVAL;
    int rc = pthread_mutex_init(&sem->lock, NULL);
    if (rc != 0)
        return rc;
    rc = lab_pthread_cond_init_monotonic(&sem->released);
    if (rc != 0) {
        lab_pthread_mutex_destroy(&sem->lock);   /* undo the half-done init */
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

void lab_bsem_acquire(lab_bsem *sem)
{
    lab_pthread_mutex_lock(&sem->lock);
    /* while, not if: a wake-up may be spurious, or another thread may have taken the
     * permit between the signal and our getting the lock back. */
    while (sem->value == 0)
        lab_pthread_cond_wait(&sem->released, &sem->lock);
    sem->value--;
    lab_pthread_mutex_unlock(&sem->lock);
}

bool lab_bsem_try_acquire(lab_bsem *sem)
{
    lab_pthread_mutex_lock(&sem->lock);
    bool took = sem->value > 0;
    if (took)
        sem->value--;
    lab_pthread_mutex_unlock(&sem->lock);
    return took;
}

bool lab_bsem_acquire_timeout(lab_bsem *sem, double class_seconds)
{
    struct timespec deadline = lab_deadline(class_seconds);
    lab_pthread_mutex_lock(&sem->lock);
    int rc = 0;
    while (sem->value == 0 && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&sem->released, &sem->lock, &deadline);
        if (rc != ETIMEDOUT)
            LAB_CHECK(rc);
    }
    /* Even after a timeout, a permit that came back meanwhile is taken: the value under
     * the lock is what counts. */
    bool took = sem->value > 0;
    if (took)
        sem->value--;
    lab_pthread_mutex_unlock(&sem->lock);
    return took;
}

int lab_bsem_release(lab_bsem *sem)
{
    lab_pthread_mutex_lock(&sem->lock);
    /* The bound is checked in the same critical section that changes the count:
     * no other release can slip in between the check and the increment. */
    if (sem->value == sem->bound) {
        lab_pthread_mutex_unlock(&sem->lock);
        return EOVERFLOW;
    }
    sem->value++;
    lab_pthread_cond_signal(&sem->released);   /* one permit: one waiter is enough */
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
