/* procpool — processes escape the GIL: a CPU-bound sum on a pool of worker processes, next
 * to the same sum on threads that must hold a (simulated) GIL; the pool's whole interface.
 * Python (Threads and processes: multiprocessing.Pool(processes=3), apply, apply_async,
 * close, join, terminate; Futures and flags: ProcessPoolExecutor for CPU-bound work).
 * Part 1: 0 + ... + (work-1) in chunks: one after the other, on threads handing a GIL around,
 * on the pool (map). Part 2: apply, apply_async, map (in order), a task that abort()s: it is
 * reported (EOWNERDEAD), its worker replaced; close + join. Part 3: terminate: the workers
 * are killed and reaped, results ECANCELED. Observe: the GIL threads take as long as one;
 * each process has its own GIL and core: they speed up by about the number of cores (main's
 * last line). Workers say their pid. --speed scales waits, not sums: hence "computing" lines. */
#include "lab.h"
#include "procpool_sum.h" /* the sum, its "computing" lines, the workers seen from outside */

#include <inttypes.h>
#include <unistd.h>

static int processes = 0;     /* 0: one per online CPU, as Python's default */
static int work = 1000000000; /* the sum is 0 + 1 + ... + (work - 1) */
static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER; /* the simulated GIL */

typedef struct chunk {
    int64_t from, to; /* add up from .. to-1; a thread leaves its sum in from */
} chunk;

/* A pool task: runs in a worker process, on its own copy of the chunk. */
static int64_t sum_chunk(const void *arg, size_t size)
{
    const chunk *c = arg;
    return size == sizeof *c ? add_up_metered(c->from, c->to) : -1;
}

/* A thread's job: the same chunk, computed only while holding the GIL, handed on each slice. */
static void *sum_under_the_gil(void *arg)
{
    chunk *c = arg;
    int64_t total = 0;
    for (int64_t from = c->from; from < c->to; from += SLICE) {
        lab_pthread_mutex_lock(&gil);
        total += add_up_metered(from, c->to - from > SLICE ? from + SLICE : c->to);
        lab_pthread_mutex_unlock(&gil); /* another thread's turn (gil.c does it fairly) */
    }
    c->from = total; /* read by main after the join */
    return NULL;
}

static int64_t square(const void *arg, size_t size)
{
    int64_t n = size == sizeof n ? *(const int64_t *)arg : 0;
    say("pid %d: %" PRId64 " * %" PRId64, (int)getpid(), n, n);
    return n * n;
}

static int64_t crash(const void *arg, size_t size)
{
    (void)arg, (void)size;
    say("pid %d: abort()", (int)getpid());
    abort(); /* the worker process dies of SIGABRT */
}

static int64_t loiter(const void *arg, size_t size)
{
    lab_sleep(size == sizeof(double) ? *(const double *)arg : 0);
    return 1;
}

/* Part 1: the sum three ways; the real seconds of each in seconds[0..2]; *pool made here. */
static bool part_sum(lab_procpool **pool, double seconds[3])
{
    chunk chunks[64], mine[64];
    lab_thread *threads[64];
    int64_t sums[64], expected = (int64_t)work * (work - 1) / 2, total[3] = {0, 0, 0};
    for (int i = 0; i < processes; i++)
        chunks[i] = (chunk){(int64_t)work * i / processes, (int64_t)work * (i + 1) / processes};
    meter_start("one after the other", work);
    double begin = lab_now();
    for (int i = 0; i < processes; i++)
        total[0] += sum_chunk(&chunks[i], sizeof chunks[i]);
    seconds[0] = lab_now() - begin;
    say("one after the other: %.3f s", seconds[0]);
    meter_startf(work, "on %d threads under the GIL", processes);
    begin = lab_now();
    for (int i = 0; i < processes; i++) {
        mine[i] = chunks[i];
        threads[i] =
            lab_thread_start(sum_under_the_gil, &mine[i], LAB_THREAD_NOT_DAEMON, "gil-%d", i + 1);
    }
    for (int i = 0; i < processes; i++) {
        lab_thread_join(threads[i]);
        total[1] += mine[i].from;
    }
    seconds[1] = lab_now() - begin;
    say("%d threads under the GIL: %.3f s, %.2fx", processes, seconds[1], seconds[0] / seconds[1]);
    LAB_SETUP_NEW(*pool = lab_procpool_new(processes)); /* now: workers see gil-N's colours */
    meter_startf(work, "on %d worker processes", processes);
    begin = lab_now();
    if (lab_procpool_map(*pool, sum_chunk, chunks, sizeof *chunks, (size_t)processes, sums, NULL))
        lab_fail("map of the sum failed");
    for (int i = 0; i < processes; i++)
        total[2] += sums[i];
    seconds[2] = lab_now() - begin;
    say("%d worker processes (map): %.3f s, %.2fx", processes, seconds[2], seconds[0] / seconds[2]);
    return total[0] == expected && total[1] == expected && total[2] == expected;
}

/* Part 3: a fresh pool, an hour of work per task, terminated. Returns how many results were
 * cancelled; *left: how many worker processes remain (kill(pid, 0) finds them). */
