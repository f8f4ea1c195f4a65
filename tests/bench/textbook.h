/* textbook.h — the queue and the pool as a textbook prints them, for bench_compare.c to
 * measure threadlab against: no instrumentation, no timeouts, no shutdown protocol, no
 * error returns (a failed call aborts). What a careful student writes in an afternoon:
 *   - tb_ring: a bounded FIFO, a ring buffer under one mutex with two condition variables
 *     (not_empty for getters, not_full for putters);
 *   - tb_list: an unbounded FIFO, a linked list (one malloc per item) under one mutex with
 *     one condition variable;
 *   - tb_pool: worker threads taking tasks from a linked list; a task is its own "future"
 *     (a done flag under the pool's lock), and one condition variable, broadcast when any
 *     task finishes, wakes whoever waits for a result. */
#ifndef THREADLAB_BENCH_TEXTBOOK_H
#define THREADLAB_BENCH_TEXTBOOK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every pthread call's result checked: a failure is a broken benchmark. */
#define TB_CHECK(call)                                                                       \
    do {                                                                                     \
        int tb_rc_ = (call);                                                                 \
        if (tb_rc_ != 0) {                                                                   \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(tb_rc_)); \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

static inline void *tb_malloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        abort();
    }
    return p;
}

/* ---- bounded: a ring buffer ---- */
typedef struct tb_ring {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    void **slots;
    size_t capacity, head, count; /* protected by lock */
} tb_ring;

static inline tb_ring *tb_ring_new(size_t capacity)
{
    tb_ring *q = tb_malloc(sizeof *q);
    TB_CHECK(pthread_mutex_init(&q->lock, NULL));
    TB_CHECK(pthread_cond_init(&q->not_empty, NULL));
    TB_CHECK(pthread_cond_init(&q->not_full, NULL));
    q->slots = tb_malloc(capacity * sizeof q->slots[0]);
    q->capacity = capacity;
    q->head = q->count = 0;
    return q;
}

static inline void tb_ring_put(tb_ring *q, void *item)
{
    TB_CHECK(pthread_mutex_lock(&q->lock));
    while (q->count == q->capacity)
        TB_CHECK(pthread_cond_wait(&q->not_full, &q->lock));
    q->slots[(q->head + q->count) % q->capacity] = item;
    q->count++;
    TB_CHECK(pthread_cond_signal(&q->not_empty));
    TB_CHECK(pthread_mutex_unlock(&q->lock));
}

