/* bench_points — what the scheduling points (common/point.h) cost.
 *
 * Two loops, each in three builds of the same code:
 *   - lock: lab_pthread_mutex_lock/unlock of a mutex named with lab_point_name (the wrappers
 *     report points for named mutexes only), an uncontended pair per iteration;
 *   - point: a bare lab_point() per iteration next to a volatile increment;
 * measured (a) with the points compiled out (what -DLAB_NO_POINTS expands them to),
 * (b) compiled in but off (no --timeline/--trace: the default), (c) on, recording. Plus
 * two threads fighting for the named lock, off and on, as in mutex --mode=loop; and the
 * queue workload of bench_compare (2 producers, 2 consumers, a queue of 64, QUEUE_ITEMS
 * items), off and on: the recorder enabled in-process, as --trace does.
 * A thread keeps LAB_POINT_CAP events; to time recording rather than dropping, every batch
 * runs on a fresh thread (BATCH pairs: 2 x BATCH events), and only its loop is timed.
 * Prints nanoseconds per iteration and each variant relative to (a); best of ROUNDS, the
 * variants taking turns so that a busy machine slows them alike. Goal: off <= 2 %, on < 10 %
 * for the lock (docs/timeline.md quotes the figures). */
#include "lab.h"

#define BATCH       2000    /* iterations per thread: 4000 events fit in one thread's buffer */
#define BATCHES     60      /* threads per measurement */
#define FOUGHT      200000L /* pairs per thread in the two-thread measurement */
#define ROUNDS      5
#define QUEUE_ITEMS 200000L
#define STOP        ((void *)(uintptr_t)-1)

static pthread_mutex_t named = PTHREAD_MUTEX_INITIALIZER;
static volatile long sink;
static const char *const label = "bench";

typedef enum { COMPILED_OUT, OFF, ON } build;

typedef struct batch {
    build how;
    bool lock;      /* the lock loop, else the point loop */
    double seconds; /* the loop's time, measured on the thread */
} batch;

static void *run_batch(void *arg)
{
    batch *b = arg;
    double begin = lab_now();
    if (b->lock && b->how == COMPILED_OUT) {
        for (int i = 0; i < BATCH; i++) {
            LAB_CHECKED_(pthread_mutex_lock, &named); /* what LAB_NO_POINTS leaves */
            sink++;
            LAB_CHECKED_(pthread_mutex_unlock, &named);
        }
    } else if (b->lock) {
        for (int i = 0; i < BATCH; i++) {
            lab_pthread_mutex_lock(&named);
            sink++;
            lab_pthread_mutex_unlock(&named);
        }
    } else if (b->how == COMPILED_OUT) {
        for (int i = 0; i < BATCH; i++)
            sink++;
    } else {
        for (int i = 0; i < BATCH; i++) {
            lab_point(LAB_POINT_MARK, label, "bench");
            sink++;
        }
    }
    b->seconds = lab_now() - begin;
    return NULL;
}

/* Nanoseconds per iteration of one loop in one build. */
static double measure(bool lock, build how)
{
    if (how == ON)
        lab_points_enable();
    double total = 0;
    for (int i = 0; i < BATCHES; i++) {
        batch b = {.how = how, .lock = lock};
        lab_thread_join(lab_thread_start(run_batch, &b, LAB_THREAD_NOT_DAEMON, "bench"));
        total += b.seconds;
    }
    lab_points_disable();
    return total / (BATCHES * (double)BATCH) * 1e9;
}

static void *fight(void *arg)
{
    (void)arg;
    for (long i = 0; i < FOUGHT; i++) {
        lab_pthread_mutex_lock(&named);
        sink++;
        lab_pthread_mutex_unlock(&named);
    }
    return NULL;
}

/* Nanoseconds per pair with two threads on the named lock (mostly the full-buffer path
 * when on, as in a long demo run). */
