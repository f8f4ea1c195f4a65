/* timer.h — call a function once, after a delay, on a thread of its own.
 *
 * Python's threading.Timer(interval, function): a Thread that waits interval seconds,
 * then calls function, unless cancel() was called first. Here:
 *
 *     lab_timer *t = lab_timer_start(5.0, hello, NULL, "timer-%d", 1);   // Timer(5, hello).start()
 *     if (lab_timer_cancel(t)) ... hello will never run ...              // t.cancel()
 *     lab_timer_join(t);                                                 // t.join(); frees t
 *
 * The delay is in class seconds (scaled by --speed), measured on the monotonic clock.
 * The timer thread waits on a condition variable with a deadline, so cancel() wakes it
 * at once and it ends without calling anything. Python's cancel() returns None and is
 * only effective "while the timer is still in its waiting stage"; lab_timer_cancel()
 * says which case happened: true means the function has not run and never will; false
 * means it was too late (the function is running or has run). Deciding between "fire"
 * and "cancel" happens under the timer's lock, so there is no window where both win.
 * The thread is not a daemon (like Python's Timer): lab_main_exit() waits for it.
 *
 * Time: the delay is >= 0 class seconds (0 fires at once); a negative, NaN or infinite
 * delay is refused (NULL with errno EINVAL, no thread started), never read as "forever".
 *
 * Scheduling points (point.h), object = the timer, word "timer": the timer thread reports
 * WAIT when it begins to wait for a cancel (under the timer's lock), then GET when it got
 * a cancel (it ends without calling fn) or TIMEOUT when the delay ran out (it fires: fn is
 * called next), both after the timer's unlock; a cancel that prevents the call reports
 * RELEASE (under the timer's lock, before the unlock that lets the timer thread go).
 *
 * LOCKING PROTOCOL: each timer has its own internal mutex; no function here expects the
 * caller to hold a lock, and the function runs with no timer lock held.
 */
#ifndef THREADLAB_TIMER_H
#define THREADLAB_TIMER_H

#include <stdbool.h>

typedef struct lab_timer lab_timer;

/* What a timer calls. */
typedef void (*lab_timer_fn)(void *arg);

/* Start a thread, named by the printf-style format, that calls fn(arg) after delay
 * class seconds >= 0 (0: at once) unless cancelled first. Returns the handle (the caller
 * joins it once), or NULL with errno EINVAL for a negative, NaN or infinite delay (nothing
 * started). Exits with status 1, like lab_thread_start, when the system refuses the
 * thread. Aborts on a pthread error. */
lab_timer *lab_timer_start(double delay, lab_timer_fn fn, void *arg, const char *name_format, ...)
    __attribute__((format(printf, 4, 5)));

/* Stop the timer if it has not fired: true when fn has not run and now never will
 * (also when it was cancelled before); false when fn already started (too late is an
 * answer, not an error: the same as lab_future_cancel). Aborts on a pthread error. */
bool lab_timer_cancel(lab_timer *timer);

/* Whether the timer has fired: fn has been called, or is about to be. Aborts on a
 * pthread error. */
bool lab_timer_fired(lab_timer *timer);

/* Wait for the timer's thread to end (after fn returned, or at once after a cancel) and
 * free the handle: use it no more (join each timer once). Aborts on a pthread error. */
void lab_timer_join(lab_timer *timer);

#endif