static inline void *tb_ring_get(tb_ring *q)
{
    TB_CHECK(pthread_mutex_lock(&q->lock));
    while (q->count == 0)
        TB_CHECK(pthread_cond_wait(&q->not_empty, &q->lock));
    void *item = q->slots[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    TB_CHECK(pthread_cond_signal(&q->not_full));
    TB_CHECK(pthread_mutex_unlock(&q->lock));
    return item;
}

static inline void tb_ring_free(tb_ring *q)
{
    TB_CHECK(pthread_cond_destroy(&q->not_full));
    TB_CHECK(pthread_cond_destroy(&q->not_empty));
    TB_CHECK(pthread_mutex_destroy(&q->lock));
    free(q->slots);
    free(q);
}

/* ---- unbounded: a linked list ---- */
typedef struct tb_node {
    struct tb_node *next;
    void *item;
} tb_node;

typedef struct tb_list {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    tb_node *first, *last; /* protected by lock */
} tb_list;

static inline tb_list *tb_list_new(void)
{
    tb_list *q = tb_malloc(sizeof *q);
    TB_CHECK(pthread_mutex_init(&q->lock, NULL));
    TB_CHECK(pthread_cond_init(&q->not_empty, NULL));
    q->first = q->last = NULL;
    return q;
}

static inline void tb_list_put(tb_list *q, void *item)
{
    tb_node *node = tb_malloc(sizeof *node); /* outside the lock: no one waits for malloc */
    node->next = NULL;
    node->item = item;
    TB_CHECK(pthread_mutex_lock(&q->lock));
    if (q->last != NULL)
        q->last->next = node;
    else
        q->first = node;
    q->last = node;
    TB_CHECK(pthread_cond_signal(&q->not_empty));
    TB_CHECK(pthread_mutex_unlock(&q->lock));
}

static inline void *tb_list_get(tb_list *q)
{
    TB_CHECK(pthread_mutex_lock(&q->lock));
    while (q->first == NULL)
        TB_CHECK(pthread_cond_wait(&q->not_empty, &q->lock));
    tb_node *node = q->first;
    q->first = node->next;
    if (q->first == NULL)
        q->last = NULL;
    TB_CHECK(pthread_mutex_unlock(&q->lock));
    void *item = node->item;
    free(node);
    return item;
}

static inline void tb_list_free(tb_list *q)
{
    while (q->first != NULL) {
        tb_node *node = q->first;
        q->first = node->next;
        free(node);
    }
    TB_CHECK(pthread_cond_destroy(&q->not_empty));
    TB_CHECK(pthread_mutex_destroy(&q->lock));
    free(q);
}

/* ---- a pool whose tasks are their own futures ---- */
typedef struct tb_task {
    struct tb_task *next;
    long (*fn)(long arg);
    long arg, value;
    bool done;     /* protected by the pool's lock */
    bool detached; /* nobody will ask for the result: the worker frees the task */
} tb_task;

#define TB_POOL_MAX 64

typedef struct tb_pool {
    pthread_mutex_t lock;
    pthread_cond_t work;     /* a task was queued, or the pool is stopping */
    pthread_cond_t finished; /* some task finished (broadcast: waiters check their own) */
    tb_task *first, *last;   /* the queue; protected by lock */
    bool stopping;           /* protected by lock */
    int workers;
    pthread_t threads[TB_POOL_MAX];
} tb_pool;

static void *tb_worker(void *arg)
{
    tb_pool *pool = arg;
    TB_CHECK(pthread_mutex_lock(&pool->lock));
    for (;;) {
        while (pool->first == NULL && !pool->stopping)
            TB_CHECK(pthread_cond_wait(&pool->work, &pool->lock));
        if (pool->first == NULL)
            break; /* stopping, and nothing left to do */
        tb_task *task = pool->first;
        pool->first = task->next;
        if (pool->first == NULL)
            pool->last = NULL;
        TB_CHECK(pthread_mutex_unlock(&pool->lock));
        long value = task->fn(task->arg); /* no lock held while the task runs */
        TB_CHECK(pthread_mutex_lock(&pool->lock));
        if (task->detached) {
            free(task);
        } else {
            task->value = value;
            task->done = true;
            TB_CHECK(pthread_cond_broadcast(&pool->finished));
        }
    }
    TB_CHECK(pthread_mutex_unlock(&pool->lock));
    return NULL;
}

/* Every worker starts at once (no lazy start: a textbook keeps it simple). */
static inline tb_pool *tb_pool_new(int workers)
{
    tb_pool *pool = tb_malloc(sizeof *pool);
    TB_CHECK(pthread_mutex_init(&pool->lock, NULL));
    TB_CHECK(pthread_cond_init(&pool->work, NULL));
    TB_CHECK(pthread_cond_init(&pool->finished, NULL));
    pool->first = pool->last = NULL;
    pool->stopping = false;
    pool->workers = workers < TB_POOL_MAX ? workers : TB_POOL_MAX;
    for (int i = 0; i < pool->workers; i++)
        TB_CHECK(pthread_create(&pool->threads[i], NULL, tb_worker, pool));
    return pool;
}

/* Queue fn(arg); with detached, nobody waits for it and the worker frees it. */
static inline tb_task *tb_pool_submit(tb_pool *pool, long (*fn)(long), long arg, bool detached)
{
    tb_task *task = tb_malloc(sizeof *task);
    *task = (tb_task){.fn = fn, .arg = arg, .detached = detached};
    TB_CHECK(pthread_mutex_lock(&pool->lock));
    if (pool->last != NULL)
        pool->last->next = task;
    else
        pool->first = task;
    pool->last = task;
    TB_CHECK(pthread_cond_signal(&pool->work));
    TB_CHECK(pthread_mutex_unlock(&pool->lock));
    return detached ? NULL : task;
}

/* Wait for a task submitted with detached false; return its value and free it. */
static inline long tb_task_result(tb_pool *pool, tb_task *task)
{
    TB_CHECK(pthread_mutex_lock(&pool->lock));
    while (!task->done)
        TB_CHECK(pthread_cond_wait(&pool->finished, &pool->lock));
    TB_CHECK(pthread_mutex_unlock(&pool->lock));
    long value = task->value;
    free(task);
    return value;
}

/* Let the queued tasks finish, join the workers, free the pool. */
static inline void tb_pool_free(tb_pool *pool)
{
    TB_CHECK(pthread_mutex_lock(&pool->lock));
    pool->stopping = true;
    TB_CHECK(pthread_cond_broadcast(&pool->work));
    TB_CHECK(pthread_mutex_unlock(&pool->lock));
    for (int i = 0; i < pool->workers; i++)
        TB_CHECK(pthread_join(pool->threads[i], NULL));
    TB_CHECK(pthread_cond_destroy(&pool->finished));
    TB_CHECK(pthread_cond_destroy(&pool->work));
    TB_CHECK(pthread_mutex_destroy(&pool->lock));
    free(pool);
}

#endif
