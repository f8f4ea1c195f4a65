/* checked.c — the fatal path of the checked wrappers, and lab_fail (see checked.h).
 * Uses no other module of the library: everything above may call it. */
#include "checked.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *program_name = "threadlab";

const char *lab_program_name(void)
{
    return program_name;
}

void lab_set_program_name(const char *name)
{
    program_name = name;
}

/* One write(2) of the whole text: no stdio lock is taken, and no other thread's line can
 * land in the middle of it. */
static void write_whole(const char *text, int length, size_t size)
{
    if (length > 0)
        (void)!write(STDERR_FILENO, text, (size_t)length < size ? (size_t)length : size - 1);
}

void lab_check_at(int code, const char *call, const char *file, int line)
{
    if (code == 0)
        return;
    /* Format first, then one write(): no stdio lock is taken on the way to abort(),
     * so this works even if another thread died holding stdout's lock. */
    char message[512];
    char reason[128];
    int n = snprintf(message, sizeof message, "fatal: %s at %s:%d: %s\n", call, file, line,
                     strerror_r(code, reason, sizeof reason));
    write_whole(message, n, sizeof message);
    abort();
}

_Noreturn void lab_fail(const char *format, ...)
{
    char text[512];
    char message[640];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    int n = snprintf(message, sizeof message, "%s: %s\n", program_name, text);
    write_whole(message, n, sizeof message);
    exit(1);
}

void lab_check_errno_at(int result, const char *call, const char *file, int line)
{
    if (result == -1)
        lab_check_at(errno, call, file, line);
}

bool lab_pthread_barrier_wait_at(pthread_barrier_t *barrier, const char *file, int line)
{
    if (LAB_SCHED_ON())   /* schedule control */
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
    if (LAB_SCHED_ON())   /* schedule control: a waiter may go on */
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
    if (LAB_SCHED_ON()) {   /* schedule control */
        lab_sched_sem_wait(sem, file, line);
        return;
    }
    while (sem_wait(sem) == -1) {
        if (errno != EINTR)   /* a signal handler ran: just wait again */
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
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

void lab_setup_at(int code, const char *call)
{
    char reason[128];
    if (code != 0)
        lab_fail("cannot set up %s: %s", call, strerror_r(code, reason, sizeof reason));
}

void *lab_calloc(size_t count, size_t size)
{
    void *memory = calloc(count > 0 ? count : 1, size > 0 ? size : 1);
    if (memory == NULL)
        lab_fail("out of memory (%zu x %zu bytes)", count, size);
    return memory;
}
