/* clock.h — one clock for the whole sandbox, and sleeps that honour the speed factor.
 *
 * Every duration a demo or a library primitive is given is in *class seconds*: the pace
 * the tutorials use in class. The speed factor (--speed X, or the environment variable
 * LAB_SPEED) divides them all, so the same demo runs at class pace (X = 1) or 50 times
 * faster in the tests (X = 50) and tells the same story.
 * Timestamps (lab_now, lab_elapsed) are real seconds on CLOCK_MONOTONIC, which never
 * jumps when somebody sets the wall clock.
 */
#ifndef THREADLAB_CLOCK_H
#define THREADLAB_CLOCK_H

#include <time.h>

/* A timeout that never expires (Python's timeout=None), for the functions that take one. */
#define LAB_FOREVER (-1.0)

/* Real seconds on the monotonic clock (an arbitrary origin). Can't fail. */
double lab_now(void);
/* Real seconds since the program started. Can't fail. */
double lab_elapsed(void);

/* Set the speed factor (> 0); 1 is class pace. Call before starting threads. */
void lab_set_speed(double factor);
/* The current speed factor. */
double lab_speed(void);

/* Convert class seconds to the real seconds they last at the current speed. */
double lab_real_seconds(double class_seconds);
/* Convert measured real seconds back to class seconds (elapsed * speed). */
double lab_class_seconds(double real_seconds);

/* Sleep class_seconds / speed real seconds; resumes after signal interruptions.
 * A zero, negative or NaN duration returns at once; longer than ~31 years is cut to that. */
void lab_sleep(double class_seconds);

/* The CLOCK_MONOTONIC instant class_seconds (scaled) from now, for timed waits on
 * condition variables made by lab_pthread_cond_init_monotonic(). Negative or NaN means now;
 * an infinite or huge duration is cut to ~31 years, which time_t can always hold. */
struct timespec lab_deadline(double class_seconds);
/* Real seconds left until a lab_deadline() instant (negative when it has passed). */
double lab_seconds_until(const struct timespec *deadline);

#endif
