/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/gil.c with one
 * change: a thread under the GIL never offers it between slices: the others wait for its whole job.
 * Try: make grade DEMO=gil SRC=tests/grade/broken/gil-never-yields.c
 * grade: demo gil
 * expect: FAIL gil: ; gil_switches >= 20
 */
/* gil — why Python threads do not speed up CPU-bound work, made visible in C.
 *
 * Python (The threading catalogue; Threads and processes): in CPython a thread must hold the global interpreter lock (GIL)
 * to run Python code: one thread computes at a time, however many cores. A computing thread
 * lets go of it now and then (every 100 "ticks" in Python 2; since 3.2, when another has
 * waited a switch interval, 5 ms) and around I/O (sleep, read, recv...): threads overlap
 * their waiting, never their computing. The CPU job is the tutorial's my_flow(n): 0 + 1 +
 * ... + (n-1); the I/O job waits for 5 simulated requests of 0.1 s.
 * Each job runs --threads times: one after the other, on threads (C threads: no GIL), and on
 * threads that must hold a simulated GIL (demos/gil_lock.h) while they compute.
 * Observe the table: without a GIL the sums speed up by about the number of cores; with it,
 * not at all; the sleeping jobs speed up either way, since the GIL is dropped around I/O.
 * --handoff=plain: gil_yield is unlock-then-lock: the yielder takes the GIL straight back,
 * the others starve (few switches). --speed scales the I/O waits only, not the sums.
 */
#include "lab.h"
#include "gil_lock.h" /* the simulated GIL */

#include <inttypes.h>
#include <unistd.h>

static int threads = 0;               /* 0: one per online CPU */
static int work = 500000000;          /* numbers each CPU job adds up */
static int switch_interval = 5000000; /* numbers between two offers of the GIL: ~5 ms at -O0 */
static int handoff = 0;
static const char *const handoff_names[] = {"fair", "plain", NULL};
enum { HANDOFF_FAIR, HANDOFF_PLAIN };
enum { IO_REQUESTS = 5 };
static const double io_wait = 0.1; /* class seconds per simulated request */
static uint64_t expected_sum;      /* what my_flow(work) must return: work * (work - 1) / 2 */

/* from + (from+1) + ... + (to-1), one real addition at a time. */
static uint64_t add_up(uint64_t from, uint64_t to)
{
    /* volatile: each addition is a real load, add and store. Without it clang -O2 replaces
     * the loop by the closed form (no work left to share) and gcc -O3 vectorises it. */
    volatile uint64_t total = 0;
    for (uint64_t i = from; i < to; i++)
        total += i;
    return total;
}

/* The CPU-bound job, my_flow(work), in slices of --switch-interval numbers; between slices
 * a thread under the GIL offers it to the others (CPython checks between bytecodes). */
static uint64_t cpu_job(bool with_gil)
{
    uint64_t total = 0, n = (uint64_t)work, slice = (uint64_t)switch_interval;
    if (with_gil)
        gil_take();
    for (uint64_t from = 0; from < n; from += slice) {
        uint64_t to = n - from > slice ? from + slice : n;
        total += add_up(from, to);
        if (false && with_gil && to < n) /* BROKEN: the GIL is never offered */
            gil_yield(handoff == HANDOFF_FAIR);
    }
    if (with_gil)
        gil_drop();
    return total;
}

/* The I/O-bound job: the GIL is dropped around each wait, as around every blocking call. */
static void io_job(bool with_gil)
{
    if (with_gil)
        gil_take();
    for (int request = 0; request < IO_REQUESTS; request++)
        gil_sleep(with_gil, io_wait); /* waiting for the disk or the network */
    if (with_gil)
        gil_drop();
}

typedef struct job {
    bool cpu, with_gil;
    uint64_t sum; /* written by the job's thread, read after the join */
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    if (j->cpu) {
        j->sum = cpu_job(j->with_gil);
        say("my_flow(%d) = %" PRIu64, work, j->sum);
    } else {
        io_job(j->with_gil);
    }
    return NULL;
}

enum way { SEQUENTIAL, THREADS, THREADS_GIL };
static const char *const way_names[] = {"sequential", "threads", "threads + GIL"};

