/* bench_ilock — what the instrumented lock costs. One thread locking and unlocking a lock
 * nobody else wants: a bare pthread_mutex_t, the ilock (common/ilock.h) with its event log
 * off (the default), and with the log on. Then two threads sharing one lock (when one has to
 * wait, the ilock also writes the wait-for table). Prints nanoseconds per lock/unlock pair and each
 * variant's time relative to the bare mutex, all measured in this one run (best of 5 rounds,
 * the variants taking turns, so a busy machine slows them alike). */
#include "lab.h"
#include "ilock.h"
#include "ilock_log.h"

#define PAIRS        4000000L /* per round, one thread */
#define LOGGED_PAIRS 100000L  /* per round with the log on (each pair records two events) */
#define FOUGHT_PAIRS 200000L  /* per thread per round, two threads */
#define ROUNDS       5

static pthread_mutex_t bare = PTHREAD_MUTEX_INITIALIZER;
static lab_ilock instrumented;
static long shared_count; /* protected by whichever lock the variant uses */

static void *bare_pairs(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) {
        lab_pthread_mutex_lock(&bare);
        shared_count++;
        lab_pthread_mutex_unlock(&bare);
    }
    return NULL;
}

static void *ilock_pairs(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) {
        LAB_CHECK(lab_ilock_lock_timeout(&instrumented, 10)); /* a deadline that never passes */
        shared_count++;
        LAB_CHECK(lab_ilock_unlock(&instrumented));
    }
    return NULL;
}

/* Seconds for n pairs on each of `threads` threads. */
static double time_it(void *(*body)(void *), long n, int threads, bool logged)
{
    if (logged)
        LAB_CHECK(lab_ilock_log_start((size_t)(2 * n * threads)));
    lab_thread *started[2];
    double begin = lab_now();
    for (int i = 0; i < threads; i++)
        started[i] = lab_thread_start(body, &n, LAB_THREAD_NOT_DAEMON, "bench-%d", i);
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]);
    double seconds = lab_now() - begin;
    if (logged)
        lab_ilock_log_free();
    return seconds;
}

typedef struct variant {
    const char *name;
    void *(*body)(void *);
    long pairs;
    int threads;
    bool logged;
    double best_ns; /* per pair, best round */
} variant;

int main(void)
{
    LAB_CHECK(lab_ilock_init(&instrumented, "bench"));
    variant variants[] = {
        {"bare mutex", bare_pairs, PAIRS, 1, false, 0},
        {"ilock", ilock_pairs, PAIRS, 1, false, 0},
        {"ilock + log", ilock_pairs, LOGGED_PAIRS, 1, true, 0},
        {"bare mutex", bare_pairs, FOUGHT_PAIRS, 2, false, 0},
        {"ilock", ilock_pairs, FOUGHT_PAIRS, 2, false, 0},
    };
    size_t count = sizeof variants / sizeof variants[0];
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t v = 0; v < count; v++) {
            double ns = time_it(variants[v].body, variants[v].pairs, variants[v].threads,
                                variants[v].logged) *
                        1e9 / (double)(variants[v].pairs * variants[v].threads);
            if (round == 0 || ns < variants[v].best_ns)
                variants[v].best_ns = ns;
        }
    }
    printf("%-12s %8s %16s %12s\n", "variant", "threads", "ns/lock+unlock", "vs bare");
    for (size_t v = 0; v < count; v++) {
        double bare_ns = variants[variants[v].threads == 1 ? 0 : 3].best_ns;
        printf("%-12s %8d %16.1f %11.2fx%s\n", variants[v].name, variants[v].threads,
               variants[v].best_ns, variants[v].best_ns / bare_ns,
               v == 1 ? "   <- the cost when nobody waits" : "");
    }
    lab_ilock_destroy(&instrumented);
    return 0;
}
