/* Reference answer to exercise 1 of docs/timer.md (explained in docs/answers/timer.md):
 * a repeating timer (JavaScript's setInterval), in two versions side by side. Each calls a
 * function that works 0.3 s, every --period seconds, for --run seconds, then is cancelled.
 *   "now + S":           the next deadline is computed after the call returns: every period
 *                        is S + the call + the wake-up delay, and the schedule drifts;
 *   "previous deadline + S": the schedule stays put; deadlines already past are skipped
 *                        (counted), never fired in a burst.
 * Each timer is a thread that sleeps on a condition variable (monotonic clock) until its
 * deadline or a cancel, like common/timer.c.
 * Built by make test into build/<variant>/answers/; tests/test_course.c checks the claim below.
 * check: --run 20 --speed 20 --quiet => calls_deadline_plus_s > calls_now_plus_s && calls_deadline_plus_s + skipped >= run / period - 1
 */
#include "lab.h"

static double period = 1.0, run = 60.0;
static const double work = 0.3; /* what the timer's function takes, class seconds */

typedef struct repeating {
    pthread_mutex_t lock;
    pthread_cond_t cancelled_cv; /* monotonic clock: deadlines from lab_deadline() */
    bool cancelled;              /* protected by lock */
    bool from_deadline;          /* the next deadline: previous + S, or now + S */
    int calls, skipped;          /* written by the timer thread; read after the join */
} repeating;

static void the_function(repeating *timer)
{
    timer->calls++;
    lab_sleep(work); /* the function's own work */
}

/* Waits until *deadline or a cancel; true when cancelled. */
static bool wait_or_cancel(repeating *timer, const struct timespec *deadline)
{
    lab_pthread_mutex_lock(&timer->lock);
    while (!timer->cancelled) { /* while: a wake-up may be spurious */
        int rc = pthread_cond_timedwait(&timer->cancelled_cv, &timer->lock, deadline);
        if (rc == ETIMEDOUT)
            break;
        LAB_CHECK(rc);
    }
    bool cancelled = timer->cancelled;
    lab_pthread_mutex_unlock(&timer->lock);
    return cancelled;
}

static void *repeat(void *arg)
{
    repeating *timer = arg;
    struct timespec next = lab_deadline(period);
    struct timespec step = lab_timespec_from_seconds(lab_real_seconds(period));
    while (!wait_or_cancel(timer, &next)) {
        the_function(timer);
        if (!timer->from_deadline) {
            next = lab_deadline(period); /* now + S: the call's time is added every period */
            continue;
        }
        next = lab_timespec_add(next, step);   /* previous deadline + S */
        while (lab_seconds_until(&next) < 0) { /* a call longer than S: skip, do not burst */
            next = lab_timespec_add(next, step);
            timer->skipped++;
        }
    }
    return NULL;
}

static const lab_option options[] = {
    LAB_DOUBLE("period", &period, 0.5, 10, "S", "seconds between calls (the function works 0.3 s)"),
    LAB_DOUBLE("run", &run, 1, 600, "T", "seconds before both timers are cancelled"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "timer_1",
    .summary = "two repeating timers: next deadline from now, or from the previous deadline",
    .python = "setInterval; threading.Timer restarted from its own function",
    .details = "Both timers call a 0.3 s function every --period s for --run s. The one that\n"
               "computes its next deadline from now drifts; the other keeps the schedule.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    repeating timers[2] = {{.from_deadline = false}, {.from_deadline = true}};
    lab_thread *threads[2];
    for (int i = 0; i < 2; i++) {
        LAB_SETUP(pthread_mutex_init(&timers[i].lock, NULL));
        LAB_SETUP(lab_pthread_cond_init_monotonic(&timers[i].cancelled_cv));
        threads[i] =
            lab_thread_start(repeat, &timers[i], LAB_THREAD_NOT_DAEMON, i ? "deadline+S" : "now+S");
    }
    lab_sleep(run);
    for (int i = 0; i < 2; i++) { /* cancel: set the flag under the lock, wake the thread */
        lab_pthread_mutex_lock(&timers[i].lock);
        timers[i].cancelled = true;
        lab_pthread_cond_signal(&timers[i].cancelled_cv);
        lab_pthread_mutex_unlock(&timers[i].lock);
    }
    for (int i = 0; i < 2; i++)
        lab_thread_join(threads[i]);
    say("in %g s at one call every %g s: now+S called %d times, deadline+S %d (+%d skipped)", run,
        period, timers[0].calls, timers[1].calls, timers[1].skipped);
    lab_result("run=%g period=%g work=%g calls_now_plus_s=%d calls_deadline_plus_s=%d skipped=%d",
               run, period, work, timers[0].calls, timers[1].calls, timers[1].skipped);
    return 0;
}
