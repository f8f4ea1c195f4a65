/* bench_compare — threadlab's objects side by side with GLib, a textbook C version and
 * CPython, on the same workloads, in one run (docs/bench.md explains the results).
 *
 * Every round runs every workload once per implementation, the implementations taking
 * turns in a rotating order, and the CPython script once; a busy machine slows them all
 * alike. The table gives each median over the rounds and, next to it, the ratio
 *     other implementation's time per operation / threadlab's
 * so a ratio > 1 means threadlab is ahead, with the goal of issue 12 it is held to.
 *
 *     bench_compare [--rounds N] [--threads 1,2,4,8,16] [--scale F] [--python SCRIPT]
 *                   [--out DIR] [--only queue,pool,ping-pong,counter,threads]
 * --threads adds the scaling sweep (unbounded queue with N producer/consumer pairs, pool
 * with N workers) and writes DIR/sweep.md and DIR/sweep.dat (for gnuplot); the summary
 * goes to DIR/results.md. --scale multiplies every workload size (0.1 for a quick look).
 * Without --python (or when python3 is missing) the CPython rows say "skipped". --only runs
 * just the named groups (while working on one module: more rounds in the same time); the
 * rows of the others say "-", and their goals are not counted.
 *
 * Every call into threadlab goes through threadlab_adapter.h; textbook.h holds the
 * textbook queue and pool. */
#include "threadlab_adapter.h"
#include "textbook.h"

#include <errno.h>
#include <limits.h>
#include <glib.h>
#include <math.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS  101
#define MAX_RESULTS 160
#define MAX_SWEEP   16

/* ---- sizes (times --scale) ---- */
static double scale = 1.0;
static long size_of(long n)
{
    long scaled = lround((double)n * scale);
    return scaled < 1 ? 1 : scaled;
}
#define QUEUE_ITEMS   200000L
#define POOL_TASKS    100000L
#define PINGPONGS     5000L
#define INCREMENTS    2000000L
#define THREAD_STARTS 1000L
#define SLEEPS        50L
#define SLEEP_SECONDS 0.001

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_compare: %s\n", what);
    exit(1);
}

/* ---- results: seconds per operation, one sample per round, keyed "workload|impl" ---- */
typedef struct result {
    char key[64];
    double samples[MAX_ROUNDS];
    int count;
} result;

static result results[MAX_RESULTS];
static int result_count;

static result *find(const char *workload, const char *impl, bool create)
{
    char key[64];
    snprintf(key, sizeof key, "%s|%s", workload, impl);
    for (int i = 0; i < result_count; i++)
        if (strcmp(results[i].key, key) == 0)
            return &results[i];
    if (!create)
        return NULL;
    if (result_count == MAX_RESULTS)
        die("too many results");
    result *r = &results[result_count++];
    snprintf(r->key, sizeof r->key, "%s", key);
    return r;
}

static void record(const char *workload, const char *impl, double seconds_per_op)
{
    result *r = find(workload, impl, true);
    if (r->count < MAX_ROUNDS)
        r->samples[r->count++] = seconds_per_op;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of the rounds, or NAN when this was not measured. */
static double median(const char *workload, const char *impl)
{
    result *r = find(workload, impl, false);
    if (r == NULL || r->count == 0)
        return NAN;
    double sorted[MAX_ROUNDS];
    memcpy(sorted, r->samples, (size_t)r->count * sizeof sorted[0]);
    qsort(sorted, (size_t)r->count, sizeof sorted[0], by_value);
    return r->count % 2 ? sorted[r->count / 2]
                        : (sorted[r->count / 2 - 1] + sorted[r->count / 2]) / 2;
}

/* The clock of a measurement with several threads: from the first thread's start to the
 * last one's end, as the threads themselves saw them. (Main's own clock would be wrong on
 * 2 CPUs: after the start line main may not run again until the workers are done.) */
typedef struct stopwatch {
    atomic_llong first_start, last_end; /* nanoseconds */
} stopwatch;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void stopwatch_reset(stopwatch *w)
{
    atomic_init(&w->first_start, LLONG_MAX);
    atomic_init(&w->last_end, 0);
}

static void stopwatch_start(stopwatch *w)
{
    long long t = now_ns(), seen = atomic_load(&w->first_start);
    while (t < seen && !atomic_compare_exchange_weak(&w->first_start, &seen, t))
        ;
}

static void stopwatch_end(stopwatch *w)
{
    long long t = now_ns(), seen = atomic_load(&w->last_end);
    while (t > seen && !atomic_compare_exchange_weak(&w->last_end, &seen, t))
        ;
}

static double stopwatch_seconds(stopwatch *w)
{
    return (double)(atomic_load(&w->last_end) - atomic_load(&w->first_start)) * 1e-9;
}

/* Start lines: every thread of a measurement waits here with main, so they start together. */
static void barrier_init(pthread_barrier_t *b, unsigned count)
{
    TB_CHECK(pthread_barrier_init(b, NULL, count));
}

static void barrier_wait(pthread_barrier_t *b)
{
    int rc = pthread_barrier_wait(b);
    if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
        TB_CHECK(rc);
}

static pthread_t spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    TB_CHECK(pthread_create(&t, NULL, fn, arg));
    return t;
}

/* ======================= queues ======================= */

/* One queue interface over the implementations; capacity <= 0: unbounded. */
typedef struct queue_ops {
    const char *impl;
    void *(*make)(long capacity);
    void (*put)(void *q, void *item);
    void *(*get)(void *q);
    void (*destroy)(void *q);
} queue_ops;

static void *tlq_make(long capacity)
{
    return tl_queue_new(capacity);
}
static void tlq_put(void *q, void *item)
{
    tl_queue_put(q, item);
}
static void *tlq_get(void *q)
{
    return tl_queue_get(q);
}
static void tlq_destroy(void *q)
{
    tl_queue_free(q);
}

