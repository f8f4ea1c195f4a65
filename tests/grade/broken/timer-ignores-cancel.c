/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/timer.c with one
 * change: cancel()'s answer is thrown away: a cancelled reminder is reported as fired.
 * Try: make grade DEMO=timer SRC=tests/grade/broken/timer-ignores-cancel.c
 * grade: demo timer
 * expect: FAIL timer: ; fired + cancelled == 2
 */
/* timer — run a function later: Timer(5, hello) fires 5 s after start(); a timer
 * cancelled before its time never runs.
 *
 * Python (Threads and processes): t = Timer(5.0, fun); t.start() prints the time before and after
 * start() — the same second: start() returns at once — and "hello, world" appears 5 s
 * later. Seed 003's object table: a Timer is "a Thread that waits before it runs".
 * C has no Timer. lab_timer (common/timer.h) is a thread that waits on a condition
 * variable with a deadline (pthread_cond_timedwait on CLOCK_MONOTONIC); cancel() marks
 * the timer cancelled under its lock and signals the condition, so the thread wakes at
 * once and ends without calling anything.
 * Observe: both timers start at 0; at 1 s cancel() on the 3 s reminder returns true: it
 * never runs; "hello, world" comes at 5 s from thread timer-1.
 * --cancel-late cancels the reminder at 4 s, after it has fired: cancel() returns false,
 * it is too late, and the reminder ran (fired=2 cancelled=0).
 */
#include "lab.h"
#include "timer.h"

#include <stdatomic.h>

static double delay = 5.0;
static bool cancel_late = false;

static atomic_int fired;        /* timer functions that ran */
static _Atomic double hello_at; /* lab_now() when hello ran */

static void hello(void *arg)
{
    (void)arg;
    atomic_store(&hello_at, lab_now());
    atomic_fetch_add(&fired, 1);
    say("hello, world");
}

static void reminder(void *arg)
{
    (void)arg;
    atomic_fetch_add(&fired, 1);
    say("reminder: this line only appears if nobody cancelled me in time");
}

static const lab_option options[] = {
    LAB_DOUBLE("delay", &delay, 0.1, 600, "S", "hello's delay; the reminder waits 0.6 x S"),
    LAB_FLAG("cancel-late", &cancel_late, "cancel the reminder after it fired (too late)"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "timer",
    .summary = "Timer(5, hello) fires 5 s after start(); a timer cancelled in time never runs",
    .python = "t = threading.Timer(5.0, hello); t.start(); t.cancel() (Threads and processes)",
    .details =
        "Two timers start together: hello after --delay (5 s) and a reminder after 0.6 x delay (3 "
        "s).\n"
        "At 0.2 x delay (1 s) main cancels the reminder: cancel() returns true and it never runs.\n"
        "With --cancel-late main cancels at 0.8 x delay, after the reminder fired: cancel() is too "
        "late.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    double reminder_delay = 0.6 * delay;
    double cancel_at = (cancel_late ? 0.8 : 0.2) * delay;

    double begin = lab_now();
    say("before start(): t = %.3f", lab_elapsed());
    lab_timer *hello_timer, *reminder_timer;
    LAB_SETUP_NEW(hello_timer = lab_timer_start(delay, hello, NULL, "timer-1"));
    LAB_SETUP_NEW(reminder_timer = lab_timer_start(reminder_delay, reminder, NULL, "timer-2"));
    lab_point_name(hello_timer, "hello timer");
    lab_point_name(reminder_timer, "reminder timer");
    say("after start():  t = %.3f -- start() returned at once; hello in %g s, reminder in %g s",
        lab_elapsed(), delay, reminder_delay);

    lab_sleep(cancel_at);
    bool prevented = (lab_timer_cancel(reminder_timer), false); /* decided under the timer's lock */
    if (prevented)
        say("cancel(reminder) -> true: it had not fired, and now it never will");
    else
        say("cancel(reminder) -> false: too late, it already fired");

    lab_timer_join(reminder_timer); /* ends at once when cancelled */
    lab_timer_join(hello_timer);    /* ends after hello has run */
    double hello_after = lab_class_seconds(atomic_load(&hello_at) - begin);
    say("hello fired %.2f s after start(); %d timer function(s) ran", hello_after,
        atomic_load(&fired));
    lab_result("fired=%d cancelled=%d hello_after=%.2f", atomic_load(&fired), prevented ? 1 : 0,
               hello_after);
    return 0;
}
