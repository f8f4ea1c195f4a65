/* bench_counter — what correctness costs: the same increments, unlocked (racy), under a
 * mutex, and with an atomic add, on 1 and on 2 threads. Prints nanoseconds per increment
 * and each variant's time relative to the atomic one, all measured in this one run. */
#include "lab.h"

#include <stdatomic.h>

#define INCREMENTS 4000000L

static volatile long racy_counter;
static long locked_counter;
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_long atomic_counter;
static pthread_barrier_t start_line; /* all threads and main: the clock starts when all are ready */

typedef struct variant {
    const char *name;
    void *(*body)(void *);
} variant;

static void *racy(void *arg)
{
    long n = *(long *)arg;
    lab_pthread_barrier_wait(&start_line);
    for (long i = 0; i < n; i++)
        racy_counter = racy_counter + 1;
    return NULL;
}

static void *locked(void *arg)
{
    long n = *(long *)arg;
    lab_pthread_barrier_wait(&start_line);
    for (long i = 0; i < n; i++) {
        lab_pthread_mutex_lock(&counter_lock);
        locked_counter++;
        lab_pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void *atomic(void *arg)
{
    long n = *(long *)arg;
    lab_pthread_barrier_wait(&start_line);
    for (long i = 0; i < n; i++)
        atomic_fetch_add_explicit(&atomic_counter, 1, memory_order_relaxed);
    return NULL;
}

/* Seconds for INCREMENTS increments split over `threads` threads, started together at a
 * barrier (otherwise the first thread could finish before the second has started). */
static double time_it(const variant *v, int threads)
{
    long share = INCREMENTS / threads;
    lab_thread *started[8];
    LAB_CHECK(pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1));
    for (int i = 0; i < threads; i++)
        started[i] = lab_thread_start(v->body, &share, LAB_THREAD_NOT_DAEMON, "%s-%d", v->name, i);
    /* The clock starts before main reaches the start line: once the threads are released,
     * main may not run again until they are done (2 CPUs), and would then time nothing. */
    double begin = lab_now();
    lab_pthread_barrier_wait(&start_line); /* everyone is ready: they start together, now */
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]);
    double seconds = lab_now() - begin;
    lab_pthread_barrier_destroy(&start_line);
    return seconds;
}

int main(void)
{
    const variant variants[] = {{"atomic", atomic}, {"mutex", locked}, {"unlocked", racy}};
    printf("%-10s %8s %14s %14s\n", "variant", "threads", "ns/increment", "vs atomic");
    for (int threads = 1; threads <= 2; threads++) {
        double atomic_seconds = 0;
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
            racy_counter = 0;
            double seconds = time_it(&variants[v], threads);
            if (v == 0)
                atomic_seconds = seconds;
            printf("%-10s %8d %14.2f %13.2fx", variants[v].name, threads,
                   seconds * 1e9 / INCREMENTS, seconds / atomic_seconds);
            if (variants[v].body == racy)
                printf("   (lost %ld of %ld)", INCREMENTS - racy_counter, INCREMENTS);
            printf("\n");
        }
    }
    return 0;
}
