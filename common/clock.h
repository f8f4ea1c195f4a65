/* clock.h — one clock for the whole sandbox, and sleeps that honour the speed factor.
 *
 * Every duration a demo or a library primitive is given is in *class seconds*: the pace
 * the tutorials use in class. The speed factor (--speed X, or the environment variable
 * LAB_SPEED) divides them all, so the same demo runs at class pace (X = 1) or 50 times
 * faster in the tests (X = 50) and tells the same story.
 * Timestamps (lab_now, lab_elapsed) are real seconds on CLOCK_MONOTONIC, which never
 * jumps when somebody sets the wall clock.
 *
 * The one rule for time (docs/contributing.md): a duration is >= 0 class seconds, 0 polls,
 * and a negative, NaN or infinite one is refused (EINVAL), never read as "forever".
 * lab_clock_check_duration() is that rule, for every module that takes a duration.
 * All timespec arithmetic of the library is here, with its one cap: a wait never goes
 * beyond LAB_CLOCK_LONGEST_WAIT real seconds (~31 years, which time_t always holds).
 */
#ifndef THREADLAB_CLOCK_H
#define THREADLAB_CLOCK_H

#include <stdbool.h>
#include <time.h>

/* The longest wait, in real seconds (~31 years): longer durations are cut to it. */
#define LAB_CLOCK_LONGEST_WAIT 1e9

/* Real seconds on the monotonic clock (an arbitrary origin). Can't fail. */
double lab_now(void);
/* Real seconds since the program started. Can't fail. */
double lab_elapsed(void);

/* Set the speed factor; 1 is class pace. A factor that is not finite and > 0 is ignored.
 * Call before starting threads. Can't fail. */
void lab_set_speed(double factor);
/* The current speed factor. Can't fail. */
double lab_speed(void);

/* Convert class seconds to the real seconds they last at the current speed. Can't fail. */
double lab_real_seconds(double class_seconds);
/* Convert measured real seconds back to class seconds (elapsed * speed). Can't fail. */
double lab_class_seconds(double real_seconds);

/* The one rule for time: returns 0 when class_seconds is a duration (finite and >= 0),
 * EINVAL when it is negative, NaN or infinite. Can't fail. */
int lab_clock_check_duration(double class_seconds);

/* Sleep class_seconds / speed real seconds (0 returns at once); resumes after signal
 * interruptions; longer than LAB_CLOCK_LONGEST_WAIT is cut to it. A negative, NaN or
 * infinite duration is a programming error: it aborts with
 *     fatal: lab_sleep(-1.000) at demos/x.c:12: Invalid argument
 * naming the caller's file and line. */
#define lab_sleep(class_seconds) lab_sleep_at((class_seconds), __FILE__, __LINE__)
void lab_sleep_at(double class_seconds, const char *file, int line);

/* The instant real_seconds from now on `clock` (CLOCK_MONOTONIC for condition variables
 * made by lab_pthread_cond_init_monotonic(); CLOCK_REALTIME for pthread_timedjoin_np and
 * pthread_mutex_timedlock). A negative or NaN duration means now; longer than
 * LAB_CLOCK_LONGEST_WAIT is cut to it. Can't fail. */
struct timespec lab_timespec_after(clockid_t clock, double real_seconds);
/* real_seconds as a timespec, cut to [0, LAB_CLOCK_LONGEST_WAIT] (NaN gives 0). Can't fail. */
struct timespec lab_timespec_from_seconds(double real_seconds);
/* a + b, normalised (0 <= tv_nsec < 1e9). Can't fail. */
struct timespec lab_timespec_add(struct timespec a, struct timespec b);

/* For the library's timed waits: the CLOCK_MONOTONIC instant class_seconds (scaled) from
 * now. Negative or NaN means now (callers check the duration first with
 * lab_clock_check_duration); huge ones are cut to LAB_CLOCK_LONGEST_WAIT. Can't fail. */
struct timespec lab_deadline(double class_seconds);
/* Real seconds left until a CLOCK_MONOTONIC instant (negative when it has passed).
 * Can't fail. */
double lab_seconds_until(const struct timespec *deadline);

#endif
