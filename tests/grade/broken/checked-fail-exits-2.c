/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/checked.c with one
 * change: lab_fail() exits 2 (a usage error) instead of 1 (a runtime failure).
 * Try: make grade MODULE=checked SRC=tests/grade/broken/checked-fail-exits-2.c
 * grade: module checked
 * expect: FAIL ; fail_is_one_line_and_exit_status_1
 */
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
    exit(2); /* BROKEN: 2 is a usage error, not a runtime failure */
}

void lab_check_errno_at(int result, const char *call, const char *file, int line)
{
    if (result == -1)
        lab_check_at(errno, call, file, line);
}

bool lab_pthread_barrier_wait_at(pthread_barrier_t *barrier, const char *file, int line)
{
    int rc = pthread_barrier_wait(barrier);
    if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
        return true;
    lab_check_at(rc, "pthread_barrier_wait", file, line);
    return false;
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
