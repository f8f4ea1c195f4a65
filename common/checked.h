/* checked.h — pthread calls that cannot fail quietly.
 *
 * pthread functions *return* their error number; they do not set errno. The wrappers
 * below check that number and, when it is not 0, print
 *
 *     fatal: pthread_mutex_lock at demos/race.c:42: Invalid argument
 *
 * on stderr and abort(): a failed lock or wait is a bug, and the program stops right
 * where it happened, with the stack intact for gdb.
 *
 * Calls whose failure is a normal outcome are NOT wrapped: initialisation, trylock and
 * timed waits return their code for the caller to act on (EBUSY, ETIMEDOUT, ...).
 * LAB_CHECK() turns any such call into a fatal one where failure would be a bug.
 * sem_* functions and system calls report through errno instead: LAB_CHECK_ERRNO().
 *
 * The floor below, fail.h, has the fatal path (lab_check_at, LAB_CHECK, lab_fail,
 * LAB_SETUP); the wrappers here go through the schedule controller (schedule.h) when a
 * demo runs under --schedule, --step or --explore, and report to a timeline (point.h).
 */
#ifndef THREADLAB_CHECKED_H
#define THREADLAB_CHECKED_H

#include <pthread.h>
#include <semaphore.h> /* lab_sem_post */
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <time.h>

#include "fail.h"     /* LAB_CHECK, lab_fail, LAB_SETUP: the floor below */
#include "schedule.h" /* schedule control */

#include "point.h"

#define LAB_CHECKED_(fn, ...) lab_check_at(fn(__VA_ARGS__), #fn, __FILE__, __LINE__)

/* Mutexes, condition variables, barriers: these return nothing and abort on any error.
 * Three paths, the cheap one first when nothing listens:
 *   - schedule control (schedule.h: --schedule, --step, --explore): the controller does the
 *     waits, so that one thread runs at a time;
 *   - a timeline records (point.h): lock, unlock and cond_wait report scheduling points, but
 *     only for a mutex a demo named with lab_point_name(), so the library's own mutexes
 *     stay off the timeline;
 *   - otherwise: the plain call. Cost when unused: two relaxed loads and branches. */
#define LAB_PTHREAD_PATHS_(controlled, recorded, plain) \
    do {                                                \
        if (LAB_SCHED_ON())                             \
            controlled;                                 \
        else if (lab_points_listening())                \
            recorded;                                   \
        else                                            \
            plain;                                      \
    } while (0)
#define lab_pthread_mutex_lock(m)                                               \
    LAB_PTHREAD_PATHS_(lab_point_sched_mutex_lock((m), #m, __FILE__, __LINE__), \
                       lab_point_mutex_lock_at((m), __FILE__, __LINE__),        \
                       LAB_CHECKED_(pthread_mutex_lock, m))
#define lab_pthread_mutex_unlock(m)                                               \
    LAB_PTHREAD_PATHS_(lab_point_sched_mutex_unlock((m), #m, __FILE__, __LINE__), \
                       lab_point_mutex_unlock_at((m), __FILE__, __LINE__),        \
                       LAB_CHECKED_(pthread_mutex_unlock, m))
#define lab_pthread_mutex_destroy(m) LAB_CHECKED_(pthread_mutex_destroy, m)
#define lab_pthread_cond_wait(c, m)                                           \
    LAB_PTHREAD_PATHS_(lab_sched_cond_wait((c), #c, (m), __FILE__, __LINE__), \
                       lab_point_cond_wait_at((c), (m), __FILE__, __LINE__),  \
                       LAB_CHECKED_(pthread_cond_wait, c, m))
#define lab_pthread_cond_signal(c)                                                \
    LAB_PTHREAD_PATHS_(lab_sched_cond_signal((c), #c, false, __FILE__, __LINE__), \
                       LAB_CHECKED_(pthread_cond_signal, c), LAB_CHECKED_(pthread_cond_signal, c))
#define lab_pthread_cond_broadcast(c)                                            \
    LAB_PTHREAD_PATHS_(lab_sched_cond_signal((c), #c, true, __FILE__, __LINE__), \
                       LAB_CHECKED_(pthread_cond_broadcast, c),                  \
                       LAB_CHECKED_(pthread_cond_broadcast, c))
/* A timed wait until deadline (a lab_deadline() instant, on a condition variable made by
 * lab_pthread_cond_init_monotonic). Returns 0 or ETIMEDOUT; aborts on any other error.
 * Under schedule control the deadline is on the virtual clock. */
#define lab_pthread_cond_timedwait(c, m, deadline) \
    lab_pthread_cond_timedwait_at((c), (m), (deadline), __FILE__, __LINE__)
int lab_pthread_cond_timedwait_at(pthread_cond_t *cond, pthread_mutex_t *mutex,
                                  const struct timespec *deadline, const char *file, int line);
/* pthread_barrier_init that also tells the schedule controller the count (a
 * pthread_barrier_t does not say it). Returns 0 or the error code. */
int lab_pthread_barrier_init(pthread_barrier_t *barrier, unsigned count);
#define lab_pthread_cond_destroy(c)    LAB_CHECKED_(pthread_cond_destroy, c)
#define lab_pthread_barrier_destroy(b) LAB_CHECKED_(pthread_barrier_destroy, b)

/* Wait at a barrier; true in exactly one thread per round (PTHREAD_BARRIER_SERIAL_THREAD),
 * false in the others. Aborts on an error. */
#define lab_pthread_barrier_wait(b) lab_pthread_barrier_wait_at((b), __FILE__, __LINE__)
bool lab_pthread_barrier_wait_at(pthread_barrier_t *barrier, const char *file, int line);

/* sem_wait, retried when a signal interrupts it; sem_post. Both abort on an error. */
#define lab_sem_wait(s) lab_sem_wait_at((s), __FILE__, __LINE__)
#define lab_sem_post(s) lab_sem_post_at((s), __FILE__, __LINE__)
void lab_sem_post_at(sem_t *sem, const char *file, int line);
void lab_sem_wait_at(sem_t *sem, const char *file, int line);

/* Initialise a mutex of a given kind: PTHREAD_MUTEX_NORMAL, _ERRORCHECK or _RECURSIVE.
 * Returns 0 or the error code; on error nothing is left initialised. */
int lab_pthread_mutex_init_kind(pthread_mutex_t *mutex, int kind);

/* Initialise a condition variable whose timed waits use CLOCK_MONOTONIC (immune to the
 * wall clock being changed), to pair with lab_deadline(). Returns 0 or the error code;
 * on error nothing is left initialised. */
int lab_pthread_cond_init_monotonic(pthread_cond_t *cond);

#endif