/* GLib has no bounded queue: a bounded one is two GAsyncQueues, the items and a queue of
 * free-slot tokens (filled with capacity tokens): put takes a token first, get gives one back. */
typedef struct glib_queue {
    GAsyncQueue *items;
    GAsyncQueue *slots; /* NULL when unbounded */
} glib_queue;

#define TOKEN ((gpointer)(uintptr_t)1)

static void *gq_make(long capacity)
{
    glib_queue *q = tb_malloc(sizeof *q);
    q->items = g_async_queue_new();
    q->slots = NULL;
    if (capacity > 0) {
        q->slots = g_async_queue_new();
        for (long i = 0; i < capacity; i++)
            g_async_queue_push(q->slots, TOKEN);
    }
    return q;
}

static void gq_put(void *queue, void *item)
{
    glib_queue *q = queue;
    if (q->slots != NULL)
        (void)g_async_queue_pop(q->slots);
    g_async_queue_push(q->items, item);
}

static void *gq_get(void *queue)
{
    glib_queue *q = queue;
    void *item = g_async_queue_pop(q->items);
    if (q->slots != NULL)
        g_async_queue_push(q->slots, TOKEN);
    return item;
}

static void gq_destroy(void *queue)
{
    glib_queue *q = queue;
    g_async_queue_unref(q->items);
    if (q->slots != NULL)
        g_async_queue_unref(q->slots);
    free(q);
}

typedef struct textbook_queue {
    tb_ring *ring; /* bounded */
    tb_list *list; /* unbounded */
} textbook_queue;

static void *tbq_make(long capacity)
{
    textbook_queue *q = tb_malloc(sizeof *q);
    q->ring = capacity > 0 ? tb_ring_new((size_t)capacity) : NULL;
    q->list = capacity > 0 ? NULL : tb_list_new();
    return q;
}

static void tbq_put(void *queue, void *item)
{
    textbook_queue *q = queue;
    if (q->ring != NULL)
        tb_ring_put(q->ring, item);
    else
        tb_list_put(q->list, item);
}

static void *tbq_get(void *queue)
{
    textbook_queue *q = queue;
    return q->ring != NULL ? tb_ring_get(q->ring) : tb_list_get(q->list);
}

static void tbq_destroy(void *queue)
{
    textbook_queue *q = queue;
    if (q->ring != NULL)
        tb_ring_free(q->ring);
    else
        tb_list_free(q->list);
    free(q);
}

static const queue_ops queue_impls[] = {
    {"threadlab", tlq_make, tlq_put, tlq_get, tlq_destroy},
    {"GLib", gq_make, gq_put, gq_get, gq_destroy},
    {"textbook", tbq_make, tbq_put, tbq_get, tbq_destroy},
};
#define QUEUE_IMPLS (sizeof queue_impls / sizeof queue_impls[0])

#define STOP ((void *)(uintptr_t)-1) /* a consumer's last item; never NULL (GLib refuses NULL) */

typedef struct queue_run {
    const queue_ops *ops;
    void *q;
    int pairs;
    long per_producer;
    pthread_barrier_t start;
    stopwatch clock;
    atomic_int producing; /* producers not finished yet: the last one puts the STOPs */
    atomic_long consumed;
} queue_run;

static void *producer(void *arg)
{
    queue_run *run = arg;
    barrier_wait(&run->start);
    stopwatch_start(&run->clock);
    for (long i = 0; i < run->per_producer; i++)
        run->ops->put(run->q, (void *)(uintptr_t)(i + 1));
    if (atomic_fetch_sub(&run->producing, 1) == 1)
        for (int i = 0; i < run->pairs; i++)
            run->ops->put(run->q, STOP);
    return NULL;
}

static void *consumer(void *arg)
{
    queue_run *run = arg;
    long got = 0;
    barrier_wait(&run->start);
    stopwatch_start(&run->clock);
    while (run->ops->get(run->q) != STOP)
        got++;
    stopwatch_end(&run->clock);
    atomic_fetch_add(&run->consumed, got);
    return NULL;
}

/* Seconds per item: `pairs` producers put `items` in all, `pairs` consumers get them. */
static double time_queue(const queue_ops *ops, long capacity, int pairs, long items)
{
    queue_run run = {
        .ops = ops, .q = ops->make(capacity), .pairs = pairs, .per_producer = items / pairs};
    pthread_t producers[MAX_SWEEP], consumers[MAX_SWEEP];
    stopwatch_reset(&run.clock);
    atomic_init(&run.producing, pairs);
    atomic_init(&run.consumed, 0);
    barrier_init(&run.start, (unsigned)(2 * pairs + 1));
    for (int i = 0; i < pairs; i++) {
        producers[i] = spawn(producer, &run);
        consumers[i] = spawn(consumer, &run);
    }
    barrier_wait(&run.start);
    for (int i = 0; i < pairs; i++) {
        TB_CHECK(pthread_join(producers[i], NULL));
        TB_CHECK(pthread_join(consumers[i], NULL));
    }
    double seconds = stopwatch_seconds(&run.clock);
    long total = run.per_producer * pairs;
    if (atomic_load(&run.consumed) != total)
        die("a queue lost or duplicated items");
    TB_CHECK(pthread_barrier_destroy(&run.start));
    ops->destroy(run.q);
    return seconds / (double)total;
}

/* ======================= pools ======================= */

/* Every task computes its number + 1; the sum of the results checks that all ran once. */
static void check_sum(long sum, long n)
{
    if (sum != n * (n + 1) / 2)
        die("a pool lost or repeated a task");
}

typedef enum { POOL_FUTURES, POOL_FIRE_AND_FORGET, POOL_MAP, POOL_AS_COMPLETED } pool_style;

