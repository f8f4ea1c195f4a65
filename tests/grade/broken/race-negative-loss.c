/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/race.c with one
 * change: the count of lost updates has the wrong sign when counting down.
 * Try: make grade DEMO=race SRC=tests/grade/broken/race-negative-loss.c
 * grade: demo race
 * expect: FAIL race-window: ; lost == actual
 */
/* race — a counter shared by many threads with no lock: updates get lost.
 *
 * Python (The threading catalogue, the mutex example with its lock taken out): 100 threads (here 10, or
 * --threads 100) each do   temp = n; time.sleep(0.1); n = temp - 1   on a global n that
 * starts at the number of threads. They all read n before any of them writes it back, so
 * each write overwrites the others' and n ends one below its start instead of 0.
 *   --mode=window (default): that read - sleep - write, --iterations times per thread.
 *   --mode=loop: the classic `counter += 1` in a tight loop, --iterations times per thread.
 *     The window between load and store is only a few instructions wide, but it is hit
 *     millions of times, and with two CPUs both threads are inside it at once.
 * Why `volatile`: `counter += 1` in a loop is one load and one store per pass only at -O0.
 * At -O2 the compiler may load once, add N in a register and store once (the whole loop
 * becomes `counter += N`), and then nothing is lost: the bug hides, it is not gone. volatile
 * makes every access a real load and a real store, so the race is real in every build.
 * (volatile does NOT make the code thread-safe: this is still a data race, and undefined
 * behaviour in C11. `make tsan` reports it. The fix is demos/mutex.c: diff the two files.)
 */
#include "lab.h"

static int threads = 0;    /* 0: the mode's default */
static int iterations = 0; /* 0: the mode's default */
static int mode = 0;
static const char *const mode_names[] = {"window", "loop", NULL};
enum { MODE_WINDOW, MODE_LOOP };

static volatile long counter; /* shared by every thread, protected by nothing */
static const double window_seconds = 0.1;

/* The tutorial's work(): read, pause, write back one less. */
static void *decrement_with_a_window(void *arg)
{
    (void)arg;
    for (int i = 0; i < iterations; i++) {
        long temp = counter; /* read */
        say("read n = %ld", temp);
        lab_sleep(window_seconds); /* every other thread reads the same value meanwhile */
        counter = temp - 1;        /* write: overwrites whatever the others wrote */
        say("wrote n = %ld", temp - 1);
    }
    return NULL;
}

/* counter += 1, spelled as the separate load and store the CPU really does. */
static void *increment_in_a_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < iterations; i++) {
        long seen = counter; /* load */
        counter = seen + 1;  /* store: another thread may have stored in between */
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
    LAB_END,
};

/* Each window-mode update sleeps 0.1 s: a million of them would take days, not seconds. */
static const char *check_iterations(void)
{
    if (mode == MODE_WINDOW && iterations > 100)
        return "--iterations: at most 100 in window mode (each update sleeps 0.1 s); "
               "--mode=loop takes millions";
    return NULL;
}

static const lab_demo demo = {
    .name = "race",
    .summary = "many threads update one counter with no lock, and updates get lost",
    .python = "temp = n; time.sleep(0.1); n = temp - 1 in 100 threads, without the Lock (The "
              "threading catalogue)",
    .details = "window: 10 threads (the tutorial: --threads 100) each read n, sleep 0.1 s and\n"
               "write n - 1; n starts at 10 and should end at 0.\n"
               "loop: 4 threads each do counter += 1 a million times; it should end at 4000000.\n"
               "The result line says how many updates were lost. Run it a few times: it changes.",
    .options = options,
    .check = check_iterations,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    if (threads == 0)
        threads = mode == MODE_WINDOW ? 10 : 4;
    if (iterations == 0)
        iterations = mode == MODE_WINDOW ? 1 : 1000000;
    long updates = (long)threads * iterations;
    counter = mode == MODE_WINDOW ? updates : 0; /* window counts down to 0, loop counts up */
    long expected = mode == MODE_WINDOW ? 0 : updates;
    say("%d threads x %d updates, no lock; counter starts at %ld, should end at %ld", threads,
        iterations, counter, expected);

    lab_thread_fn work = mode == MODE_WINDOW ? decrement_with_a_window : increment_in_a_loop;
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    for (int i = 0; i < threads; i++)
        started[i] = lab_thread_start(work, NULL, LAB_THREAD_NOT_DAEMON, "t%d", i);
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]);
    free(started);

    long actual = counter;
    long lost = expected - actual;
    say("counter = %ld, expected %ld: %ld of %ld updates were lost", actual, expected, lost,
        updates);
    lab_result("mode=%s expected=%ld actual=%ld lost=%ld", mode_names[mode], expected, actual,
               lost);
    return 0;
}
