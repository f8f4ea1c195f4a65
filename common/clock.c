/* clock.c — monotonic time, the speed factor and scaled sleeps (see clock.h). */
#include "clock.h"

#include "schedule.h"   /* schedule control: virtual time */

#include <errno.h>
#include <math.h>
#include <stdatomic.h>

/* Written once by lab_init() before threads start, but tests may change it while
 * helper threads read it: atomic, so that is never a data race. */
static _Atomic double speed_factor = 1.0;
static double start_time;

#define LONGEST_WAIT 1e9   /* real seconds, ~31 years: "forever" for a demo */

/* Real seconds to wait for class_seconds: never negative or NaN, never beyond LONGEST_WAIT. */
static double bounded_real_seconds(double class_seconds)
{
    double real = lab_real_seconds(class_seconds);
    if (!(real > 0))
        return 0;
    return real < LONGEST_WAIT ? real : LONGEST_WAIT;
}

static struct timespec timespec_from_seconds(double seconds)
{
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

double lab_now(void)
{
    if (LAB_SCHED_ON())   /* schedule control: the virtual clock */
        return lab_sched_now();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);   /* cannot fail for CLOCK_MONOTONIC */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs before main(), so "elapsed" counts from program start in every program. */
__attribute__((constructor)) static void remember_start_time(void)
{
    start_time = lab_now();
}

double lab_elapsed(void)
{
    if (LAB_SCHED_ON())   /* schedule control: virtual time starts at 0 */
        return lab_sched_now();
    return lab_now() - start_time;
}

void lab_set_speed(double factor)
{
    if (factor > 0 && isfinite(factor))
        atomic_store(&speed_factor, factor);
}

double lab_speed(void)
{
    return atomic_load(&speed_factor);
}

double lab_real_seconds(double class_seconds)
{
    return class_seconds / lab_speed();
}

double lab_class_seconds(double real_seconds)
{
    return real_seconds * lab_speed();
}

void lab_sleep(double class_seconds)
{
    double real = bounded_real_seconds(class_seconds);
    if (LAB_SCHED_ON()) {   /* schedule control: sleep on the virtual clock */
        lab_sched_sleep(real);
        return;
    }
    if (real == 0)
        return;
    struct timespec left = timespec_from_seconds(real);
    while (nanosleep(&left, &left) == -1 && errno == EINTR)
        ;   /* interrupted by a signal: sleep what is left */
}

struct timespec lab_deadline(double class_seconds)
{
    double real = bounded_real_seconds(class_seconds);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (LAB_SCHED_ON())   /* schedule control: an instant on the virtual clock */
        now = timespec_from_seconds(lab_sched_now());
    struct timespec add = timespec_from_seconds(real);
    now.tv_sec += add.tv_sec;
    now.tv_nsec += add.tv_nsec;
    if (now.tv_nsec >= 1000000000L) {
        now.tv_sec += 1;
        now.tv_nsec -= 1000000000L;
    }
    return now;
}

double lab_seconds_until(const struct timespec *deadline)
{
    double at = (double)deadline->tv_sec + (double)deadline->tv_nsec / 1e9;
    return at - lab_now();
}
