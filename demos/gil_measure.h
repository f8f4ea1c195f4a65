/* gil_measure.h — the gil demo's measuring, kept beside it so the demo reads as the story: the
 * cores, the sum's inner loop, the process's CPU time (cores busy = CPU time / real time), the
 * "computing" lines that a long sum says every 2 class seconds, the line after each run, the sum
 * check, the verdict, the table. */
#ifndef THREADLAB_DEMO_GIL_MEASURE_H
#define THREADLAB_DEMO_GIL_MEASURE_H

#include "lab.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

/* The online CPUs; 1 when the system cannot say. */
static inline int online_cores(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (int)online : 1;
}

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

/* CPU seconds of the whole process, every thread together. */
static double cpu_seconds(void)
{
    struct timespec t;
    LAB_CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) == 0 ? 0 : errno);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double run_began;           /* lab_now() when the current run started */
static _Atomic double last_report; /* class seconds into the run of the last "computing" line */

static void progress_restart(double now)
{
    run_began = now;
    atomic_store(&last_report, 0.0);
}

/* Every 2 class seconds of a run, one "computing" line (a sum does not shrink with --speed). */
static void report_progress(uint64_t done, uint64_t n, int work)
{
    double now = lab_class_seconds(lab_now() - run_began), last = atomic_load(&last_report);
    if (now - last >= 2.0 && atomic_compare_exchange_strong(&last_report, &last, now))
        say("computing: %" PRIu64 "%% of my_flow(%d) done", done * 100 / n, work);
}

/* Fails the program (exit 1) when a job's sum is wrong. */
static inline void check_sum(int job, uint64_t sum, uint64_t expected)
{
    if (sum != expected)
        lab_fail("job %d summed to %" PRIu64 ", not %" PRIu64, job, sum, expected);
}

/* Did the run show the lesson? "shown", "one-core" (nothing can run side by side), or
 * "machine-busy" (without a GIL the threads sped up less than 1.3x, or no more than with it). */
static inline const char *judge_lesson(int threads, int cores, double nogil, double with_gil)
{
    return threads < 2 || cores < 2           ? "one-core"
           : nogil < 1.3 || with_gil >= nogil ? "machine-busy"
                                              : "shown";
}

/* The line after each run: its time, the cores it kept busy, and under the GIL how many
 * times the GIL changed hands. */
static inline void say_run(bool cpu, const char *way, double seconds, double busy, bool under_gil,
                           unsigned long switches)
{
    char hands[48] = "";
    if (under_gil)
        snprintf(hands, sizeof hands, "; the GIL changed hands %lu times", switches);
    say("%s, %s: %.3f s, %.1f cores busy%s", cpu ? "CPU" : "I/O", way, seconds, busy, hands);
}

/* One line of the table: the three times t, then the speed-ups over the sequential run. */
static void print_row(const char *label, const double t[3])
{
    lab_print("%-34s %10.3f s %10.3f s %13.3f s", label, t[0], t[1], t[2]);
    lab_print("%-34s %11.2fx %11.2fx %14.2fx", "  speed-up", 1.0, t[0] / t[1], t[0] / t[2]);
}

/* The table: each kind's three times, and the speed-ups over the sequential run. */
static void print_table(int threads, int work, int requests, double wait, const double cpu[3],
                        const double io[3])
{
    char cpu_row[64], io_row[64];
    snprintf(cpu_row, sizeof cpu_row, "CPU: %d x the sum of 0..%d", threads, work - 1);
    snprintf(io_row, sizeof io_row, "I/O: %d x %d waits of %.1f s", threads, requests, wait);
    lab_print("%s", "");
    lab_print("%-34s %12s %12s %15s", "", "sequential", "threads", "threads + GIL");
    print_row(cpu_row, cpu);
    print_row(io_row, io);
    lab_print("%s", "");
}

#endif
