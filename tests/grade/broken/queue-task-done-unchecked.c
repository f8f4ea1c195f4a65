/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/queue.c with one
 * change: task_done() called more often than items were put is not an error (Python: ValueError); the count wraps.
 * Try: make grade MODULE=queue SRC=tests/grade/broken/queue-task-done-unchecked.c
 * grade: module queue
 * expect: FAIL ; too_many_task_done_is_an_error
 * case: non-blocking and misuse
 */
/* queue.c — FIFO, LIFO and priority queues between threads (see queue.h).
 *
 * The items live in one array of entries. How it is used depends on the kind:
 *   FIFO      a ring buffer: the oldest entry at `head`, the others after it, wrapping;
 *   LIFO      a stack: entries[0 .. count-1], the newest on top at count-1;
 *   PRIORITY  a binary min-heap: the first to come out at entries[0], and each entry
 *             comes before its two children at 2i+1 and 2i+2.
 * A bounded queue gets its whole array (maxsize entries) up front, so a put never needs
 * memory; an unbounded one starts small and doubles when it is full.
 */
#include "queue.h"

#include "checked.h"
#include "clock.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

enum { UNBOUNDED_START = 16 }; /* first capacity of an unbounded queue */

typedef struct entry {
    void *item;
    long priority;            /* PRIORITY: lower comes out first */
    unsigned long long order; /* how many puts came before: breaks ties between equal priorities */
} entry;

struct lab_queue {
    pthread_mutex_t lock;          /* guards every field below */
    pthread_cond_t not_empty;      /* getters wait here; put signals one */
    pthread_cond_t not_full;       /* putters wait here; get signals one */
    pthread_cond_t all_tasks_done; /* joiners wait here; the last task_done broadcasts */
    lab_queue_kind kind;
    long maxsize; /* <= 0: unbounded (never changes: read without the lock) */
    entry *entries;
    size_t capacity;         /* entries allocated */
    size_t head;             /* FIFO: index of the oldest entry; 0 for the other kinds */
    size_t count;            /* entries in the queue */
    unsigned long long puts; /* entries ever put: the next entry's `order` */
    size_t unfinished;       /* put but not yet marked task_done (Python's unfinished_tasks) */
    bool shut_down;
};

/* ---- the three orders (the caller holds the lock in all of these) ---- */

/* Whether a comes out of a PRIORITY queue before b. */
static bool comes_first(const entry *a, const entry *b)
{
    return a->priority < b->priority || (a->priority == b->priority && a->order < b->order);
}

/* Heap: put e at the bottom (index count) and move it up past every parent it beats. */
static void sift_up(lab_queue *q, entry e)
{
    size_t i = q->count;
    while (i > 0 && comes_first(&e, &q->entries[(i - 1) / 2])) {
        q->entries[i] = q->entries[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    q->entries[i] = e;
}

/* Heap of n entries whose root was removed: put e at the root and move it down past
 * every child that beats it. */
static void sift_down(lab_queue *q, entry e, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && comes_first(&q->entries[child + 1], &q->entries[child]))
            child++; /* the better of the two children */
        if (!comes_first(&q->entries[child], &e))
            break;
        q->entries[i] = q->entries[child];
        i = child;
    }
    q->entries[i] = e;
}

/* Add e; there is room in the array. */
static void store(lab_queue *q, entry e)
{
    switch (q->kind) {
        case LAB_QUEUE_FIFO:
            q->entries[(q->head + q->count) % q->capacity] = e; /* behind the newest */
            break;
        case LAB_QUEUE_LIFO:
            q->entries[q->count] = e; /* on top */
            break;
        case LAB_QUEUE_PRIORITY:
            sift_up(q, e);
            break;
    }
    q->count++;
}

