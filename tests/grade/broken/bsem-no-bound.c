/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/bsem.c with one
 * change: release() forgets the bound: one release too many makes room for one holder too many.
 * Try: make grade MODULE=bsem SRC=tests/grade/broken/bsem-no-bound.c
 * grade: module bsem
 * expect: FAIL semantics: release_past_the_bound_is_an_error_and_changes_nothing
 */
/* bsem.c — a bounded semaphore: an atomic count for the permits and the bound, a sem_t to
 * sleep on (see bsem.h).
 *
 * The count says everything: count > 0 is how many permits are left; count < 0 means
 * -count threads have found none and wait (or are about to) for a wake-up on the sem_t.
 *   acquire: subtract one. If there was a permit (count was > 0), done: one atomic step.
 *            Otherwise this thread is now counted as a waiter: sleep on the sem_t.
 *   release: add one, unless that would pass the bound (checked in the same
 *            compare-and-swap). If the count was < 0, somebody waits: post one wake-up.
 * A permit handed to a waiter never shows as count > 0, so no other thread can take it
 * meanwhile; the sem_t only says "wake up, it's yours". Nothing takes a lock, and a
 * system call happens only when a thread really sleeps or must be woken, like sem_t's
 * own fast path. (This is the "lightweight semaphore" of Jeff Preshing's blog, and the
 * benaphore of BeOS, with the bound added.)
 *
 * Memory order: a release publishes with a release compare-and-swap, a taker sees it
 * with an acquire one (or, after sleeping, an acquire load of the count: the release's
 * swap or a later one is what it reads, so everything before the release happens before).
 */
#include "bsem.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>
#include <time.h>

/* Helgrind (valgrind) follows sem_wait/sem_post but not C11 atomics: where its header is
 * installed, tell it that a release happens before the acquire that takes its permit. */
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#else
#define ANNOTATE_HAPPENS_BEFORE(obj)                           ((void)0)
#define ANNOTATE_HAPPENS_AFTER(obj)                            ((void)0)
#define ANNOTATE_BENIGN_RACE_SIZED(address, size, description) ((void)0)
#endif

int lab_bsem_init(lab_bsem *sem, int value)
{
    if (value < 0)
        return EINVAL;
    if (sem_init(&sem->wakeups, 0, 0) != 0)
        return errno;
    atomic_init(&sem->count, value);
    sem->bound = value;
    ANNOTATE_BENIGN_RACE_SIZED(&sem->count, sizeof sem->count, "C11 atomic");
    return 0;
}

void lab_bsem_destroy(lab_bsem *sem)
{
    LAB_CHECK_ERRNO(sem_destroy(&sem->wakeups));
}

/* This thread has a permit: what the releaser did before its release is visible now. */
static void took_one(lab_bsem *sem)
{
    ANNOTATE_HAPPENS_AFTER(sem);
    lab_point(LAB_POINT_GET, sem, "semaphore");
}

/* Sleep until a release posts our wake-up, or the deadline (NULL: none) passes.
 * Returns 0 (woken: the permit is ours) or ETIMEDOUT (no longer counted as a waiter). */
static int sleep_until_woken(lab_bsem *sem, const struct timespec *deadline)
{
    for (;;) {
        int rc;
        if (LAB_SCHED_ON()) { /* schedule control: the controller waits, on virtual time */
            rc = lab_sched_sem_timedwait(&sem->wakeups, deadline, __FILE__, __LINE__);
            if (rc == 0)
                break;
            errno = rc;
            rc = -1;
        } else {
            rc = deadline == NULL ? sem_wait(&sem->wakeups)
                                  : sem_clockwait(&sem->wakeups, CLOCK_MONOTONIC, deadline);
        }
        if (rc == 0)
            break;
        if (errno == EINTR)
            continue; /* a signal handler ran: sleep again */
        if (errno != ETIMEDOUT)
            LAB_CHECK_ERRNO(rc); /* EINVAL: a bug */
        /* Timed out. Stop counting as a waiter (count + 1), if the count still shows a
         * waiter nobody has woken. If it does not, a release has just counted on this
         * thread and posted (or is about to post) its wake-up: take it, it is a permit. */
        int count = atomic_load_explicit(&sem->count, memory_order_relaxed);
        while (count < 0)
            if (atomic_compare_exchange_weak_explicit(&sem->count, &count, count + 1,
                                                      memory_order_relaxed, memory_order_relaxed))
                return ETIMEDOUT;
        deadline = NULL; /* the wake-up is on its way: wait for it without a limit */
    }
    /* Acquire: reads the releaser's swap (or a later one), so its writes are visible. */
    (void)atomic_load_explicit(&sem->count, memory_order_acquire);
    return 0;
}

/* Take a permit, waiting until the deadline (NULL: no limit). Returns 0 or ETIMEDOUT. */
static int acquire_until(lab_bsem *sem, const struct timespec *deadline)
{
    /* One subtraction takes a permit if there is one, and otherwise counts us as a waiter:
     * either way the release that comes next knows. */
    int before = atomic_fetch_sub_explicit(&sem->count, 1, memory_order_acquire);
    if (before > 0) {
        took_one(sem); /* the fast path: no lock, no system call */
        return 0;
    }
    lab_point(LAB_POINT_WAIT, sem, "semaphore"); /* it really blocks */
    int rc = sleep_until_woken(sem, deadline);
    if (rc == 0)
        took_one(sem);
    else
        lab_point(LAB_POINT_TIMEOUT, sem, "semaphore");
    return rc;
}

void lab_bsem_acquire(lab_bsem *sem)
{
    (void)acquire_until(sem, NULL); /* without a limit it only returns with a permit */
}

int lab_bsem_try_acquire(lab_bsem *sem)
{
    /* Take one only if count > 0: a compare-and-swap, so a poll never counts as a waiter. */
    int count = atomic_load_explicit(&sem->count, memory_order_relaxed);
    while (count > 0)
        if (atomic_compare_exchange_weak_explicit(&sem->count, &count, count - 1,
                                                  memory_order_acquire, memory_order_relaxed)) {
            took_one(sem);
            return 0;
        }
    return EAGAIN;
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
    ANNOTATE_HAPPENS_BEFORE(sem);
    int count = atomic_load_explicit(&sem->count, memory_order_relaxed);
    do {
        /* The bound is checked in the same step that changes the count: if another
         * release (or acquire) got in between, the swap fails and we look again. Waiters
         * (count < 0) mean no permit is left. */
        if (false) /* BROKEN: the bound is never checked */
            return EOVERFLOW;
    } while (!atomic_compare_exchange_weak_explicit(&sem->count, &count, count + 1,
                                                    memory_order_release, memory_order_relaxed));
    /* Reported before the wake-up, so the woken waiter's GET comes after it. */
    lab_point(LAB_POINT_RELEASE, sem, "semaphore");
    if (count < 0) /* somebody waits for this permit: wake one */
        lab_sem_post(&sem->wakeups);
    return 0;
}

int lab_bsem_value(lab_bsem *sem)
{
    int count = atomic_load_explicit(&sem->count, memory_order_relaxed);
    return count > 0 ? count : 0; /* waiters: none left */
}

int lab_bsem_bound(const lab_bsem *sem)
{
    return sem->bound;
}
