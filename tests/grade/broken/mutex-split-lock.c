/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/mutex.c with one
 * change: --mode=loop locks the load and the store separately: each access is locked, the
 * update is not: another thread can store between this thread's load and its store.
 * Try: make grade DEMO=mutex SRC=tests/grade/broken/mutex-split-lock.c
 * grade: demo mutex
 * case: explore
 * expect: FAIL explore: 'mutex --mode=loop ; --schedule= ; breaks lost == 0
 */
/* mutex — the race fixed: a pthread_mutex_t around the update, and nothing is lost.
 *
 * Python (The threading catalogue): the same threads doing temp = n; sleep(0.1);
 * n = temp - 1, now between lock.acquire() and lock.release(); n always ends at 0. And the
 * tutorial's "lock start ... / lock end ..." trace (with lock: ...), showing who holds the lock.
 * pthread_mutex_lock() is lock.acquire(): only one thread at a time gets past it; the
 * others wait until pthread_mutex_unlock(). The read - sleep - write is now one step as
 * far as other threads can tell.
 * Observe: the trace alternates "got the lock" / "releasing" one thread at a time, and the
 * run takes --threads x --window s: the lock serialises the sleep too (the price of the fix;
 * keep critical sections short). The window is 0.3 s here so that a class can read one
 * holder at a time; --window 0.1 is the tutorial's. --mode=loop is race's loop, locked
 * around each += 1.
 * This file is demos/race.c plus the lock: `diff demos/race.c demos/mutex.c` shows it.
 */
#include "lab.h"

static int threads = 0;    /* 0: the mode's default */
static int iterations = 0; /* 0: the mode's default */
static int mode = 0;
static const char *const mode_names[] = {"window", "loop", NULL};
enum { MODE_WINDOW, MODE_LOOP };

static long counter; /* protected by counter_lock */
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static double window_seconds = 0.3; /* the tutorial: 0.1 (--window 0.1) */

/* The tutorial's work(): read, pause, write back one less, all under the lock. */
static void *decrement_with_a_window(void *arg)
{
    (void)arg;
    for (int i = 0; i < iterations; i++) {
        say("lock start (waiting for the lock)");
        lab_pthread_mutex_lock(&counter_lock); /* lock.acquire(): one thread at a time */
        long temp = counter;                   /* read */
        say("got the lock, read n = %ld", temp);
        lab_sleep(window_seconds); /* the others wait at the lock meanwhile */
        counter = temp - 1;        /* write: nobody wrote in between */
        say("wrote n = %ld, releasing the lock", temp - 1);
        lab_pthread_mutex_unlock(&counter_lock); /* lock.release(): the next one goes in */
        say("lock end");
    }
    return NULL;
}

/* counter += 1, spelled as the separate load and store the CPU really does. */
static void *increment_in_a_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < iterations; i++) {
        lab_pthread_mutex_lock(&counter_lock);
        long seen = counter;                     /* load */
        lab_pthread_mutex_unlock(&counter_lock); /* the mistake: the update is two steps */
        lab_pthread_mutex_lock(&counter_lock);
        counter = seen + 1; /* store */
        lab_pthread_mutex_unlock(&counter_lock);
    }
    say("done: %d increments", iterations);
    return NULL;
}

static const lab_option options[] = {
    {.name = "threads",
     .kind = LAB_OPT_INT,
     .target = &threads,
     .meta = "N",
     .min = 1,
     .max = 1000,
     .help = "threads to start",
     .default_text = "10 for window, 4 for loop"},
    {.name = "iterations",
     .kind = LAB_OPT_INT,
     .target = &iterations,
     .meta = "N",
     .min = 1,
     .max = 100000000,
     .help = "updates per thread (window mode: at most 100)",
     .default_text = "1 for window, 1000000 for loop"},
    LAB_CHOICE("mode", &mode, mode_names,
               "window: read-sleep-write (the tutorial); loop: tight += 1"),
    {.name = "window",
     .kind = LAB_OPT_DOUBLE,
     .target = &window_seconds,
     .meta = "S",
     .min = 0,
     .max = 10,
     .help = "window mode: class seconds between read and write (the tutorial: 0.1)"},
    LAB_END,
};

/* Each window-mode update sleeps --window s: a million of them would take days, not seconds. */
static const char *check_iterations(void)
{
    if (mode == MODE_WINDOW && iterations > 100)
        return "--iterations: at most 100 in window mode (each update sleeps); "
               "--mode=loop takes millions";
    return NULL;
}

static const lab_demo demo = {
    .name = "mutex",
    .summary = "the same counter with a pthread_mutex_t: never an update lost",
    .python = "lock.acquire(); temp = n; sleep(0.1); n = temp - 1; lock.release() "
              "(The threading catalogue)",
    .details = "window: 10 threads (the tutorial: --threads 100 --window 0.1, 10 s: the lock\n"
               "serialises the sleep) each read n, sleep 0.3 s and write n - 1 holding the lock;\n"
               "n ends at 0.\n"
               "loop: race's 4 x 1000000 increments, each under the lock. Either way: lost=0.",
    .options = options,
    .check = check_iterations,
    .invariant = "lost == 0", /* what --explore checks */
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    lab_point_name(&counter_lock, "counter lock"); /* shown by --timeline and --trace */
    if (threads == 0)
        threads = mode == MODE_WINDOW ? 10 : 4;
    if (iterations == 0)
        iterations = mode == MODE_WINDOW ? 1 : 1000000;
    long updates = (long)threads * iterations;
    counter = mode == MODE_WINDOW ? updates : 0; /* window counts down to 0, loop counts up */
    long expected = mode == MODE_WINDOW ? 0 : updates;
    say("%d threads x %d updates, under a mutex; counter starts at %ld, should end at %ld", threads,
        iterations, counter, expected);

    lab_thread_fn work = mode == MODE_WINDOW ? decrement_with_a_window : increment_in_a_loop;
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    for (int i = 0; i < threads; i++)
        started[i] = lab_thread_start(work, NULL, LAB_THREAD_NOT_DAEMON, "t%d", i);
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]);
    free(started);

    long actual = counter; /* every thread has been joined: no lock needed to read it now */
    long lost = mode == MODE_WINDOW ? actual - expected : expected - actual;
    say("counter = %ld, expected %ld: %ld of %ld updates were lost", actual, expected, lost,
        updates);
    lab_result("mode=%s expected=%ld actual=%ld lost=%ld", mode_names[mode], expected, actual,
               lost);
    return 0;
}
