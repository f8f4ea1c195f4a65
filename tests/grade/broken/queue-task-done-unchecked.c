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
 *
 * The queue counts the getters and putters asleep on its condition variables, so a put
 * (get) signals only when a getter (putter) sleeps: nobody to wake, no call. The signal
 * stays under the lock: sent after the unlock, it let the woken thread find the queue
 * emptied by another one and sleep again, and with 8 or 16 pairs of threads on 2 CPUs the
 * throughput fell from about 7 to 1 M items/s in the benchmark.
 */
#include "queue.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>
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
    int getters_waiting;     /* threads asleep on not_empty */
    int putters_waiting;     /* threads asleep on not_full */
    int joiners_waiting;     /* threads asleep on all_tasks_done */
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
        case LAB_QUEUE_SIMPLE:
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
        case LAB_QUEUE_SIMPLE:
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

/* How a put or get waits: not at all (_nowait), without a limit, or until a deadline. */
typedef enum { NOWAIT, BLOCK, TIMED } wait_mode;

/* The one rule for time: a duration is finite and >= 0 (0 polls). */
static bool duration_ok(double class_seconds)
{
    return class_seconds >= 0 && isfinite(class_seconds);
}

/* Wait on cond until signalled or the deadline (NULL: none), counted in *sleepers while
 * asleep. Returns false when the deadline passed. A wake-up proves nothing (it may be
 * spurious, or another thread got there first): every caller re-checks its condition in
 * a loop.
 * LOCKING PROTOCOL: the caller holds q->lock; it is released while waiting, held again on return. */
static bool wait_on(lab_queue *q, pthread_cond_t *cond, int *sleepers,
                    const struct timespec *deadline)
{
    int rc = 0;
    ++*sleepers; /* counted under the lock, which the wait gives up only once we sleep */
    if (deadline == NULL)
        lab_pthread_cond_wait(cond, &q->lock);
    else if ((rc = lab_pthread_cond_timedwait(cond, &q->lock, deadline)) != ETIMEDOUT)
        LAB_CHECK(rc);
    --*sleepers;
    return rc != ETIMEDOUT;
}

/* Report a WAIT point outside the queue's lock (a point may hold the thread back: it must
 * not hold the lock meanwhile). The caller re-checks what it waits for after this. When
 * nobody listens there is nothing to report, and no reason to let go of the lock.
 * LOCKING PROTOCOL: the caller holds q->lock; it may be released and taken again. */
static void point_wait(lab_queue *q)
{
    if (!atomic_load_explicit(&lab_points_on, memory_order_relaxed))
        return;
    lab_pthread_mutex_unlock(&q->lock);
    lab_point(LAB_POINT_WAIT, q, "queue");
    lab_pthread_mutex_lock(&q->lock);
}

/* put with every parameter: the public put functions are this with one mode each. */
static int put_item(lab_queue *q, void *item, long priority, wait_mode mode, double class_seconds)
{
    struct timespec deadline;
    if (mode == TIMED) {
        if (!duration_ok(class_seconds))
            return EINVAL;
        deadline = lab_deadline(class_seconds);
    }
    lab_pthread_mutex_lock(&q->lock);
    bool waited = false, timed_out = false;
    if (mode != NOWAIT && is_full(q) && !q->shut_down) {
        point_wait(q);
        waited = true;
    }
    while (mode != NOWAIT && is_full(q) && !q->shut_down && !timed_out) /* a get makes room */
        timed_out =
            !wait_on(q, &q->not_full, &q->putters_waiting, mode == TIMED ? &deadline : NULL);

    int rc;
    if (q->shut_down)
        rc = ESHUTDOWN;
    else if (is_full(q))
        rc = mode == NOWAIT ? EAGAIN : ETIMEDOUT;
    else if (!make_room(q))
        rc = ENOMEM;
    else {
        store(q, (entry){.item = item, .priority = priority, .order = q->puts++});
        q->unfinished++;
        if (q->getters_waiting > 0) /* one new item: one getter can have it */
            lab_pthread_cond_signal(&q->not_empty);
        rc = 0;
    }
    lab_pthread_mutex_unlock(&q->lock);
    if (waited)
        lab_point(rc == ETIMEDOUT ? LAB_POINT_TIMEOUT : LAB_POINT_GET, q, "queue");
    if (rc == 0)
        lab_point(LAB_POINT_RELEASE, q, "queue"); /* the item is in: a getter may have it */
    return rc;
}