/* threadlab: submit every task, then the result of each (or submit each detached,
 * or map, or as_completed); then shut the pool down. */
static double time_threadlab_pool(pool_style style, int workers, long n)
{
    tl_future **futures = tb_malloc((size_t)n * sizeof futures[0]);
    long *items = tb_malloc((size_t)n * sizeof items[0]);
    for (long i = 0; i < n; i++)
        items[i] = i;
    long sum = 0;
    double begin = now();
    tl_pool *pool = tl_pool_new(workers);
    switch (style) {
        case POOL_FUTURES:
            for (long i = 0; i < n; i++)
                futures[i] = tl_pool_submit(pool, i);
            for (long i = 0; i < n; i++) {
                sum += tl_future_result(futures[i]);
                tl_future_free(futures[i]);
            }
            break;
        case POOL_FIRE_AND_FORGET:
            for (long i = 0; i < n; i++)
                tl_pool_submit_detached(pool, i);
            sum = n * (n + 1) / 2; /* nobody looks at the results */
            break;
        case POOL_MAP: {
            tl_map *map = tl_map_new(pool, items, (size_t)n);
            long value;
            while (tl_map_next(map, &value))
                sum += value;
            tl_map_free(map);
            break;
        }
        case POOL_AS_COMPLETED: {
            for (long i = 0; i < n; i++)
                futures[i] = tl_pool_submit(pool, i);
            tl_as_completed *done = tl_as_completed_new(futures, (size_t)n);
            size_t index;
            while (tl_as_completed_next(done, &index))
                sum += tl_future_result(futures[index]);
            tl_as_completed_free(done);
            for (long i = 0; i < n; i++)
                tl_future_free(futures[i]);
            break;
        }
    }
    tl_pool_free(pool);
    double seconds = now() - begin;
    check_sum(sum, n);
    free(items);
    free(futures);
    return seconds / (double)n;
}

/* GLib: GThreadPool has no futures. Each task writes its result into its own slot, and
 * g_thread_pool_free(wait) waits for them all; the results are then read. So "futures"
 * and "fire and forget" are the same work for GLib. An exclusive pool (its own threads,
 * started at once): GLib at its fastest here, faster than the shared default pool. */
static void glib_task(gpointer data, gpointer user_data)
{
    (void)user_data;
    long *slot = data;
    *slot += 1;
}

static double time_glib_pool(pool_style style, int workers, long n)
{
    long *slots = tb_malloc((size_t)n * sizeof slots[0]);
    for (long i = 0; i < n; i++)
        slots[i] = i;
    GError *error = NULL;
    double begin = now();
    GThreadPool *pool = g_thread_pool_new(glib_task, NULL, workers, TRUE, &error);
    if (pool == NULL)
        die("g_thread_pool_new failed");
    for (long i = 0; i < n; i++)
        if (!g_thread_pool_push(pool, &slots[i], &error))
            die("g_thread_pool_push failed");
    g_thread_pool_free(pool, FALSE, TRUE);
    long sum = 0;
    if (style == POOL_FUTURES)
        for (long i = 0; i < n; i++)
            sum += slots[i];
    double seconds = now() - begin;
    if (style == POOL_FUTURES)
        check_sum(sum, n);
    free(slots);
    return seconds / (double)n;
}

static long textbook_task(long arg)
{
    return arg + 1;
}

static double time_textbook_pool(pool_style style, int workers, long n)
{
    tb_task **tasks = tb_malloc((size_t)n * sizeof tasks[0]);
    long sum = 0;
    double begin = now();
    tb_pool *pool = tb_pool_new(workers);
    bool detached = style == POOL_FIRE_AND_FORGET;
    for (long i = 0; i < n; i++)
        tasks[i] = tb_pool_submit(pool, textbook_task, i, detached);
    if (!detached)
        for (long i = 0; i < n; i++)
            sum += tb_task_result(pool, tasks[i]);
    tb_pool_free(pool);
    double seconds = now() - begin;
    if (!detached)
        check_sum(sum, n);
    free(tasks);
    return seconds / (double)n;
}

/* ======================= ping-pong ======================= */

/* Two threads hand a turn back and forth `rounds` times; a result is one round trip
 * (two hand-overs, each a wake-up of the other thread). */
typedef struct pingpong {
    long rounds;
    bool pinned; /* both threads on CPU 0: every hand-over is a context switch */
    pthread_barrier_t start;
    stopwatch clock;
    tl_event events[2];
    tl_bsem bsems[2];
    tl_cond condition;
    pthread_mutex_t mutex;
    pthread_cond_t condvar;
    sem_t sems[2];
    int turn; /* Condition and condvar: whose turn (0 or 1) */
} pingpong;

typedef struct pingpong_side {
    pingpong *game;
    void (*play)(pingpong *game, int me);
    int me;
} pingpong_side;

static void event_play(pingpong *g, int me)
{
    for (long r = 0; r < g->rounds; r++) {
        if (me == 0) {
            tl_event_set(&g->events[0]);
            tl_event_wait(&g->events[1]);
            tl_event_clear(&g->events[1]);
        } else {
            tl_event_wait(&g->events[0]);
            tl_event_clear(&g->events[0]);
            tl_event_set(&g->events[1]);
        }
    }
}

static void bsem_play(pingpong *g, int me)
{
    for (long r = 0; r < g->rounds; r++) {
        if (me == 0) {
            tl_bsem_release(&g->bsems[0]);
            tl_bsem_acquire(&g->bsems[1]);
        } else {
            tl_bsem_acquire(&g->bsems[0]);
            tl_bsem_release(&g->bsems[1]);
        }
    }
}