/* Run `threads` jobs of one kind one way; returns the real seconds it took. */
static double run(bool cpu, enum way how, unsigned long *switches)
{
    job *jobs = lab_calloc((size_t)threads, sizeof *jobs);
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    unsigned long switches_before = gil_switches();
    double begin = lab_now();
    for (int i = 0; i < threads; i++)
        jobs[i] = (job){.cpu = cpu, .with_gil = how == THREADS_GIL};
    if (how == SEQUENTIAL) {
        for (int i = 0; i < threads; i++)
            run_job(&jobs[i]);
    } else {
        if (how == THREADS_GIL)
            gil_take();
        for (int i = 0; i < threads; i++)
            started[i] =
                lab_thread_start(run_job, &jobs[i], LAB_THREAD_NOT_DAEMON, "%s%s-%d",
                                 cpu ? "cpu" : "io", how == THREADS_GIL ? "+gil" : "", i + 1);
        if (how == THREADS_GIL) {
            gil_wait_for_queue(threads);
            gil_drop(); /* and they're off, one at a time */
        }
        for (int i = 0; i < threads; i++)
            lab_thread_join(started[i]);
    }
    double seconds = lab_now() - begin;
    *switches = gil_switches() - switches_before;
    for (int i = 0; cpu && i < threads; i++)
        if (jobs[i].sum != expected_sum)
            lab_fail("job %d summed to %" PRIu64 ", not %" PRIu64, i + 1, jobs[i].sum,
                     expected_sum);
    char hands[48] = "";
    if (how == THREADS_GIL)
        snprintf(hands, sizeof hands, "; the GIL changed hands %lu times", *switches);
    say("%s, %s: %.3f s%s", cpu ? "CPU" : "I/O", way_names[how], seconds, hands);
    free(started);
    free(jobs);
    return seconds;
}

/* One line of the table: the three times t, then the speed-ups over the sequential run. */
static void print_row(const char *label, const double t[3])
{
    lab_print("%-34s %10.3f s %10.3f s %13.3f s", label, t[0], t[1], t[2]);
    lab_print("%-34s %11.2fx %11.2fx %14.2fx", "  speed-up", 1.0, t[0] / t[1], t[0] / t[2]);
}

static const lab_option options[] = {
    {.name = "threads",
     .kind = LAB_OPT_INT,
     .target = &threads,
     .meta = "N",
     .min = 1,
     .max = 64,
     .help = "threads, and jobs of each kind",
     .default_text = "one per online CPU"},
    LAB_INT("work", &work, 1, 2000000000, "N", "each CPU job adds up 0 + 1 + ... + (N-1)"),
    LAB_INT("switch-interval", &switch_interval, 1000, 2000000000, "N",
            "numbers between GIL offers"),
    LAB_CHOICE("handoff", &handoff, handoff_names, "fair: as CPython 3; plain: as Python 2"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "gil",
    .summary = "under a simulated GIL, threads speed up I/O-bound work but not CPU-bound work",
    .python = "Thread(target=my_flow, args=(5000000,)) x N vs Thread(target=time.sleep, ...)",
    .details = "A CPU job (a sum) and an I/O job (5 waits of 0.1 s), each run --threads times:\n"
               "sequentially, on threads, and on threads holding a simulated GIL. C is some 100x\n"
               "faster than CPython here, so the sums are 100x longer than the tutorial's.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cores = online > 0 ? (int)online : 1;
    if (threads == 0)
        threads = cores < 64 ? cores : 64;
    expected_sum = (uint64_t)work * ((uint64_t)work - 1) / 2;
    gil.last_holder = pthread_self(); /* main "started the interpreter" */
    say("%d cores; %d jobs of each kind; CPU job: the sum of 0..%d; GIL handoff: %s", cores,
        threads, work - 1, handoff_names[handoff]);

    double cpu[3], io[3];
    unsigned long cpu_switches, io_switches; /* each left by its last run: threads + GIL */
    for (enum way how = SEQUENTIAL; how <= THREADS_GIL; how++)
        cpu[how] = run(true, how, &cpu_switches);
    for (enum way how = SEQUENTIAL; how <= THREADS_GIL; how++)
        io[how] = run(false, how, &io_switches);

    char cpu_row[64], io_row[64];
    snprintf(cpu_row, sizeof cpu_row, "CPU: %d x the sum of 0..%d", threads, work - 1);
    snprintf(io_row, sizeof io_row, "I/O: %d x %d waits of %.1f s", threads, IO_REQUESTS, io_wait);
    lab_print("%s", "");
    lab_print("%-34s %12s %12s %15s", "", "sequential", "threads", "threads + GIL");
    print_row(cpu_row, cpu);
    print_row(io_row, io);
    lab_print("%s", "");
    lab_result("cores=%d threads=%d work=%d sum=%" PRIu64 " switch_interval=%d handoff=%s "
               "cpu_speedup_nogil=%.3g cpu_speedup_gil=%.3g io_speedup_nogil=%.3g "
               "io_speedup_gil=%.3g gil_switches=%lu",
               cores, threads, work, expected_sum, switch_interval, handoff_names[handoff],
               cpu[0] / cpu[1], cpu[0] / cpu[2], io[0] / io[1], io[0] / io[2], cpu_switches);
    return 0;
}
