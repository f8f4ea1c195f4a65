/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/join.c with one
 * change: part one forgets to join: main measures the start loop alone (no time at
 * all) and reads the set of running threads while they still sleep.
 * Try: make grade DEMO=join SRC=tests/grade/broken/join-no-join.c
 * grade: demo join
 * Which guarantee shows it depends on the machine's load: the elapsed time (no join, no wait)
 * or the set not yet empty at the end (sleepers still running): either breaks the invariant.
 * case: join
 * runs: 3
 * expect: FAIL join: ; invariant broken
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
    /* BROKEN: no join: main goes on while the sleepers sleep */
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
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    remaining = lab_calloc((size_t)threads + 1, sizeof *remaining); /* + the slowpoke */
    double elapsed = start_and_join_all();
    double serial = threads * seconds;
    say("Finished in %.2f second(s); one after the other it would take %.2f", elapsed, serial);
    bool gave_up = join_with_timeout_gives_up();
    if (join_in_loop)
        say("%d threads x %g s took %.2f s: joined in the start loop, they slept one at a time",
            threads, seconds, elapsed);
    else
        say("%d threads x %g s took %.2f s, not %.2f: they slept side by side", threads, seconds,
            elapsed, serial);
    lab_result("threads=%d sleep=%g join_in_loop=%s elapsed=%.2f serial_would_take=%.2f "
               "timed_join=%s remaining=%d",
               threads, seconds, join_in_loop ? "yes" : "no", elapsed, serial,
               gave_up ? "timeout" : "ended", remaining_count);
    free(remaining);
    return 0;
}
