/* join — wait for threads: 10 threads each sleep 1.5 s, and the whole takes about 1.5 s.
 *
 * Python (seed 000): start 10 threads running do_something(1.5), keep them in a list,
 * then t.join() each one; "Finished in 1.51 second(s)", not 15, because the sleeps
 * overlap. pthread_join() is t.join(): the caller blocks until that thread has ended.
 * Part two is join with a timeout, Python's t.join(timeout): a slow thread is joined with
 * a limit of a third of its sleep; the join gives up, the thread is still alive
 * (is_alive() is true), and a plain join then waits for the rest. In C that is the GNU
 * extension pthread_timedjoin_np(), which reports ETIMEDOUT.
 * Observe: every "Sleeping" line comes before any "Done" line; the elapsed time.
 */
#include "lab.h"

static int threads = 10;
static double seconds = 1.5;

static void *do_something(void *arg)
{
    (void)arg;
    say("Sleeping %g second...", seconds);
    lab_sleep(seconds);
    say("Done Sleeping...");
    return NULL;
}

/* Part one: start them all, then join them all; returns the elapsed class seconds. */
static double start_and_join_all(void)
{
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    double begin = lab_now();
    for (int i = 0; i < threads; i++)
        started[i] = lab_thread_start(do_something, NULL, LAB_THREAD_NOT_DAEMON, "sleeper-%d", i);
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]);   /* blocks until sleeper i has ended */
    free(started);
    return lab_class_seconds(lab_now() - begin);
}

/* Part two: join with a timeout that is too short, then wait for real. */
static bool join_with_timeout_gives_up(void)
{
    lab_thread *slow = lab_thread_start(do_something, NULL, LAB_THREAD_NOT_DAEMON, "slowpoke");
    double limit = seconds / 3;
    say("join(timeout=%.2f) on %s...", limit, lab_thread_name(slow));
    if (lab_thread_join_timeout(slow, limit, NULL) == 0) {   /* only if the machine stalled */
        say("it had already ended");
        return false;
    }   /* ETIMEDOUT: the join gave up; the handle is still valid */
    say("join gave up: %s is still alive (is_alive() = %s); joining without a limit",
        lab_thread_name(slow), lab_thread_is_alive(slow) ? "True" : "False");
    lab_thread_join(slow);
    say("slowpoke has ended");
    return true;
}

static const lab_option options[] = {
    LAB_INT("threads", &threads, 1, 1000, "N", "threads to start"),
    LAB_DOUBLE("seconds", &seconds, 0, 60, "S", "how long each thread sleeps"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "join",
    .summary = "10 threads sleep 1.5 s each; joined, the whole takes ~1.5 s, not 15 s; join with a timeout",
    .python = "t = Thread(target=do_something, args=[1.5]); t.start(); ... t.join(); t.join(timeout) (seed 000, 004)",
    .details = "Part one starts --threads sleepers and joins each; the elapsed time is about one sleep.\n"
               "Part two joins a slow thread with a timeout of a third of its sleep: the join returns\n"
               "while the thread is still alive, then a plain join waits for it.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    double elapsed = start_and_join_all();
    double serial = threads * seconds;
    say("Finished in %.2f second(s); one after the other it would take %.2f", elapsed, serial);
    bool gave_up = join_with_timeout_gives_up();
    lab_result("threads=%d sleep=%g elapsed=%.2f serial_would_take=%.2f timed_join=%s", threads,
               seconds, elapsed, serial, gave_up ? "timeout" : "ended");
    return 0;
}