static double measure_fight(build how)
{
    if (how == ON)
        lab_points_enable();
    double begin = lab_now();
    lab_thread *a = lab_thread_start(fight, NULL, LAB_THREAD_NOT_DAEMON, "fight-a");
    lab_thread *b = lab_thread_start(fight, NULL, LAB_THREAD_NOT_DAEMON, "fight-b");
    lab_thread_join(a);
    lab_thread_join(b);
    double seconds = lab_now() - begin;
    lab_points_disable();
    return seconds / (2.0 * FOUGHT) * 1e9;
}

static void *produce(void *arg)
{
    lab_queue *q = arg;
    for (long i = 0; i < QUEUE_ITEMS / 2; i++)
        if (lab_queue_put(q, (void *)(uintptr_t)(i + 1)) != 0)
            lab_fail("put failed");
    return NULL;
}

static void *consume(void *arg)
{
    lab_queue *q = arg;
    for (void *item = NULL; item != STOP;)
        if (lab_queue_get(q, &item) != 0)
            lab_fail("get failed");
    return NULL;
}

/* Nanoseconds per item through a queue of 64, two producers and two consumers. */
static double measure_queue(build how)
{
    if (how == ON)
        lab_points_enable();
    lab_queue *q = lab_queue_new(LAB_QUEUE_FIFO, 64);
    if (q == NULL)
        lab_fail("lab_queue_new: out of memory");
    double begin = lab_now();
    lab_thread *threads[4];
    for (int i = 0; i < 2; i++) {
        threads[i] = lab_thread_start(produce, q, LAB_THREAD_NOT_DAEMON, "producer-%d", i);
        threads[2 + i] = lab_thread_start(consume, q, LAB_THREAD_NOT_DAEMON, "consumer-%d", i);
    }
    lab_thread_join(threads[0]);
    lab_thread_join(threads[1]);
    for (int i = 0; i < 2; i++)
        if (lab_queue_put(q, STOP) != 0)
            lab_fail("put failed");
    lab_thread_join(threads[2]);
    lab_thread_join(threads[3]);
    double seconds = lab_now() - begin;
    lab_queue_free(q);
    lab_points_disable();
    return seconds / QUEUE_ITEMS * 1e9;
}

static double best(double a, double b)
{
    return a < b ? a : b;
}

int main(void)
{
    lab_point_name(&named, "bench lock");
    const char *names[3] = {"compiled out", "off", "on"};
    double lock[3] = {1e9, 1e9, 1e9}, point[3] = {1e9, 1e9, 1e9}, fought[2] = {1e9, 1e9};
    double queued[2] = {1e9, 1e9};
    for (int round = 0; round < ROUNDS; round++) {
        for (int how = COMPILED_OUT; how <= ON; how++) {
            lock[how] = best(lock[how], measure(true, (build)how));
            point[how] = best(point[how], measure(false, (build)how));
        }
        fought[0] = best(fought[0], measure_fight(OFF));
        fought[1] = best(fought[1], measure_fight(ON));
        queued[0] = best(queued[0], measure_queue(OFF));
        queued[1] = best(queued[1], measure_queue(ON));
    }
    printf("scheduling points: ns per iteration, best of %d rounds (%d x %d iterations each)\n",
           ROUNDS, BATCHES, BATCH);
    printf("%-14s %12s %9s   %12s %9s\n", "points", "lock+unlock", "ratio", "bare point", "ratio");
    for (int how = COMPILED_OUT; how <= ON; how++)
        printf("%-14s %12.1f %8.3fx   %12.2f %8.3fx\n", names[how], lock[how],
               lock[how] / lock[COMPILED_OUT], point[how], point[how] / point[COMPILED_OUT]);
    printf("two threads on the named lock (%ld pairs each): off %.1f ns, on %.1f ns per pair "
           "(%.3fx)\n",
           FOUGHT, fought[0], fought[1], fought[1] / fought[0]);
    printf("queue of 64, 2 producers + 2 consumers (%ld items): off %.1f ns, on %.1f ns per item "
           "(%.3fx)\n",
           QUEUE_ITEMS, queued[0], queued[1], queued[1] / queued[0]);
    printf("goal (issue 13): off <= 1.02x; on < 1.10x for the queue and for mutex --mode=loop "
           "(bench_points_demo.sh)\n");
    return 0;
}