/* Remove and return the entry that comes out next; the queue is not empty. */
static entry take(lab_queue *q)
{
    entry e = {0};
    switch (q->kind) {
        case LAB_QUEUE_FIFO:
            e = q->entries[q->head];
            q->head = (q->head + 1) % q->capacity;
            break;
        case LAB_QUEUE_LIFO:
            e = q->entries[q->count - 1];
            break;
        case LAB_QUEUE_PRIORITY:
            e = q->entries[0];
            sift_down(q, q->entries[q->count - 1],
                      q->count - 1); /* the last entry fills the hole */
            break;
    }
    q->count--;
    return e;
}

/* Unbounded queues: make sure the array has room for one more entry, doubling it if
 * needed. Returns false when out of memory (the queue is unchanged). */
static bool make_room(lab_queue *q)
{
    if (q->count < q->capacity)
        return true;
    if (q->capacity > SIZE_MAX / 2 / sizeof(entry))
        return false;
    size_t capacity = q->capacity * 2;
    entry *bigger = malloc(capacity * sizeof *bigger);
    if (bigger == NULL)
        return false;
    for (size_t i = 0; i < q->count;
         i++) /* unrolls a FIFO ring; a no-op reorder for the others (head is 0) */
        bigger[i] = q->entries[(q->head + i) % q->capacity];
    free(q->entries);
    q->entries = bigger;
    q->capacity = capacity;
    q->head = 0;
    return true;
}

static bool is_full(const lab_queue *q)
{
    return q->maxsize > 0 && q->count >= (size_t)q->maxsize;
}

/* ---- waiting ---- */

/* Turn a timeout into a deadline: *deadline = NULL to wait forever, else it points to
 * *storage. Returns false for a timeout Python refuses (negative other than FOREVER, NaN). */
static bool deadline_from(double timeout, struct timespec *storage,
                          const struct timespec **deadline)
{
    *deadline = NULL;
    /* more than 30 years is as good as forever (and too big for a timespec) */
    if (timeout == LAB_FOREVER_REMOVED || lab_real_seconds(timeout) > 1e9)
        return true;
    if (!(timeout >= 0))
        return false;
    *storage = lab_deadline(timeout);
    *deadline = storage;
    return true;
}

/* Wait on cond until signalled or the deadline (NULL: none). Returns false when the
 * deadline passed. A wake-up proves nothing (it may be spurious, or another thread got
 * there first): every caller re-checks its condition in a loop.
 * LOCKING PROTOCOL: the caller holds q->lock; it is released while waiting, held again on return. */
static bool wait_on(lab_queue *q, pthread_cond_t *cond, const struct timespec *deadline)
{
    if (deadline == NULL) {
        lab_pthread_cond_wait(cond, &q->lock);
        return true;
    }
    int rc = pthread_cond_timedwait(cond, &q->lock, deadline);
    if (rc == ETIMEDOUT)
        return false;
    LAB_CHECK(rc);
    return true;
}

/* ---- the public functions ---- */

lab_queue *lab_queue_new(lab_queue_kind kind, long maxsize)
{
    if (kind != LAB_QUEUE_FIFO && kind != LAB_QUEUE_LIFO && kind != LAB_QUEUE_PRIORITY) {
        errno = EINVAL;
        return NULL;
    }
    lab_queue *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->kind = kind;
    q->maxsize = maxsize;
    q->capacity = maxsize > 0 ? (size_t)maxsize : UNBOUNDED_START;
    /* Each step is undone, in reverse, if a later one fails. */
    int rc = ENOMEM;
    q->entries = calloc(q->capacity, sizeof *q->entries);
    if (q->entries == NULL)
        goto no_entries;
    if ((rc = pthread_mutex_init(&q->lock, NULL)) != 0)
        goto no_lock;
    if ((rc = lab_pthread_cond_init_monotonic(&q->not_empty)) != 0)
        goto no_not_empty;
    if ((rc = lab_pthread_cond_init_monotonic(&q->not_full)) != 0)
        goto no_not_full;
    if ((rc = lab_pthread_cond_init_monotonic(&q->all_tasks_done)) != 0)
        goto no_all_tasks_done;
    return q;

no_all_tasks_done:
    lab_pthread_cond_destroy(&q->not_full);
no_not_full:
    lab_pthread_cond_destroy(&q->not_empty);
no_not_empty:
    lab_pthread_mutex_destroy(&q->lock);
no_lock:
    free(q->entries);
no_entries:
    free(q);
    errno = rc;
    return NULL;
}