static void sem_play(pingpong *g, int me)
{
    for (long r = 0; r < g->rounds; r++) {
        if (me == 0) {
            if (sem_post(&g->sems[0]) != 0)
                die("sem_post");
            while (sem_wait(&g->sems[1]) != 0)
                if (errno != EINTR)
                    die("sem_wait");
        } else {
            while (sem_wait(&g->sems[0]) != 0)
                if (errno != EINTR)
                    die("sem_wait");
            if (sem_post(&g->sems[1]) != 0)
                die("sem_post");
        }
    }
}

static void condition_play(pingpong *g, int me)
{
    for (long r = 0; r < g->rounds; r++) {
        tl_cond_acquire(&g->condition);
        while (g->turn != me)
            tl_cond_wait(&g->condition);
        g->turn = 1 - me;
        tl_cond_notify_one(&g->condition);
        tl_cond_release(&g->condition);
    }
}

static void condvar_play(pingpong *g, int me)
{
    for (long r = 0; r < g->rounds; r++) {
        TB_CHECK(pthread_mutex_lock(&g->mutex));
        while (g->turn != me)
            TB_CHECK(pthread_cond_wait(&g->condvar, &g->mutex));
        g->turn = 1 - me;
        TB_CHECK(pthread_cond_signal(&g->condvar));
        TB_CHECK(pthread_mutex_unlock(&g->mutex));
    }
}

static void *pingpong_thread(void *arg)
{
    pingpong_side *side = arg;
    if (side->game->pinned) {
        cpu_set_t cpus;
        CPU_ZERO(&cpus);
        CPU_SET(0, &cpus);
        TB_CHECK(pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus));
    }
    barrier_wait(&side->game->start);
    stopwatch_start(&side->game->clock);
    side->play(side->game, side->me);
    stopwatch_end(&side->game->clock);
    return NULL;
}

/* Seconds per round trip. */
static double time_pingpong(void (*play)(pingpong *, int), bool pinned, long rounds)
{
    pingpong g = {.rounds = rounds, .pinned = pinned, .turn = 0};
    for (int i = 0; i < 2; i++) {
        tl_event_init(&g.events[i]);
        tl_bsem_init_empty(&g.bsems[i], 1);
        if (sem_init(&g.sems[i], 0, 0) != 0)
            die("sem_init");
    }
    tl_cond_init(&g.condition);
    TB_CHECK(pthread_mutex_init(&g.mutex, NULL));
    TB_CHECK(pthread_cond_init(&g.condvar, NULL));
    barrier_init(&g.start, 3);
    stopwatch_reset(&g.clock);
    pingpong_side sides[2] = {{&g, play, 0}, {&g, play, 1}};
    pthread_t threads[2] = {spawn(pingpong_thread, &sides[0]), spawn(pingpong_thread, &sides[1])};
    barrier_wait(&g.start);
    for (int i = 0; i < 2; i++)
        TB_CHECK(pthread_join(threads[i], NULL));
    double seconds = stopwatch_seconds(&g.clock);
    TB_CHECK(pthread_barrier_destroy(&g.start));
    TB_CHECK(pthread_cond_destroy(&g.condvar));
    TB_CHECK(pthread_mutex_destroy(&g.mutex));
    tl_cond_destroy(&g.condition);
    for (int i = 0; i < 2; i++) {
        tl_event_destroy(&g.events[i]);
        tl_bsem_destroy(&g.bsems[i]);
        sem_destroy(&g.sems[i]);
    }
    return seconds / (double)rounds;
}

static const struct {
    const char *impl;
    void (*play)(pingpong *, int);
} pingpong_impls[] = {
    {"Event", event_play},         {"BoundedSemaphore", bsem_play},
    {"Condition", condition_play}, {"bare condvar", condvar_play},
    {"sem_t", sem_play},
};
#define PINGPONG_IMPLS (sizeof pingpong_impls / sizeof pingpong_impls[0])

/* ======================= counter ======================= */

static pthread_mutex_t counter_mutex = PTHREAD_MUTEX_INITIALIZER;
static tl_ilock counter_ilock;
static long counter; /* protected by the variant's lock */
static atomic_long atomic_counter;

typedef struct counting {
    int variant; /* 0 mutex, 1 ilock, 2 atomic */
    long n;
    pthread_barrier_t *start;
    stopwatch *clock;
} counting;

static void *count_up(void *arg)
{
    counting *c = arg;
    barrier_wait(c->start);
    stopwatch_start(c->clock);
    for (long i = 0; i < c->n; i++) {
        switch (c->variant) {
            case 0:
                TB_CHECK(pthread_mutex_lock(&counter_mutex));
                counter++;
                TB_CHECK(pthread_mutex_unlock(&counter_mutex));
                break;
            case 1:
                tl_ilock_lock(&counter_ilock);
                counter++;
                tl_ilock_unlock(&counter_ilock);
                break;
            default:
                atomic_fetch_add_explicit(&atomic_counter, 1, memory_order_relaxed);
        }
    }
    stopwatch_end(c->clock);
    return NULL;
}

static const char *const counter_impls[] = {"mutex", "ilock", "atomic"};

/* Seconds per increment, `increments` in all over `threads` threads. */
static double time_counter(int variant, int threads, long increments)
{
    pthread_barrier_t start;
    stopwatch clock;
    counting c = {.variant = variant, .n = increments / threads, .start = &start, .clock = &clock};
    stopwatch_reset(&clock);
    pthread_t t[2];
    counter = 0;
    atomic_store(&atomic_counter, 0);
    barrier_init(&start, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++)
        t[i] = spawn(count_up, &c);
    barrier_wait(&start);
    for (int i = 0; i < threads; i++)
        TB_CHECK(pthread_join(t[i], NULL));
    double seconds = stopwatch_seconds(&clock);
    TB_CHECK(pthread_barrier_destroy(&start));
    if (counter + atomic_load(&atomic_counter) != c.n * threads)
        die("the counter lost increments");
    return seconds / (double)(c.n * threads);
}

