/* gil — why Python threads do not speed up CPU-bound work, made visible in C.
 *
 * Python (The threading catalogue; Threads and processes): in CPython a thread must hold the
 * global interpreter lock (GIL) to run Python code: one thread computes at a time, however
 * many cores. A computing thread lets go of it now and then (every 100 "ticks" in Python 2;
 * since 3.2, when another has waited a switch interval, 5 ms) and around I/O (sleep, read,
 * recv...): threads overlap their waiting, never their computing. The CPU job is the
 * tutorial's my_flow(n): 0 + 1 + ... + (n-1); the I/O job waits for 5 requests of 0.1 s.
 * Each job runs --threads times: one after the other, on threads (C threads: no GIL), and on
 * threads that must hold a simulated GIL (demos/gil_lock.h) while they compute.
 * Observe the table: without a GIL the sums speed up by about the number of cores ("cores
 * busy": CPU time over real time); with it, not at all; the waits speed up either way.
 * The CPU ways run --repeat times, interleaved, and the best time counts (other load slows
 * all three alike); if even then the threads kept too few cores busy, the demo says the
 * machine is too busy to show the lesson. --handoff=plain: gil_yield is unlock-then-lock:
 * the yielder takes the GIL straight back, the others starve (few switches). --speed scales
 * the waits, not the sums: "computing" lines keep a fast run from looking dead.
 */
#include "lab.h"
#include "gil_lock.h"    /* the simulated GIL */
#include "gil_measure.h" /* the sum, CPU time, "computing" lines, the table */

#include <inttypes.h>
#include <math.h>

static int threads = 0;               /* 0: one per online CPU */
static int work = 200000000;          /* numbers each CPU job adds up */
static int repeat = 3;                /* runs of each CPU way; the best counts */
static int switch_interval = 5000000; /* numbers between two offers of the GIL: ~5 ms at -O0 */
static int handoff = 0;
static const char *const handoff_names[] = {"fair", "plain", NULL};
enum { HANDOFF_FAIR, HANDOFF_PLAIN };
enum { IO_REQUESTS = 5 };
static const double io_wait = 0.1; /* class seconds per simulated request */
static uint64_t expected_sum;      /* what my_flow(work) must return: work * (work - 1) / 2 */

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
        report_progress(to, n, work);
        if (with_gil && to < n)
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

/* Run `threads` jobs of one kind one way; returns the real seconds it took, and in *busy
 * the cores it kept busy (CPU seconds per real second). */
static double run(bool cpu, enum way how, unsigned long *switches, double *busy)
{
    job jobs[64]; /* --threads is at most 64 */
    lab_thread *started[64];
    unsigned long switches_before = gil_switches();
    double begin = lab_now(), cpu_begin = cpu_seconds();
    progress_restart(begin);
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
    *busy = (cpu_seconds() - cpu_begin) / seconds;
    *switches = gil_switches() - switches_before;
    for (int i = 0; cpu && i < threads; i++)
        check_sum(i + 1, jobs[i].sum, expected_sum);
    say_run(cpu, way_names[how], seconds, *busy, how == THREADS_GIL, *switches);
    return seconds;
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
    LAB_INT("repeat", &repeat, 1, 20, "N", "runs of each CPU way, interleaved; the best counts"),
    LAB_CHOICE("handoff", &handoff, handoff_names, "fair: as CPython 3; plain: as Python 2"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "gil",
    .summary = "under a simulated GIL, threads speed up I/O-bound work but not CPU-bound work",
    .python = "Thread(target=my_flow, args=(5000000,)) x N vs Thread(target=time.sleep, ...) "
              "(The threading catalogue; Threads and processes)",
    .details = "A CPU job (a sum) and an I/O job (5 waits of 0.1 s), each run --threads times:\n"
               "sequentially, on threads, and on threads holding a simulated GIL (the CPU ways\n"
               "--repeat times, the best counts). C is some 100x faster than CPython here, so\n"
               "the sums are 40x longer than the tutorial's. A machine too busy to show the\n"
               "lesson is named as such.",
    .options = options,
    .uncontrollable = "its lesson is CPU time, measured with and without a GIL; under schedule "
                      "control time is virtual and computing takes none",
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    int cores = online_cores();
    if (threads == 0)
        threads = cores < 64 ? cores : 64;
    expected_sum = (uint64_t)work * ((uint64_t)work - 1) / 2;
    gil.last_holder = pthread_self(); /* main "started the interpreter" */
    say("%d cores; %d jobs of each kind; CPU job: the sum of 0..%d; GIL handoff: %s", cores,
        threads, work - 1, handoff_names[handoff]);

    double cpu[3] = {INFINITY, INFINITY, INFINITY}, io[3], busy[3], io_busy;
    unsigned long cpu_switches, io_switches;     /* each left by its last run: threads + GIL */
    for (int round = 0; round < repeat; round++) /* interleaved: other load slows all three */
        for (enum way how = SEQUENTIAL; how <= THREADS_GIL; how++) {
            double used, t = run(true, how, &cpu_switches, &used);
            if (t < cpu[how])
                cpu[how] = t, busy[how] = used;
        }
    for (enum way how = SEQUENTIAL; how <= THREADS_GIL; how++)
        io[how] = run(false, how, &io_switches, &io_busy);
    print_table(threads, work, IO_REQUESTS, io_wait, cpu, io);
    double nogil = cpu[0] / cpu[1], with_gil = cpu[0] / cpu[2];
    const char *lesson = judge_lesson(threads, cores, nogil, with_gil);
    if (strcmp(lesson, "shown") == 0)
        say("%d threads summed %.2fx faster without a GIL (%.1f cores busy), %.2fx with it "
            "(%.1f: one at a time); the waits sped up %.2fx either way",
            threads, nogil, busy[1], with_gil, busy[2], io[0] / io[2]);
    else if (strcmp(lesson, "machine-busy") == 0)
        say("this machine is too busy to show the lesson now: without a GIL the threads kept only "
            "%.1f of %d cores busy (%.2fx); run it again when it is idle",
            busy[1], cores, nogil);
    else
        say("one core or one thread: threads cannot compute side by side here, GIL or not");
    lab_result("cores=%d threads=%d work=%d sum=%" PRIu64 " switch_interval=%d handoff=%s "
               "repeat=%d cpu_speedup_nogil=%.3g cpu_speedup_gil=%.3g io_speedup_nogil=%.3g "
               "io_speedup_gil=%.3g gil_switches=%lu lesson=%s",
               cores, threads, work, expected_sum, switch_interval, handoff_names[handoff], repeat,
               cpu[0] / cpu[1], cpu[0] / cpu[2], io[0] / io[1], io[0] / io[2], cpu_switches,
               lesson);
    return 0;
}