/* get with every parameter; *priority (unless NULL) gets the item's priority. */
static int get_item(lab_queue *q, void **item, long *priority, wait_mode mode, double class_seconds)
{
    struct timespec deadline;
    if (mode == TIMED) {
        if (!duration_ok(class_seconds))
            return EINVAL;
        deadline = lab_deadline(class_seconds);
    }
    lab_pthread_mutex_lock(&q->lock);
    bool timed_out = false;
    if (mode != NOWAIT && q->count == 0 && !q->shut_down)
        point_wait(q);
    while (mode != NOWAIT && q->count == 0 && !q->shut_down && !timed_out) /* a put (or shutdown) */
        timed_out =
            !wait_on(q, &q->not_empty, &q->getters_waiting, mode == TIMED ? &deadline : NULL);

    int rc;
    if (q->count > 0) { /* even after shutdown: what is left is still handed out */
        entry e = take(q);
        *item = e.item;
        if (priority != NULL)
            *priority = e.priority;
        if (q->putters_waiting > 0) /* one free slot: one putter can use it */
            lab_pthread_cond_signal(&q->not_full);
        rc = 0;
    } else if (q->shut_down)
        rc = ESHUTDOWN;
    else
        rc = mode == NOWAIT ? EAGAIN : ETIMEDOUT;
    lab_pthread_mutex_unlock(&q->lock);
    if (rc == 0 || rc == ESHUTDOWN)
        lab_point(LAB_POINT_GET, q, "queue"); /* an item, or the news that none will come */
    else if (rc == ETIMEDOUT)
        lab_point(LAB_POINT_TIMEOUT, q, "queue");
    return rc;
}

/* ---- the public functions ---- */

