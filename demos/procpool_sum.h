/* procpool_sum.h — procpool's CPU-bound sum and its "computing" lines, kept beside the demo
 * so that it reads as the story. --speed scales waits, not additions: at --speed 20 a sum of
 * one real second is 20 class seconds of silence, so whoever adds (main, a GIL thread, a
 * worker process) says how far the sum got, at most once every 1.5 class seconds (gil does the
 * same). The meter lives in MAP_SHARED memory, mapped before the pool forks: the one memory
 * the parent and its worker processes share (every variable is a copy after fork, see fork.c).
 * Its atomics are lock-free, so they work across processes. Also the worker processes seen
 * from outside: the signal that killed one, and how many are left after terminate(). */
#ifndef THREADLAB_DEMO_PROCPOOL_SUM_H
#define THREADLAB_DEMO_PROCPOOL_SUM_H

#include "lab.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/wait.h>

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "the meter is shared by processes: lock-free only");

enum { SLICE = 5000000 }; /* numbers added between two looks at the meter (~5 ms at -O0) */

typedef struct meter {
    _Atomic long long added;   /* numbers added in this way so far, all processes together */
    _Atomic long long last_ms; /* class milliseconds into the way of the last line */
    long long total;           /* numbers the way adds in all */
    double began;              /* lab_now() when the way began */
    char way[48];              /* "one after the other", "on 2 worker processes"... */
} meter;

static meter *shared_meter;

/* Map the meter; before the pool forks, or its workers would have none. */
static void meter_map(void)
{
    void *memory =
        mmap(NULL, sizeof(meter), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    LAB_CHECK_ERRNO(memory == MAP_FAILED ? -1 : 0);
    shared_meter = memory;
}

/* A new way begins: the meter at 0, its words for the lines. */
static void meter_start(const char *way, long long total)
{
    atomic_store(&shared_meter->added, 0);
    atomic_store(&shared_meter->last_ms, 0);
    shared_meter->total = total;
    shared_meter->began = lab_now();
    snprintf(shared_meter->way, sizeof shared_meter->way, "%s", way);
}

/* meter_start(), the way's words made by a printf format: ("on %d worker processes", n). */
static inline void meter_startf(long long total, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static inline void meter_startf(long long total, const char *format, ...)
{
    char way[sizeof shared_meter->way];
    va_list args;
    va_start(args, format);
    vsnprintf(way, sizeof way, format, args);
    va_end(args);
    meter_start(way, total);
}

/* Count numbers added; every 1.5 class seconds one adder (whoever gets there) says so (1.5,
 * not 2: a slow slice or a handover of the GIL must not stretch a gap past 3). */
static void meter_add(long long numbers)
{
    long long added = atomic_fetch_add(&shared_meter->added, numbers) + numbers;
    long long now = (long long)(lab_class_seconds(lab_now() - shared_meter->began) * 1000);
    long long last = atomic_load(&shared_meter->last_ms);
    if (now - last >= 1500 && atomic_compare_exchange_strong(&shared_meter->last_ms, &last, now))
        say("computing the sum %s: %lld%% done", shared_meter->way,
            added * 100 / shared_meter->total);
}

/* from + ... + (to-1), one real addition at a time (volatile: no closed form, see gil.c). */
static int64_t add_up(int64_t from, int64_t to)
{
    volatile int64_t total = 0;
    for (int64_t i = from; i < to; i++)
        total += i;
    return total;
}

/* The same, slice by slice, counted on the meter. */
static int64_t add_up_metered(int64_t from, int64_t to)
{
    int64_t total = 0;
    for (; from < to; from += SLICE) {
        int64_t end = to - from > SLICE ? from + SLICE : to;
        total += add_up(from, end);
        meter_add(end - from);
    }
    return total;
}

/* Part 1's lesson in one line, from its real seconds (one after the other, GIL threads,
 * processes); a busy machine or a single core is named as such, never passed off. Each way
 * runs once: a stall in one of them shows as a speed-up that is too small or too large. */
static void say_lesson(int cores, int processes, const double seconds[3])
{
    double gil = seconds[0] / seconds[1], pool = seconds[0] / seconds[2];
    if (cores < 2 || processes < 2)
        say("one core or one process cannot show the lesson: nothing adds side by side here");
    else if (pool < 1.3 || gil > 1.25) /* other jobs took the cores, or stalled a way */
        say("this machine is too busy to show the lesson now: %d processes summed only %.2fx "
            "faster, %d GIL threads %.2fx; run it again when it is idle",
            processes, pool, processes, gil);
    else
        say("the lesson: %d processes summed %.2fx faster than one after the other, %d threads "
            "under a GIL %.2fx: processes escape the GIL",
            processes, pool, processes, gil);
}

/* The signal that killed a worker, from its wait status (-1: it did not die); 0 if none. */
static inline int killed_by(int status)
{
    return status != -1 && WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* After terminate(): how many of the workers pids[0..n-1] are left, zombies included. */
static inline int children_left(const pid_t *pids, size_t n)
{
    int left = waitpid(-1, NULL, WNOHANG) != -1; /* ECHILD: no child at all, zombie or not */
    for (size_t i = 0; i < n; i++)
        left += kill(pids[i], 0) == 0; /* ESRCH: gone and reaped */
    return left;
}

#endif