static int part_terminate(int *left)
{
    lab_procpool *pool;
    LAB_SETUP_NEW(pool = lab_procpool_new(processes));
    pid_t pids[64];
    size_t live = lab_procpool_pids(pool, pids, 64);
    lab_procpool_result *slow[4];
    double an_hour = 3600;
    for (int i = 0; i < 4; i++)
        LAB_SETUP(lab_procpool_apply_async(pool, loiter, &an_hour, sizeof an_hour, &slow[i]));
    lab_sleep(0.5);
    say("4 tasks of an hour each on %zu workers: terminate()", live);
    lab_procpool_terminate(pool); /* kills, reaps, cancels: returns when none is left */
    int cancelled = 0;
    for (int i = 0; i < 4; i++) {
        cancelled += lab_procpool_result_get_timeout(slow[i], 0, NULL) == ECANCELED;
        lab_procpool_result_free(slow[i]);
    }
    *left = children_left(pids, live);
    lab_procpool_free(pool);
    say("%d results cancelled; worker processes left: %d", cancelled, *left);
    return cancelled;
}

static const lab_option options[] = {
    LAB_INT("processes", &processes, 0, 64, "N", "workers, threads, chunks (0: one per CPU)"),
    LAB_INT("work", &work, 1000, 2000000000, "N", "the sum is 0 + 1 + ... + (N-1)"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "procpool",
    .summary = "processes escape the GIL: a CPU-bound sum on a process pool vs threads under a GIL",
    .python = "multiprocessing.Pool(3): apply, apply_async, map, close, join, terminate "
              "(Threads and processes; Futures and flags)",
    .details = "Part 1: a sum on threads under a simulated GIL, then on worker processes.\n"
               "Part 2: apply, apply_async, map, a crashing task. Part 3: terminate.",
    .options = options,
    .uncontrollable = "its workers are processes (fork and pipes), and a schedule steers only the "
                      "threads of one process",
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    int cores = lab_procpool_cpu_count();
    processes = processes != 0 ? processes : cores < 64 ? cores : 64;
    meter_map(); /* before the pool forks: its workers add on the same meter */
    lab_procpool *pool;
    say("%d cores; a pool of %d worker processes; the sum of 0..%d", cores, processes, work - 1);
    double seconds[3];
    bool sums_ok = part_sum(&pool, seconds);
    int64_t n = 7, eight = 8, nine = 9, value = 0, squares[5], args[5] = {1, 2, 3, 4, 5};
    int apply_rc = lab_procpool_apply(pool, square, &n, sizeof n, &value); /* blocks */
    say("apply(square, 7) = %" PRId64, value);
    lab_procpool_result *later, *crashed;
    LAB_SETUP(lab_procpool_apply_async(pool, square, &eight, sizeof n, &later)); /* at once */
    apply_rc |= lab_procpool_result_get_timeout(later, 10, &value);
    lab_procpool_result_free(later); /* after the get: the handle holds the result */
    say("apply_async(square, 8) gave a handle at once; get() = %" PRId64, value);
    int map_rc = lab_procpool_map(pool, square, args, sizeof args[0], 5, squares, NULL);
    say("map(square, [1..5]) = [%d, %d, %d, %d, %d], in order", (int)squares[0], (int)squares[1],
        (int)squares[2], (int)squares[3], (int)squares[4]);
    LAB_SETUP(lab_procpool_apply_async(pool, crash, NULL, 0, &crashed));
    int crash_rc = lab_procpool_result_get_timeout(crashed, 10, NULL);
    int crash_signal = killed_by(lab_procpool_result_wait_status(crashed)); /* 0: not killed */
    say("the crashing task: %s; worker %d was killed by signal %d (%s)", strerror(crash_rc),
        (int)lab_procpool_result_pid(crashed), crash_signal, strsignal(crash_signal));
    lab_procpool_result_free(crashed);
    bool goes_on = lab_procpool_apply(pool, square, &nine, sizeof n, &value) == 0 && value == 81;
    say("the pool goes on: apply(square, 9) = %" PRId64 "; workers started: %d", value,
        lab_procpool_started(pool));
    lab_procpool_close(pool); /* no more tasks; join waits for the workers to exit */
    LAB_SETUP(lab_procpool_join(pool));
    lab_procpool_free(pool);
    say("close() + join(): every worker exited and was reaped");

    int left = 0, cancelled = part_terminate(&left);
    bool map_ok = map_rc == 0 && squares[0] == 1 && squares[2] == 9 && squares[4] == 25;
    say_lesson(cores, processes, seconds);
    lab_result("cores=%d processes=%d work=%d sums_ok=%s speedup_gil=%.3g speedup_processes=%.3g "
               "apply=%s map=%s crash=%s crash_signal=%d goes_on=%s cancelled=%d children_left=%d",
               cores, processes, work, sums_ok ? "yes" : "no", seconds[0] / seconds[1],
               seconds[0] / seconds[2], apply_rc == 0 ? "ok" : "failed",
               map_ok ? "in_order" : "wrong", crash_rc == EOWNERDEAD ? "reported" : "missed",
               crash_signal, goes_on ? "yes" : "no", cancelled, left);
    return sums_ok && apply_rc == 0 && map_ok && goes_on && left == 0 ? 0 : 1;
}