void lab_queue_free(lab_queue *q)
{
    if (q == NULL)
        return;
    lab_pthread_cond_destroy(&q->all_tasks_done);
    lab_pthread_cond_destroy(&q->not_full);
    lab_pthread_cond_destroy(&q->not_empty);
    lab_pthread_mutex_destroy(&q->lock);
    free(q->entries);
    free(q);
}

lab_queue_status lab_queue_put_ex(lab_queue *q, void *item, long priority, bool block,
                                  double timeout)
{
    struct timespec storage;
    const struct timespec *deadline = NULL;
    if (block && !deadline_from(timeout, &storage, &deadline))
        return LAB_QUEUE_ERROR;

    lab_pthread_mutex_lock(&q->lock);
    bool timed_out = false;
    while (block && is_full(q) && !q->shut_down && !timed_out)
        timed_out = !wait_on(q, &q->not_full, deadline); /* a get makes room */

    lab_queue_status status;
    if (q->shut_down)
        status = LAB_QUEUE_SHUT_DOWN;
    else if (is_full(q))
        status = block ? LAB_QUEUE_TIMEOUT : LAB_QUEUE_FULL;
    else if (!make_room(q))
        status = LAB_QUEUE_ERROR;
    else {
        store(q, (entry){.item = item, .priority = priority, .order = q->puts++});
        q->unfinished++;
        lab_pthread_cond_signal(&q->not_empty); /* one new item: one getter can have it */
        status = LAB_QUEUE_OK;
    }
    lab_pthread_mutex_unlock(&q->lock);
    return status;
}

lab_queue_status lab_queue_get_ex(lab_queue *q, void **item, long *priority, bool block,
                                  double timeout)
{
    struct timespec storage;
    const struct timespec *deadline = NULL;
    if (block && !deadline_from(timeout, &storage, &deadline))
        return LAB_QUEUE_ERROR;

    lab_pthread_mutex_lock(&q->lock);
    bool timed_out = false;
    while (block && q->count == 0 && !q->shut_down && !timed_out)
        timed_out = !wait_on(q, &q->not_empty, deadline); /* a put (or shutdown) wakes us */

    lab_queue_status status;
    if (q->count > 0) { /* even after shutdown: what is left is still handed out */
        entry e = take(q);
        *item = e.item;
        if (priority != NULL)
            *priority = e.priority;
        lab_pthread_cond_signal(&q->not_full); /* one free slot: one putter can use it */
        status = LAB_QUEUE_OK;
    } else if (q->shut_down)
        status = LAB_QUEUE_SHUT_DOWN;
    else
        status = block ? LAB_QUEUE_TIMEOUT : LAB_QUEUE_EMPTY;
    lab_pthread_mutex_unlock(&q->lock);
    return status;
}

lab_queue_status lab_queue_put(lab_queue *q, void *item)
{
    return lab_queue_put_ex(q, item, 0, true, LAB_FOREVER_REMOVED);
}

lab_queue_status lab_queue_put_nowait(lab_queue *q, void *item)
{
    return lab_queue_put_ex(q, item, 0, false, 0);
}

lab_queue_status lab_queue_put_timeout(lab_queue *q, void *item, double class_seconds)
{
    if (class_seconds == LAB_FOREVER_REMOVED)
        return LAB_QUEUE_ERROR; /* a negative timeout: not a way to say "forever" here */
    return lab_queue_put_ex(q, item, 0, true, class_seconds);
}

lab_queue_status lab_queue_get(lab_queue *q, void **item)
{
    return lab_queue_get_ex(q, item, NULL, true, LAB_FOREVER_REMOVED);
}

