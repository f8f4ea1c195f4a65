/* clock.c — monotonic time, the speed factor and scaled sleeps (see clock.h). */
#include "clock.h"

#include "checked.h"
#include "point.h"
#include "schedule.h" /* schedule control: virtual time */

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>

/* Written once by lab_init() before threads start, but tests may change it while
 * helper threads read it: atomic, so that is never a data race. */
static _Atomic double speed_factor = 1.0;
static double start_time;

/* Real seconds to wait: never negative or NaN, never beyond LAB_CLOCK_LONGEST_WAIT. */
static double bounded(double real_seconds)
{
    if (!(real_seconds > 0))
        return 0;
    return real_seconds < LAB_CLOCK_LONGEST_WAIT ? real_seconds : LAB_CLOCK_LONGEST_WAIT;
}

struct timespec lab_timespec_from_seconds(double real_seconds)
{
    double seconds = bounded(real_seconds);
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) { /* rounding can reach a whole second */
        ts.tv_sec += 1;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

struct timespec lab_timespec_add(struct timespec a, struct timespec b)
{
    a.tv_sec += b.tv_sec;
    a.tv_nsec += b.tv_nsec;
    if (a.tv_nsec >= 1000000000L) {
        a.tv_sec += 1;
        a.tv_nsec -= 1000000000L;
    }
    return a;
}

struct timespec lab_timespec_after(clockid_t clock, double real_seconds)
{
    struct timespec now;
    clock_gettime(clock, &now); /* cannot fail for the monotonic and realtime clocks */
    return lab_timespec_add(now, lab_timespec_from_seconds(real_seconds));
}

int lab_clock_check_duration(double class_seconds)
{
    return class_seconds >= 0 && isfinite(class_seconds) ? 0 : EINVAL;
}

double lab_now(void)
{
    if (LAB_SCHED_ON()) /* schedule control: the virtual clock */
        return lab_sched_now();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs before main(), so "elapsed" counts from program start in every program. */
__attribute__((constructor)) static void remember_start_time(void)
{
    start_time = lab_now();
}

double lab_elapsed(void)
{
    if (LAB_SCHED_ON()) /* schedule control: virtual time starts at 0 */
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

void lab_sleep_at(double class_seconds, const char *file, int line)
{
    if (lab_clock_check_duration(class_seconds) != 0) {
        char call[64];
        snprintf(call, sizeof call, "lab_sleep(%.3f)", class_seconds);
        lab_check_at(EINVAL, call, file, line);
    }
    if (LAB_SCHED_ON()) { /* schedule control: sleep on the virtual clock */
        lab_point_note(LAB_POINT_SLEEP, NULL, "sleep", file, line);
        lab_sched_sleep(lab_real_seconds(class_seconds));
        lab_point_note(LAB_POINT_WOKE, NULL, "sleep", file, line);
        return;
    }
    if (class_seconds == 0)
        return;
    struct timespec left = lab_timespec_from_seconds(lab_real_seconds(class_seconds));
    lab_point(LAB_POINT_SLEEP, NULL, "sleep");
    while (nanosleep(&left, &left) == -1 && errno == EINTR)
        ; /* interrupted by a signal: sleep what is left */
    lab_point(LAB_POINT_WOKE, NULL, "sleep");
}

struct timespec lab_deadline(double class_seconds)
{
    if (LAB_SCHED_ON()) /* schedule control: an instant on the virtual clock */
        return lab_timespec_add(lab_timespec_from_seconds(lab_sched_now()),
                                lab_timespec_from_seconds(lab_real_seconds(class_seconds)));
    return lab_timespec_after(CLOCK_MONOTONIC, lab_real_seconds(class_seconds));
}

double lab_seconds_until(const struct timespec *deadline)
{
    double at = (double)deadline->tv_sec + (double)deadline->tv_nsec / 1e9;
    return at - lab_now();
}
