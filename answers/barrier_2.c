/* Reference answer to exercise 2 of docs/barrier.md (explained in docs/answers/barrier.md):
 * after each heat the runners wait at a second barrier, the finish line; the one told
 * PTHREAD_BARRIER_SERIAL_THREAD there prints the heat's results: every runner's time is
 * written before it reached the barrier, so all of them are there to read. results_complete
 * counts the heats whose printer found every time written (always all of them).
 * Built by make test into build/<variant>/answers/; tests/test_course.c checks the claims
 * below (ARGS => an awk expression over its result: line) and grades it as the demo.
 * grade: demo barrier
 * check: --speed 50 --quiet => results_complete == heats
 * The rest of the file is demos/barrier.c unchanged: diff the two.
 */
/* barrier — runners wait at the start line, then all start together.
 *
 * Python (The threading catalogue, its table of threading objects): Barrier — "a number of
 * threads must reach it before any of them goes on". b = threading.Barrier(5,
 * action=fire_pistol); each runner calls b.wait(); the fifth arrival releases all five, and one
 * of them runs the action.
 * In C: pthread_barrier_init(&b, NULL, 5), then pthread_barrier_wait(&b) in each thread. It
 * returns PTHREAD_BARRIER_SERIAL_THREAD in exactly one of the threads it releases (which
 * one is unspecified) and 0 in the others: that one thread does the once-per-round job, here
 * firing the starting pistol. (Python's wait() instead returns an index 0..n-1.)
 * Runners walk to the start line at different speeds; at the line they wait for the others.
 * A barrier resets itself when it opens, so the same one serves every heat (--heats).
 * Observe: every "at the start line" of a heat comes before its first "off"; the starts of
 * a heat are within a fraction of a millisecond (start_spread_ms), nobody starts before the
 * last runner is in (early_starts=0), and there is one BANG per heat.
 * --no-barrier: each runner starts as soon as it reaches the line: the starts spread over
 * as much as the walks differ (hundreds of milliseconds at class pace), early_starts > 0.
 */
#include "lab.h"

#include <stdatomic.h>

#define MAX_HEATS 10

static int threads = 5;
static int heats = 2;
static bool no_barrier = false;

static pthread_barrier_t start_line;       /* opens when all runners are waiting at it */
static atomic_int serial_count[MAX_HEATS]; /* threads told they are the serial one, per heat */
static pthread_barrier_t finish_line;      /* the exercise: opens when all have finished the heat */
static atomic_int results_complete;        /* heats whose printer saw every runner's time */

typedef struct runner {
    int number;
    double arrive[MAX_HEATS]; /* lab_now() on reaching the start line, per heat */
    double start[MAX_HEATS];  /* lab_now() on starting to run, per heat (both by the runner) */
    double ran[MAX_HEATS];    /* class seconds run, per heat: written before the finish line */
} runner;

static runner *everyone; /* read only by the finish line's serial thread, after the barrier */

/* At the finish line: wait for everyone; the serial thread prints the heat's results. */
static void cross_the_finish_line(int heat)
{
    if (no_barrier)
        return;
    if (!lab_pthread_barrier_wait(&finish_line)) /* all have written ran[heat] before this */
        return;
    char line[LAB_LINE_MAX];
    size_t used = 0;
    int written = 0;
    for (int i = 0; i < threads && used + 16 < sizeof line; i++) {
        written += everyone[i].ran[heat] > 0;
        used += (size_t)snprintf(line + used, sizeof line - used, " %d:%.2f", i + 1,
                                 everyone[i].ran[heat]);
    }
    if (written == threads)
        atomic_fetch_add(&results_complete, 1);
    say("heat %d results (runner:seconds):%s", heat + 1, line);
}

/* Arrive at the line; wait there until everyone is in (unless --no-barrier), then go. */
static void take_the_start(runner *me, int heat)
{
    me->arrive[heat] = lab_now();
    if (no_barrier) {
        me->start[heat] = lab_now();
        say("heat %d: at the start line, nobody to wait for: off at once", heat + 1);
        return;
    }
    say("heat %d: at the start line, waiting for the others", heat + 1);
    bool serial = lab_pthread_barrier_wait(&start_line); /* blocks until all runners have arrived */
    me->start[heat] = lab_now(); /* before any say(): printing takes a lock and time */
    if (serial) {                /* exactly one of the released threads hears this */
        atomic_fetch_add(&serial_count[heat], 1);
        say("heat %d: all %d here, I'm the serial thread: BANG! and they're off", heat + 1,
            threads);
    } else {
        say("heat %d: off", heat + 1);
    }
}