lab_queue_status lab_queue_get_nowait(lab_queue *q, void **item)
{
    return lab_queue_get_ex(q, item, NULL, false, 0);
}

lab_queue_status lab_queue_get_timeout(lab_queue *q, void **item, double class_seconds)
{
    if (class_seconds == LAB_FOREVER_REMOVED)
        return LAB_QUEUE_ERROR;
    return lab_queue_get_ex(q, item, NULL, true, class_seconds);
}

size_t lab_queue_qsize(lab_queue *q)
{
    lab_pthread_mutex_lock(&q->lock);
    size_t count = q->count;
    lab_pthread_mutex_unlock(&q->lock);
    return count;
}

bool lab_queue_empty(lab_queue *q)
{
    return lab_queue_qsize(q) == 0;
}

bool lab_queue_full(lab_queue *q)
{
    lab_pthread_mutex_lock(&q->lock);
    bool full = is_full(q);
    lab_pthread_mutex_unlock(&q->lock);
    return full;
}

long lab_queue_maxsize(const lab_queue *q)
{
    return q->maxsize;
}

lab_queue_status lab_queue_task_done(lab_queue *q)
{
    lab_pthread_mutex_lock(&q->lock);
    lab_queue_status status = LAB_QUEUE_ERROR;
    if (true) { /* BROKEN: task_done() is never refused */
        q->unfinished--;
        if (q->unfinished == 0)
            lab_pthread_cond_broadcast(&q->all_tasks_done); /* every joiner may go on */
        status = LAB_QUEUE_OK;
    }
    lab_pthread_mutex_unlock(&q->lock);
    return status;
}

void lab_queue_join(lab_queue *q)
{
    lab_pthread_mutex_lock(&q->lock);
    while (q->unfinished > 0)
        lab_pthread_cond_wait(&q->all_tasks_done, &q->lock);
    lab_pthread_mutex_unlock(&q->lock);
}

bool lab_queue_join_timeout(lab_queue *q, double class_seconds)
{
    struct timespec storage;
    const struct timespec *deadline = NULL;
    if (!deadline_from(class_seconds < 0 ? 0 : class_seconds, &storage, &deadline))
        return false; /* NaN */
    lab_pthread_mutex_lock(&q->lock);
    bool timed_out = false;
    while (q->unfinished > 0 && !timed_out)
        timed_out = !wait_on(q, &q->all_tasks_done, deadline);
    bool all_done = q->unfinished == 0;
    lab_pthread_mutex_unlock(&q->lock);
    return all_done;
}

size_t lab_queue_shutdown(lab_queue *q, bool immediate)
{
    lab_pthread_mutex_lock(&q->lock);
    q->shut_down = true;
    size_t dropped = 0;
    if (immediate) {
        for (; q->count > 0; dropped++) {
            take(q);
            if (q->unfinished > 0)
                q->unfinished--; /* a dropped item counts as done, so join can return */
        }
        lab_pthread_cond_broadcast(&q->all_tasks_done);
    }
    /* Everyone waiting must look again: getters find SHUT_DOWN once the queue is empty,
     * putters find it at once. */
    lab_pthread_cond_broadcast(&q->not_empty);
    lab_pthread_cond_broadcast(&q->not_full);
    lab_pthread_mutex_unlock(&q->lock);
    return dropped;
}

bool lab_queue_is_shut_down(lab_queue *q)
{
    lab_pthread_mutex_lock(&q->lock);
    bool shut_down = q->shut_down;
    lab_pthread_mutex_unlock(&q->lock);
    return shut_down;
}

const char *lab_queue_status_name(lab_queue_status status)
{
    static const char *const names[] = {"OK", "Full", "Empty", "Timeout", "ShutDown", "Error"};
    return (unsigned)status < sizeof names / sizeof names[0] ? names[status] : "?";
}

const char *lab_queue_kind_name(lab_queue_kind kind)
{
    static const char *const names[] = {"fifo", "lifo", "priority"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
