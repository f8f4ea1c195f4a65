/* Reference answer to exercise 3 of docs/join.md (explained in docs/answers/join.md):
 * join_all_with_deadline(): one overall deadline for all the joins, on the monotonic clock.
 * Part three starts --threads nappers (the last sleeps twice the deadline) and joins them
 * all within --seconds; the result line adds deadline_joined and deadline_waited.
 * Built by make test into build/<variant>/answers/; tests/test_course.c checks the claims
 * below (ARGS => an awk expression over its result: line) and grades it as the demo.
 * grade: demo join
 * check: --speed 20 --quiet => deadline_joined < threads && deadline_waited >= deadline - 0.01
 * check: --threads 4 --seconds 1 --speed 10 --quiet => deadline_joined < 4 && deadline_waited >= 0.99
 * The rest of the file is demos/join.c unchanged: diff the two.
 */
/* join — wait for threads: 10 threads each sleep 1.5 s, and the whole takes about 1.5 s.
 *
 * Python (Threads and pools): start 10 threads running do_something(1.5), keep them in a
 * list, then t.join() each one; "Finished in 1.51 second(s)", not 15, because the sleeps
 * overlap. pthread_join() is t.join(): the caller blocks until that thread has ended.
 * Part two is join with a timeout, Python's t.join(timeout) (The threading catalogue;
 * Threads and processes): a slow thread is joined with a limit of a third of its sleep;
 * the join gives up, the thread is still alive (is_alive() is true), and a plain join then
 * waits for the rest. In C that is the GNU extension pthread_timedjoin_np(): ETIMEDOUT.
 * The threads keep the set of those still running (The threading catalogue's
 * CleanOutputSet under a Lock): each adds its name when it starts and removes it
 * when done, printing in the same locked step, so every line shows the set as it is then,
 * and the one that leaves it empty says it was the last one out.
 * --join-in-loop is the classic mistake (Threads and processes, "t.start(); t.join()" in
 * one loop): each join waits before the next thread starts, so the sleeps run one after the
 * other: ~15 s instead of ~1.5 s.
 * Observe: every "Sleeping" line comes before any "Done" line; the elapsed time; main's
 * last line, the lesson: N threads of S s each took ~S s, not N x S.
 */
#include "lab.h"

static int threads = 10;
static double seconds = 1.5;
static bool join_in_loop = false;

/* The names of the threads still running; protected by remaining_lock, like the lines
 * printed about it (so that they come out in the order of the changes). */
static pthread_mutex_t remaining_lock = PTHREAD_MUTEX_INITIALIZER;
static const char **remaining; /* [threads + 1]: one slot per thread, NULL when free */
static int remaining_count;

/* Add name, and say so in the same locked step. */
static void remaining_add_and_say(const char *name)
{
    lab_pthread_mutex_lock(&remaining_lock);
    say("Sleeping %g second...", seconds);
    for (int i = 0; i <= threads; i++) {
        if (remaining[i] == NULL) {
            remaining[i] = name;
            break;
        }
    }
    remaining_count++;
    lab_pthread_mutex_unlock(&remaining_lock);
}

/* Remove name and say what remains (at most 4 names: lines stay within 100 columns). */
static void remaining_remove_and_show(const char *name)
{
    lab_pthread_mutex_lock(&remaining_lock);
    char shown[80] = "";
    int listed = 0;
    for (int i = 0; i <= threads; i++) {
        if (remaining[i] == name)
            remaining[i] = NULL;
        else if (remaining[i] != NULL && listed++ < 4)
            snprintf(shown + strlen(shown), sizeof shown - strlen(shown), " %s", remaining[i]);
    }
    remaining_count--;
    if (remaining_count == 0)
        say("Done Sleeping... (remaining: NONE): the last one out, all DONE");
    else
        say("Done Sleeping... (remaining %d:%s%s)", remaining_count, shown,
            remaining_count > 4 ? " ..." : "");
    lab_pthread_mutex_unlock(&remaining_lock);
}

static void *do_something(void *arg)
{
    (void)arg;
    const char *me = lab_thread_current_name(); /* this thread's own, lasting text */
    remaining_add_and_say(me);
    lab_sleep(seconds);
    remaining_remove_and_show(me);
    return NULL;
}

/* Part one: start them all, then join them all; returns the elapsed class seconds. */
static double start_and_join_all(void)
{
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    double begin = lab_now();
    for (int i = 0; i < threads; i++) {
        started[i] = lab_thread_start(do_something, NULL, LAB_THREAD_NOT_DAEMON, "sleeper-%d", i);
        if (join_in_loop) /* the mistake: wait for this one before starting the next */
            lab_thread_join(started[i]);
    }
    for (int i = 0; i < threads && !join_in_loop; i++)
        lab_thread_join(started[i]); /* blocks until sleeper i has ended */
    free(started);
    return lab_class_seconds(lab_now() - begin);
}