lab_queue *lab_queue_new(lab_queue_kind kind, long maxsize)
{
    if ((kind != LAB_QUEUE_FIFO && kind != LAB_QUEUE_LIFO && kind != LAB_QUEUE_PRIORITY &&
         kind != LAB_QUEUE_SIMPLE) ||
        (kind == LAB_QUEUE_SIMPLE && maxsize > 0)) { /* SimpleQueue() has no maxsize */
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
    /* Adaptive: a put or get holds the lock for a few instructions, so a thread that finds
     * it taken spins a moment before it sleeps (a plain mutex sleeps at once: two system
     * calls per collision between producers and consumers). */
    if ((rc = lab_pthread_mutex_init_kind(&q->lock, PTHREAD_MUTEX_ADAPTIVE_NP)) != 0)
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

int lab_queue_put(lab_queue *q, void *item)
{
    return put_item(q, item, 0, BLOCK, 0);
}

int lab_queue_put_timeout(lab_queue *q, void *item, double class_seconds)
{
    return put_item(q, item, 0, TIMED, class_seconds);
}

int lab_queue_put_nowait(lab_queue *q, void *item)
{
    return put_item(q, item, 0, NOWAIT, 0);
}

int lab_queue_put_priority(lab_queue *q, void *item, long priority)
{
    return put_item(q, item, priority, BLOCK, 0);
}

int lab_queue_put_priority_nowait(lab_queue *q, void *item, long priority)
{
    return put_item(q, item, priority, NOWAIT, 0);
}

int lab_queue_get(lab_queue *q, void **item)
{
    return get_item(q, item, NULL, BLOCK, 0);
}

int lab_queue_get_timeout(lab_queue *q, void **item, double class_seconds)
{
    return get_item(q, item, NULL, TIMED, class_seconds);
}

int lab_queue_get_nowait(lab_queue *q, void **item)
{
    return get_item(q, item, NULL, NOWAIT, 0);
}

int lab_queue_get_priority(lab_queue *q, void **item, long *priority)
{
    return get_item(q, item, priority, BLOCK, 0);
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

size_t lab_queue_unfinished_tasks(lab_queue *q)
{
    /* A SIMPLE queue counts its puts too (the put path stays the same for every kind), but
     * tracks no task: it has none unfinished. */
    if (q->kind == LAB_QUEUE_SIMPLE)
        return 0;
    lab_pthread_mutex_lock(&q->lock);
    size_t unfinished = q->unfinished;
    lab_pthread_mutex_unlock(&q->lock);
    return unfinished;
}

int lab_queue_task_done(lab_queue *q)
{
    if (q->kind == LAB_QUEUE_SIMPLE)
        return EINVAL; /* no task tracking: never an unfinished task to mark */
    lab_pthread_mutex_lock(&q->lock);
    int rc = EINVAL; /* more task_done calls than items put */
    if (true) {      /* BROKEN: task_done() is never refused */
        q->unfinished--;
        if (q->unfinished == 0)
            lab_pthread_cond_broadcast(&q->all_tasks_done); /* every joiner may go on */
        rc = 0;
    }
    lab_pthread_mutex_unlock(&q->lock);
    if (rc == 0)
        lab_point(LAB_POINT_RELEASE, q, "queue"); /* may let a joiner go */
    return rc;
}

/* join with no limit (deadline NULL) or until a deadline: 0 or ETIMEDOUT. */
static int join_until(lab_queue *q, const struct timespec *deadline)
{
    if (q->kind == LAB_QUEUE_SIMPLE)
        return 0; /* no task tracking: nothing to wait for */
    lab_pthread_mutex_lock(&q->lock);
    bool waited = q->unfinished > 0, timed_out = false;
    if (waited)
        point_wait(q);
    while (q->unfinished > 0 && !timed_out)
        timed_out = !wait_on(q, &q->all_tasks_done, &q->joiners_waiting, deadline);
    int rc = q->unfinished == 0 ? 0 : ETIMEDOUT;
    lab_pthread_mutex_unlock(&q->lock);
    if (waited)
        lab_point(rc == 0 ? LAB_POINT_GET : LAB_POINT_TIMEOUT, q, "queue");
    return rc;
}

void lab_queue_join(lab_queue *q)
{
    join_until(q, NULL);
}

int lab_queue_join_timeout(lab_queue *q, double class_seconds)
{
    if (!duration_ok(class_seconds))
        return EINVAL;
    struct timespec deadline = lab_deadline(class_seconds);
    return join_until(q, &deadline);
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
    /* Everyone waiting must look again: getters find ESHUTDOWN once the queue is empty,
     * putters find it at once. */
    lab_pthread_cond_broadcast(&q->not_empty);
    lab_pthread_cond_broadcast(&q->not_full);
    lab_pthread_mutex_unlock(&q->lock);
    lab_point(LAB_POINT_RELEASE, q, "queue");
    return dropped;
}

bool lab_queue_is_shut_down(lab_queue *q)
{
    lab_pthread_mutex_lock(&q->lock);
    bool shut_down = q->shut_down;
    lab_pthread_mutex_unlock(&q->lock);
    return shut_down;
}

/* Python's name for what a put (putting) or a get returned. */
static const char *error_name(int rc, bool putting)
{
    switch (rc) {
        case 0:
            return "OK";
        case EAGAIN:
            return putting ? "Full" : "Empty";
        case ETIMEDOUT:
            return "Timeout";
        case ESHUTDOWN:
            return "ShutDown";
        case EINVAL:
            return "ValueError";
        case ENOMEM:
            return "MemoryError";
        default:
            return "?";
    }
}

const char *lab_queue_put_error_name(int rc)
{
    return error_name(rc, true);
}

const char *lab_queue_get_error_name(int rc)
{
    return error_name(rc, false);
}

const char *lab_queue_kind_name(lab_queue_kind kind)
{
    static const char *const names[] = {"fifo", "lifo", "priority", "simple"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