static void *run_the_heats(void *arg)
{
    runner *me = arg;
    lab_rng rng = lab_rng_stream((uint64_t)me->number);
    for (int heat = 0; heat < heats; heat++) {
        lab_sleep(lab_rng_uniform(&rng, 0.2, 1.5)); /* walking to the start line */
        take_the_start(me, heat);
        lab_sleep(lab_rng_uniform(&rng, 0.5, 1.0)); /* running */
        double ran = lab_class_seconds(lab_now() - me->start[heat]);
        me->ran[heat] = ran;
        say("heat %d: finished, %.2f s after my start", heat + 1, ran);
        cross_the_finish_line(heat);
    }
    return NULL;
}

/* Runners of a heat who started before the last one had reached the line. */
static int early_starts(const runner *runners, int heat)
{
    double last_arrival = runners[0].arrive[heat];
    for (int i = 1; i < threads; i++)
        if (runners[i].arrive[heat] > last_arrival)
            last_arrival = runners[i].arrive[heat];
    int early = 0;
    for (int i = 0; i < threads; i++)
        early += runners[i].start[heat] < last_arrival;
    return early;
}

/* Real milliseconds between the first and the last start of a heat. */
static double start_spread_ms(const runner *runners, int heat)
{
    double first = runners[0].start[heat], last = first;
    for (int i = 1; i < threads; i++) {
        if (runners[i].start[heat] < first)
            first = runners[i].start[heat];
        if (runners[i].start[heat] > last)
            last = runners[i].start[heat];
    }
    return (last - first) * 1000;
}

static const lab_option options[] = {
    LAB_INT("threads", &threads, 1, 1000, "N", "runners"),
    LAB_INT("heats", &heats, 1, MAX_HEATS, "N", "heats run with the same barrier"),
    LAB_FLAG("no-barrier", &no_barrier,
             "contrast: each runner starts as soon as it reaches the line"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "barrier",
    .summary = "runners wait at the start line (pthread_barrier_t) and all start together",
    .python = "start_line = threading.Barrier(5, action=fire_pistol); start_line.wait() "
              "(The threading catalogue)",
    .details =
        "Each runner walks to the start line (0.2 to 1.5 s), waits there for all the others, then "
        "runs.\n"
        "The barrier opens when the last runner arrives; exactly one of the released threads gets\n"
        "PTHREAD_BARRIER_SERIAL_THREAD and fires the pistol. The same barrier is reused for each "
        "heat.\n"
        "start_spread_ms is the largest spread of one heat's start instants, in real "
        "milliseconds.\n"
        "  --no-barrier  runners start on arrival: the spread is the spread of the walks",
    .options = options,
    .invariant = "early_starts == 0", /* what --explore checks */
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    if (!no_barrier) /* count: all runners */
        LAB_SETUP(lab_pthread_barrier_init(&start_line, (unsigned)threads));
    if (!no_barrier)
        LAB_SETUP(lab_pthread_barrier_init(&finish_line, (unsigned)threads));
    lab_point_name(&start_line, "start line");
    say("%d runners, %d heats, %s", threads, heats,
        no_barrier ? "no barrier: each starts on arrival"
                   : "a barrier for all of them at the start line");

    runner *runners = lab_calloc((size_t)threads, sizeof *runners);
    everyone = runners;
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    for (int i = 0; i < threads; i++) {
        runners[i].number = i + 1;
        started[i] =
            lab_thread_start(run_the_heats, &runners[i], LAB_THREAD_NOT_DAEMON, "runner-%d", i + 1);
    }
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]); /* after this, every runner's start[] is safe to read */
    if (!no_barrier) {
        lab_pthread_barrier_destroy(&start_line);
        lab_pthread_barrier_destroy(&finish_line);
    }

    double worst = 0;
    int early = 0;
    char serial_list[4 * MAX_HEATS] = "";
    for (int heat = 0; heat < heats; heat++) {
        double spread = start_spread_ms(runners, heat);
        int early_here = early_starts(runners, heat);
        say("heat %d: the %d starts spread over %.3f ms; %d runners started before the last one "
            "arrived",
            heat + 1, threads, spread, early_here);
        early += early_here;
        if (spread > worst)
            worst = spread;
        snprintf(serial_list + strlen(serial_list), sizeof serial_list - strlen(serial_list),
                 "%s%d", heat > 0 ? "," : "", atomic_load(&serial_count[heat]));
    }
    free(started);
    free(runners);
    lab_result(
        "threads=%d heats=%d barrier=%s start_spread_ms=%.3f early_starts=%d serial_per_heat=%s "
        "results_complete=%d",
        threads, heats, no_barrier ? "no" : "yes", worst, early, serial_list,
        atomic_load(&results_complete));
    return 0;
}