/* Part two: join with a timeout that is too short, then wait for real. */
static bool join_with_timeout_gives_up(void)
{
    lab_thread *slow = lab_thread_start(do_something, NULL, LAB_THREAD_NOT_DAEMON, "slowpoke");
    double limit = seconds / 3;
    say("join(timeout=%.2f) on %s...", limit, lab_thread_name(slow));
    if (lab_thread_join_timeout(slow, limit, NULL) == 0) { /* only if the machine stalled */
        say("it had already ended");
        return false;
    } /* ETIMEDOUT: the join gave up; the handle is still valid */
    say("join gave up: %s is still alive (is_alive() = %s); joining without a limit",
        lab_thread_name(slow), lab_thread_is_alive(slow) ? "True" : "False");
    lab_thread_join(slow); /* now it has ended: nothing more to say than main's summary */
    return true;
}

/* Part three (the exercise): thread i sleeps (i + 1) / threads * 2 * seconds. */
static double *naps;
static void *nap(void *arg)
{
    lab_sleep(*(double *)arg);
    return NULL;
}

/* One deadline for all the joins, not one timeout per join: each join gets only the time
 * left. The deadline is on the monotonic clock (lab_now): a wall-clock jump would stretch or
 * cut every remaining wait. Returns how many were joined in time; joined[i] says which. */
static int join_all_with_deadline(lab_thread **started, int n, double class_seconds, bool *joined)
{
    double deadline = lab_now() + lab_real_seconds(class_seconds);
    int count = 0;
    for (int i = 0; i < n; i++) {
        double left = lab_class_seconds(deadline - lab_now());
        /* past the deadline: 0 polls, so a thread that has already ended is still joined */
        joined[i] = lab_thread_join_timeout(started[i], left > 0 ? left : 0, NULL) == 0;
        count += joined[i];
    }
    return count;
}

static const lab_option options[] = {
    LAB_INT("threads", &threads, 1, 1000, "N", "threads to start"),
    LAB_DOUBLE("seconds", &seconds, 0, 60, "S", "how long each thread sleeps"),
    LAB_FLAG("join-in-loop", &join_in_loop, "join each thread right after starting it (serial)"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "join",
    .summary = "10 threads sleep 1.5 s each; joined, the whole takes ~1.5 s, not 15 s; join with a "
               "timeout",
    .python =
        "t = Thread(target=do_something, args=[1.5]); t.start(); ... t.join(); t.join(timeout); "
        "a Lock-protected set of remaining threads (Threads and pools; The threading "
        "catalogue; Threads and processes)",
    .details =
        "Part one starts --threads sleepers and joins each; the elapsed time is about one sleep.\n"
        "Each keeps a shared set of the running threads up to date under a lock; the last\n"
        "one out sees it empty. --join-in-loop joins each thread before starting the next:\n"
        "the sleeps run in series. Part two joins a slow thread with a timeout of a third of\n"
        "its sleep: the join returns while it is still alive, then a plain join waits.",
    .options = options,
    .invariant = "remaining == 0 && elapsed >= sleep - 0.01", /* what --explore checks */
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    remaining = lab_calloc((size_t)threads + 1, sizeof *remaining); /* + the slowpoke */
    double elapsed = start_and_join_all();
    double serial = threads * seconds;
    say("Finished in %.2f second(s); one after the other it would take %.2f", elapsed, serial);
    bool gave_up = join_with_timeout_gives_up();

    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    bool *joined = lab_calloc((size_t)threads, sizeof *joined);
    naps = lab_calloc((size_t)threads, sizeof *naps);
    for (int i = 0; i < threads; i++) {
        naps[i] = (i + 1) * 2.0 * seconds / threads; /* the last one sleeps 2 x the deadline */
        started[i] = lab_thread_start(nap, &naps[i], LAB_THREAD_NOT_DAEMON, "napper-%d", i);
    }
    double begin = lab_now();
    int in_time = join_all_with_deadline(started, threads, seconds, joined);
    double waited = lab_class_seconds(lab_now() - begin);
    say("one deadline of %g s for %d joins: %d joined in time, after %.2f s", seconds, threads,
        in_time, waited);
    for (int i = 0; i < threads; i++)
        if (!joined[i])
            lab_thread_join(started[i]); /* the rest, without a limit */
    free(started);
    free(joined);
    free(naps);
    if (join_in_loop)
        say("%d threads x %g s took %.2f s: joined in the start loop, they slept one at a time",
            threads, seconds, elapsed);
    else
        say("%d threads x %g s took %.2f s, not %.2f: they slept side by side", threads, seconds,
            elapsed, serial);
    lab_result("threads=%d sleep=%g join_in_loop=%s elapsed=%.2f serial_would_take=%.2f "
               "timed_join=%s remaining=%d deadline=%g deadline_joined=%d deadline_waited=%.2f",
               threads, seconds, join_in_loop ? "yes" : "no", elapsed, serial,
               gave_up ? "timeout" : "ended", remaining_count, seconds, in_time, waited);
    free(remaining);
    return 0;
}
