/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/checked.c with
 * one change: lab_pthread_cond_init_monotonic() forgets to set the clock, so the condition
 * variable measures deadlines on CLOCK_REALTIME while the library computes them on
 * CLOCK_MONOTONIC (seconds since boot: long past on the wall clock): every timed wait
 * times out at once.
 * Try: make grade MODULE=checked SRC=tests/grade/broken/checked-cond-realtime.c
 * grade: module checked
 * expect: FAIL ; monotonic_condition_times_out_at_its_deadline
 */
/* checked.c — the checked pthread wrappers that are functions (see checked.h): under
 * schedule control they hand the wait to the controller, otherwise they make the call. */
#include "checked.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool lab_pthread_barrier_wait_at(pthread_barrier_t *barrier, const char *file, int line)
{
    if (LAB_SCHED_ON()) /* schedule control */
        return lab_sched_barrier_wait(barrier, file, line);
    int rc = pthread_barrier_wait(barrier);
    if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
        return true;
    lab_check_at(rc, "pthread_barrier_wait", file, line);
    return false;
}

/* schedule control: the timed wait, and a barrier whose count the controller knows. */
int lab_pthread_cond_timedwait_at(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                  const struct timespec *deadline, const char *file, int line)
{
    int rc = LAB_SCHED_ON() ? lab_sched_cond_timedwait(cond, mutex, deadline, file, line)
                            : pthread_cond_timedwait(cond, mutex, deadline);
    if (rc != ETIMEDOUT)
        lab_check_at(rc, "pthread_cond_timedwait", file, line);
    return rc;
}

void lab_sem_post_at(sem_t *sem, const char *file, int line)
{
    lab_check_errno_at(sem_post(sem), "sem_post", file, line);
    if (LAB_SCHED_ON()) /* schedule control: a waiter may go on */
        lab_sched_sem_posted(sem);
}

int lab_pthread_barrier_init(pthread_barrier_t *barrier, unsigned count)
{
    int rc = pthread_barrier_init(barrier, NULL, count);
    if (rc == 0 && LAB_SCHED_ON())
        lab_sched_barrier_count(barrier, count);
    return rc;
}

void lab_sem_wait_at(sem_t *sem, const char *file, int line)
{
    if (LAB_SCHED_ON()) { /* schedule control */
        lab_sched_sem_wait(sem, file, line);
        return;
    }
    while (sem_wait(sem) == -1) {
        if (errno != EINTR) /* a signal handler ran: just wait again */
            lab_check_at(errno, "sem_wait", file, line);
    }
}

int lab_pthread_mutex_init_kind(pthread_mutex_t *mutex, int kind)
{
    pthread_mutexattr_t attr;
    int rc = pthread_mutexattr_init(&attr);
    if (rc != 0)
        return rc;
    rc = pthread_mutexattr_settype(&attr, kind);
    if (rc == 0)
        rc = pthread_mutex_init(mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    return rc;
}

int lab_pthread_cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc != 0)
        return rc;
    rc = pthread_cond_init(cond, &attr); /* BROKEN: the clock is never set: CLOCK_REALTIME */
    pthread_condattr_destroy(&attr);
    return rc;
}