/* ======================= threads ======================= */

static void *do_nothing(void *arg)
{
    return arg;
}

static gpointer glib_do_nothing(gpointer arg)
{
    return arg;
}

static void *tl_sleeper(void *arg)
{
    (void)arg;
    tl_sleep(SLEEP_SECONDS);
    return NULL;
}

static void *nanosleeper(void *arg)
{
    (void)arg;
    struct timespec ts = {0, (long)(SLEEP_SECONDS * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        if (errno != EINTR)
            die("nanosleep");
    return NULL;
}

/* Seconds per start + join; with sleep, the thread sleeps SLEEP_SECONDS and the result
 * is what the round trip costs beyond that sleep. */
static double time_threads(const char *impl, bool sleep, long n)
{
    double begin = now();
    for (long i = 0; i < n; i++) {
        if (strcmp(impl, "threadlab") == 0) {
            tl_thread_join(tl_thread_start(sleep ? tl_sleeper : do_nothing, NULL));
        } else if (strcmp(impl, "GLib") == 0) {
            g_thread_join(g_thread_new("bench", glib_do_nothing, NULL));
        } else {
            pthread_t t = spawn(sleep ? nanosleeper : do_nothing, NULL);
            TB_CHECK(pthread_join(t, NULL));
        }
    }
    double per = (now() - begin) / (double)n;
    return sleep ? per - SLEEP_SECONDS : per;
}

/* ======================= CPython ======================= */

static const char *python_script; /* NULL: no CPython rows */

/* Run the script once (every CPython workload) and record its lines "workload seconds". */
static void run_python(void)
{
    if (python_script == NULL)
        return;
    char command[4200];
    snprintf(command, sizeof command, "python3 '%s' %g", python_script, scale);
    FILE *out = popen(command, "r");
    if (out == NULL)
        die("cannot run python3");
    char line[256];
    while (fgets(line, sizeof line, out) != NULL) {
        char *tab = strchr(line, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        record(line, "CPython", strtod(tab + 1, NULL));
    }
    if (pclose(out) != 0)
        die("the CPython script failed");
}

/* ======================= one round ======================= */

static int sweep[MAX_SWEEP];
static int sweep_count;

static void sweep_key(char *key, size_t size, const char *what, int n)
{
    snprintf(key, size, "sweep %s %d", what, n);
}

/* --only: the groups to run (NULL: every group). */
static const char *only;

static bool wanted(const char *group)
{
    if (only == NULL)
        return true;
    size_t length = strlen(group);
    for (const char *p = only; (p = strstr(p, group)) != NULL; p += length)
        if ((p == only || p[-1] == ',') && (p[length] == ',' || p[length] == '\0'))
            return true;
    return false;
}

static void run_round(int round)
{
    /* The implementations take turns, starting one further each round. */
    for (size_t k = 0; k < QUEUE_IMPLS && wanted("queue"); k++) {
        const queue_ops *ops = &queue_impls[(k + (size_t)round) % QUEUE_IMPLS];
        record("queue bounded", ops->impl, time_queue(ops, 64, 2, size_of(QUEUE_ITEMS)));
        record("queue unbounded", ops->impl, time_queue(ops, 0, 2, size_of(QUEUE_ITEMS)));
    }
    long tasks = size_of(POOL_TASKS);
    for (int k = 0; k < 3 && wanted("pool"); k++) {
        switch ((k + round) % 3) {
            case 0:
                record("pool futures", "threadlab", time_threadlab_pool(POOL_FUTURES, 2, tasks));
                record("pool fire-and-forget", "threadlab",
                       time_threadlab_pool(POOL_FIRE_AND_FORGET, 2, tasks));
                record("pool map", "threadlab", time_threadlab_pool(POOL_MAP, 2, tasks));
                record("pool as_completed", "threadlab",
                       time_threadlab_pool(POOL_AS_COMPLETED, 2, tasks));
                break;
            case 1:
                record("pool futures", "GLib", time_glib_pool(POOL_FUTURES, 2, tasks));
                record("pool fire-and-forget", "GLib",
                       time_glib_pool(POOL_FIRE_AND_FORGET, 2, tasks));
                break;
            default:
                record("pool futures", "textbook", time_textbook_pool(POOL_FUTURES, 2, tasks));
                record("pool fire-and-forget", "textbook",
                       time_textbook_pool(POOL_FIRE_AND_FORGET, 2, tasks));
        }
    }
    for (size_t k = 0; k < PINGPONG_IMPLS && wanted("ping-pong"); k++) {
        size_t i = (k + (size_t)round) % PINGPONG_IMPLS;
        record("ping-pong", pingpong_impls[i].impl,
               time_pingpong(pingpong_impls[i].play, false, size_of(PINGPONGS)));
        record("ping-pong pinned", pingpong_impls[i].impl,
               time_pingpong(pingpong_impls[i].play, true, size_of(PINGPONGS)));
    }
    for (int k = 0; k < 3 && wanted("counter"); k++) {
        int v = (k + round) % 3;
        record("counter 1 thread", counter_impls[v], time_counter(v, 1, size_of(INCREMENTS)));
        record("counter 2 threads", counter_impls[v], time_counter(v, 2, size_of(INCREMENTS)));
    }
    static const char *const thread_impls[] = {"threadlab", "pthread", "GLib"};
    for (int k = 0; k < 3 && wanted("threads"); k++) {
        const char *impl = thread_impls[(k + round) % 3];
        record("thread create+join", impl, time_threads(impl, false, size_of(THREAD_STARTS)));
        if (strcmp(impl, "GLib") != 0)
            record("sleep+join overhead", impl, time_threads(impl, true, size_of(SLEEPS)));
    }
    if (only == NULL)
        run_python();

    /* The sweep: the unbounded queue with n pairs, the pool with n workers. */
    for (int s = 0; s < sweep_count; s++) {
        char key[64];
        for (size_t k = 0; k < QUEUE_IMPLS && wanted("queue"); k++) {
            const queue_ops *ops = &queue_impls[(k + (size_t)round) % QUEUE_IMPLS];
            sweep_key(key, sizeof key, "queue", sweep[s]);
            record(key, ops->impl, time_queue(ops, 0, sweep[s], size_of(QUEUE_ITEMS)));
        }
        sweep_key(key, sizeof key, "pool", sweep[s]);
        for (int k = 0; k < 3 && wanted("pool"); k++) {
            switch ((k + round) % 3) {
                case 0:
                    record(key, "threadlab", time_threadlab_pool(POOL_FUTURES, sweep[s], tasks));
                    break;
                case 1:
                    record(key, "GLib", time_glib_pool(POOL_FUTURES, sweep[s], tasks));
                    break;
                default:
                    record(key, "textbook", time_textbook_pool(POOL_FUTURES, sweep[s], tasks));
            }
        }
    }
}

/* ======================= the report ======================= */

typedef enum { RATE, NANOS, MICROS } unit;

/* One line of the table: a measurement, and optionally the ratio against another one.
 * ratio = other's time / threadlab's time, where "threadlab's" is this line's own
 * measurement when mine_is_threadlab, otherwise vs's. */
typedef struct line {
    const char *label;
    const char *workload, *impl;
    const char *vs_workload, *vs_impl; /* NULL: no ratio on this line */
    bool mine_is_threadlab;
    double goal; /* 0: no goal */
    const char *goal_note;
} line;

typedef struct block {
    const char *title;
    unit unit;
    line lines[8];
} block;

/* the rest of a line compared with threadlab's measurement of the same workload */
#define TL(goal) "threadlab", false, goal
static const block blocks[] = {
    {"queue bounded (capacity 64, 2 producers / 2 consumers)",
     RATE,
     {
         {"threadlab Queue(64)", "queue bounded", "threadlab", NULL, NULL, false, 0, NULL},
         {"GLib: 2 GAsyncQueues (items + slot tokens)", "queue bounded", "GLib", "queue bounded",
          TL(1.2), NULL},
         {"textbook ring (mutex + 2 condvars)", "queue bounded", "textbook", "queue bounded",
          TL(1.0), NULL},
         {"CPython queue.Queue(64)", "queue bounded", "CPython", "queue bounded", TL(10), NULL},
     }},
    {"queue unbounded (2 producers / 2 consumers)",
     RATE,
     {
         {"threadlab Queue()", "queue unbounded", "threadlab", NULL, NULL, false, 0, NULL},
         {"GLib GAsyncQueue", "queue unbounded", "GLib", "queue unbounded", TL(1.0), NULL},
         {"textbook linked list (mutex + condvar)", "queue unbounded", "textbook",
          "queue unbounded", TL(0), NULL},
         {"CPython queue.Queue()", "queue unbounded", "CPython", "queue unbounded", TL(10), NULL},
     }},
    {"pool with futures (2 workers, submit all, then result of each)",
     RATE,
     {
         {"threadlab pool + futures", "pool futures", "threadlab", NULL, NULL, false, 0, NULL},
         {"GLib GThreadPool (no futures: wait all)", "pool futures", "GLib", "pool futures",
          TL(1.0), NULL},
         {"textbook pool (task = future)", "pool futures", "textbook", "pool futures", TL(0), NULL},
         {"CPython ThreadPoolExecutor(2)", "pool futures", "CPython", "pool futures", TL(35), NULL},
     }},
    {"pool fire-and-forget (2 workers, no future, drain at shutdown)",
     RATE,
     {
         {"threadlab pool (submit_detached)", "pool fire-and-forget", "threadlab", NULL, NULL,
          false, 0, NULL},
         {"GLib GThreadPool", "pool fire-and-forget", "GLib", "pool fire-and-forget", TL(1.0),
          NULL},
         {"textbook pool (detached tasks)", "pool fire-and-forget", "textbook",
          "pool fire-and-forget", TL(0), NULL},
         {"CPython ThreadPoolExecutor(2)", "pool fire-and-forget", "CPython",
          "pool fire-and-forget", TL(0), NULL},
     }},
    {"pool map and as_completed (2 workers), against plain futures",
     RATE,
     {
         {"threadlab map", "pool map", "threadlab", "pool futures", "threadlab", true, 1 / 1.2,
          "within 1.2x"},
         {"threadlab as_completed", "pool as_completed", "threadlab", "pool futures", "threadlab",
          true, 1 / 1.2, "within 1.2x"},
         {"CPython executor.map", "pool map", "CPython", "pool map", TL(0), NULL},
         {"CPython as_completed", "pool as_completed", "CPython", "pool as_completed", TL(0), NULL},
     }},
    {"ping-pong, 2 threads (one round trip = two wake-ups)",
     MICROS,
     {
         {"bare condvar (mutex + pthread_cond_t)", "ping-pong", "bare condvar", NULL, NULL, false,
          0, NULL},
         {"sem_t", "ping-pong", "sem_t", NULL, NULL, false, 0, NULL},
         {"threadlab Event (vs condvar)", "ping-pong", "Event", "ping-pong", "bare condvar", true,
          1 / 1.1, "within 1.1x"},
         {"threadlab Condition (vs condvar)", "ping-pong", "Condition", "ping-pong", "bare condvar",
          true, 1 / 1.1, "within 1.1x"},
         {"threadlab BoundedSemaphore (vs sem_t)", "ping-pong", "BoundedSemaphore", "ping-pong",
          "sem_t", true, 0.9, NULL},
         {"CPython threading.Event (vs Event)", "ping-pong", "CPython", "ping-pong", "Event", false,
          0, NULL},
     }},
    {"ping-pong, both threads pinned to CPU 0",
     MICROS,
     {
         {"bare condvar", "ping-pong pinned", "bare condvar", NULL, NULL, false, 0, NULL},
         {"sem_t", "ping-pong pinned", "sem_t", NULL, NULL, false, 0, NULL},
         {"threadlab Event (vs condvar)", "ping-pong pinned", "Event", "ping-pong pinned",
          "bare condvar", true, 1 / 1.1, "within 1.1x"},
         {"threadlab Condition (vs condvar)", "ping-pong pinned", "Condition", "ping-pong pinned",
          "bare condvar", true, 1 / 1.1, "within 1.1x"},
         {"threadlab BoundedSemaphore (vs sem_t)", "ping-pong pinned", "BoundedSemaphore",
          "ping-pong pinned", "sem_t", true, 0.9, NULL},
     }},
    {"counter, 1 thread (lock, add, unlock)",
     NANOS,
     {
         {"bare pthread mutex", "counter 1 thread", "mutex", NULL, NULL, false, 0, NULL},
         {"atomic add (no lock)", "counter 1 thread", "atomic", NULL, NULL, false, 0, NULL},
         {"threadlab ilock (vs mutex)", "counter 1 thread", "ilock", "counter 1 thread", "mutex",
          true, 1 / 1.5, "within 1.5x"},
         {"CPython threading.Lock (vs ilock)", "counter 1 thread", "CPython", "counter 1 thread",
          "ilock", false, 0, NULL},
     }},
    {"counter, 2 threads on one lock",
     NANOS,
     {
         {"bare pthread mutex", "counter 2 threads", "mutex", NULL, NULL, false, 0, NULL},
         {"atomic add (no lock)", "counter 2 threads", "atomic", NULL, NULL, false, 0, NULL},
         {"threadlab ilock (vs mutex)", "counter 2 threads", "ilock", "counter 2 threads", "mutex",
          true, 0, NULL},
     }},
    {"thread create + join",
     MICROS,
     {
         {"threadlab lab_thread_start/join", "thread create+join", "threadlab", NULL, NULL, false,
          0, NULL},
         {"pthread_create/join", "thread create+join", "pthread", "thread create+join", TL(0),
          NULL},
         {"GLib g_thread_new/join", "thread create+join", "GLib", "thread create+join", TL(0),
          NULL},
         {"CPython Thread start/join", "thread create+join", "CPython", "thread create+join", TL(0),
          NULL},
     }},
    {"a thread that sleeps 1 ms, joined: time beyond the 1 ms",
     MICROS,
     {
         {"threadlab thread + lab_sleep", "sleep+join overhead", "threadlab", NULL, NULL, false, 0,
          NULL},
         {"pthread + nanosleep", "sleep+join overhead", "pthread", "sleep+join overhead", TL(0),
          NULL},
         {"CPython Thread + time.sleep", "sleep+join overhead", "CPython", "sleep+join overhead",
          TL(0), NULL},
     }},
};
#define BLOCKS (sizeof blocks / sizeof blocks[0])

static void format_value(char *out, size_t size, unit u, double seconds)
{
    if (isnan(seconds)) {
        snprintf(out, size, "%s", python_script == NULL ? "skipped" : "-");
    } else if (u == RATE) {
        double rate = 1 / seconds;
        if (rate >= 1e6)
            snprintf(out, size, "%.2f M/s", rate / 1e6);
        else
            snprintf(out, size, "%.1f k/s", rate / 1e3);
    } else if (u == NANOS) {
        snprintf(out, size, "%.1f ns", seconds * 1e9);
    } else {
        snprintf(out, size, "%.2f us", seconds * 1e6);
    }
}

static int goals_met, goals_missed;

/* The ratio of a line (NAN when either side is missing). */
static double line_ratio(const line *l)
{
    double mine = median(l->workload, l->impl), other = median(l->vs_workload, l->vs_impl);
    return l->mine_is_threadlab ? other / mine : mine / other;
}

/* The goal of a line as text (">= 1.2x", "within 1.1x"; "" when none), and the verdict
 * ("met", "MISSED"; "" when there is no goal or no ratio). Counts the verdicts. */
static void format_goal(char *want, size_t want_size, const char **verdict, const line *l,
                        double ratio)
{
    *verdict = "";
    want[0] = '\0';
    if (l->goal == 0)
        return;
    if (l->goal_note != NULL)
        snprintf(want, want_size, "%s", l->goal_note);
    else
        snprintf(want, want_size, ">= %.1fx", l->goal);
    if (isnan(ratio))
        return;
    bool met = ratio >= l->goal;
    met ? goals_met++ : goals_missed++;
    *verdict = met ? "met" : "MISSED";
}

static void report(FILE *md, int rounds)
{
    fprintf(md, "| workload | implementation | median | ratio | goal | |\n");
    fprintf(md, "|---|---|---:|---:|---|---|\n");
    for (size_t b = 0; b < BLOCKS; b++) {
        printf("\n%s\n", blocks[b].title);
        for (const line *l = blocks[b].lines; l < blocks[b].lines + 8 && l->label != NULL; l++) {
            char value[32], ratio_text[32] = "", want[32] = "";
            const char *verdict = "";
            format_value(value, sizeof value, blocks[b].unit, median(l->workload, l->impl));
            if (l->vs_workload != NULL) {
                double ratio = line_ratio(l);
                if (!isnan(ratio))
                    snprintf(ratio_text, sizeof ratio_text, "%.2fx", ratio);
                format_goal(want, sizeof want, &verdict, l, ratio);
            }
            char text[160];
            int end = snprintf(text, sizeof text, "  %-44s %12s %8s   %s%-11s %s", l->label, value,
                               ratio_text, want[0] ? "goal " : "", want, verdict);
            while (end > 0 && text[end - 1] == ' ')
                text[--end] = '\0';
            printf("%s\n", text);
            fprintf(md, "| %s | %s | %s | %s | %s | %s |\n",
                    l == blocks[b].lines ? blocks[b].title : "", l->label, value, ratio_text, want,
                    verdict);
        }
    }
    printf("\ngoals: %d met, %d missed (%d rounds; medians; ratio = other's time / "
           "threadlab's, > 1: threadlab ahead)\n",
           goals_met, goals_missed, rounds);
}

/* The sweep's table and the data for gnuplot (columns: threads, then for the queue and
 * the pool: threadlab, GLib, textbook in operations per second). */
static void report_sweep(FILE *md, FILE *dat)
{
    static const char *const impls[] = {"threadlab", "GLib", "textbook"};
    printf("\nscaling sweep: unbounded queue with N producer/consumer pairs, pool (futures) with N "
           "workers; M operations/s\n");
    printf("  %3s  %10s %10s %10s %8s   %10s %10s %10s %8s\n", "N", "queue tl", "GLib", "textbook",
           "tl/GLib", "pool tl", "GLib", "textbook", "tl/GLib");
    fprintf(md,
            "| N | queue: threadlab | GLib | textbook | vs GLib (goal >= 1.0) | pool: threadlab "
            "| GLib | textbook | vs GLib (goal >= 1.0) "
            "|\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    fprintf(dat, "# N queue_threadlab queue_glib queue_textbook pool_threadlab pool_glib "
                 "pool_textbook (ops/s)\n");
    for (int s = 0; s < sweep_count; s++) {
        char key[2][64];
        sweep_key(key[0], sizeof key[0], "queue", sweep[s]);
        sweep_key(key[1], sizeof key[1], "pool", sweep[s]);
        printf("  %3d", sweep[s]);
        fprintf(md, "| %d", sweep[s]);
        fprintf(dat, "%d", sweep[s]);
        for (int w = 0; w < 2; w++) {
            for (int i = 0; i < 3; i++) {
                double rate = 1 / median(key[w], impls[i]);
                printf(" %10.2f", rate / 1e6);
                fprintf(md, " | %.2f M/s", rate / 1e6);
                fprintf(dat, " %.0f", rate);
            }
            double ratio = median(key[w], "GLib") / median(key[w], "threadlab");
            bool met = ratio >= 1.0;
            if (!isnan(ratio)) /* NAN: not measured (--only) */
                met ? goals_met++ : goals_missed++;
            printf(" %7.2fx%s", ratio, met ? " " : "!");
            fprintf(md, " | %.2fx %s", ratio, met ? "met" : "MISSED");
            printf("  ");
        }
        printf("\n");
        fprintf(md, " |\n");
        fprintf(dat, "\n");
    }
    printf("  (! = below the goal of 1.0x GLib)\n");
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        die("cannot write the results (--out)");
    return f;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_compare [--rounds N] [--threads 1,2,4,8,16] [--scale F] "
                    "[--python SCRIPT] [--out DIR]\n"
                    "       [--only queue,pool,ping-pong,counter,threads]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int rounds = 7;
    const char *out_dir = ".";
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL)
            usage();
        char *end;
        if (strcmp(argv[i], "--rounds") == 0) {
            long r = strtol(value, &end, 10);
            if (*end != '\0' || r < 1 || r >= MAX_ROUNDS)
                usage();
            rounds = (int)r;
        } else if (strcmp(argv[i], "--scale") == 0) {
            scale = strtod(value, &end);
            if (*end != '\0' || !(scale > 0) || scale > 100)
                usage();
        } else if (strcmp(argv[i], "--threads") == 0) {
            const char *p = value;
            while (*p != '\0') {
                long n = strtol(p, &end, 10);
                if (end == p || n < 1 || n > MAX_SWEEP || sweep_count == MAX_SWEEP)
                    usage();
                sweep[sweep_count++] = (int)n;
                p = *end == ',' ? end + 1 : end;
                if (*end != ',' && *end != '\0')
                    usage();
            }
        } else if (strcmp(argv[i], "--python") == 0) {
            python_script = value;
        } else if (strcmp(argv[i], "--only") == 0) {
            only = value;
        } else if (strcmp(argv[i], "--out") == 0) {
            out_dir = value;
        } else {
            usage();
        }
        i++;
    }
    tl_init();
    tl_ilock_init(&counter_ilock);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("threadlab side by side: %d rounds, interleaved; medians; %ld CPUs; sizes x%g\n", rounds,
           cpus, scale);
    printf("ratio = other's time per operation / threadlab's: > 1 means threadlab is ahead\n");
    if (python_script == NULL)
        printf("CPython rows skipped: python3 not found\n");
    bool progress = isatty(STDERR_FILENO); /* a terminal: say which round is running */
    for (int r = 0; r < rounds; r++) {
        if (progress)
            fprintf(stderr, "\rround %d of %d ", r + 1, rounds);
        run_round(r);
    }
    if (progress)
        fprintf(stderr, "\r                  \r");
    FILE *md = open_out(out_dir, "results.md");
    report(md, rounds);
    fclose(md);
    if (sweep_count > 0) {
        FILE *sweep_md = open_out(out_dir, "sweep.md");
        FILE *dat = open_out(out_dir, "sweep.dat");
        report_sweep(sweep_md, dat);
        fclose(sweep_md);
        fclose(dat);
        printf("goals including the sweep: %d met, %d missed\n", goals_met, goals_missed);
    }
    tl_ilock_destroy(&counter_ilock);
    return 0;
}
