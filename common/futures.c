/* futures.c — as_completed and wait (see futures.h).
 *
 * An iterator keeps a list of positions in finishing order. It hangs a watch (future.h)
 * on each future; a future that finishes calls the watch, which appends the future's
 * position to the list and, if the reader sleeps, wakes it. wait() is as_completed with a
 * stopping rule.
 *
 * The list is appended to without a lock, because the finishers are the busy side (every
 * worker of a pool, at once): a finisher takes a ticket, the next free slot, with one
 * atomic add, then writes its position (+ 1: 0 means "not written yet") into that slot.
 * The reader hands the slots out in ticket order under the iterator's mutex, and sleeps
 * on its condition variable when the next slot is still empty. Not losing a wake-up is
 * the classic two-sided check, with sequentially consistent atomics:
 *     finisher:  write the slot;            then look whether a reader sleeps
 *     reader:    count itself as asleep;    then look at the slot once more
 * In the single order that sequential consistency guarantees, one of the two writes
 * comes first, so at least one side sees the other: the reader finds its slot written,
 * or the finisher finds the reader counted and wakes it (under the mutex, which the
 * reader holds until it really sleeps).
 */
#include "futures.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Helgrind (valgrind) does not model C11 atomics: where its header is installed, tell it
 * the slots and counters below are meant to be shared. */
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#else
#define ANNOTATE_BENIGN_RACE_SIZED(address, size, description) ((void)0)
#endif

/* One future's place in an iterator: the watch hung on it. */
typedef struct slot {
    lab_future_watch watch; /* first: notify() finds the slot from it */
    lab_futures_as_completed *iterator;
    size_t index; /* the future's position in the caller's array */
    bool hung;    /* the watch is on the future (to take off at free) */
} slot;

struct lab_futures_as_completed {
    pthread_mutex_t lock;        /* the readers' (next) and the sleepers' */
    pthread_cond_t finished_one; /* signalled when a slot is written and a reader sleeps */
    atomic_int readers_asleep;   /* next() calls counted as (about to be) asleep */
    atomic_size_t *order;        /* [count]: position + 1 in finishing order; 0: not yet */
    atomic_size_t tickets;       /* slots of order[] taken by finishers so far */
    size_t handed_out;           /* slots handed out by next(); protected by lock */
    lab_future **futures;        /* a copy of the caller's array */
    slot *slots;
    size_t count;
    size_t unique; /* different futures: how many next() hands out in all */
    bool timed;
    struct timespec deadline;
};

/* Append position `index` to the finishing order: a ticket, then the slot (see the top).
 * Any thread, no lock needed. */
static void append(lab_futures_as_completed *it, size_t index)
{
    /* Relaxed: the ticket only has to be unique; the slot's own store publishes. */
    size_t ticket = atomic_fetch_add_explicit(&it->tickets, 1, memory_order_relaxed);
    atomic_store_explicit(&it->order[ticket], index + 1, memory_order_seq_cst);
    if (atomic_load_explicit(&it->readers_asleep, memory_order_seq_cst) > 0) {
        lab_pthread_mutex_lock(&it->lock); /* the reader holds it until it really sleeps */
        lab_pthread_cond_signal(&it->finished_one);
        lab_pthread_mutex_unlock(&it->lock);
    }
}

/* A watched future finished. LOCKING PROTOCOL: called with that future's room lock held. */
static void notify(lab_future_watch *watch)
{
    slot *s = (slot *)watch;
    append(s->iterator, s->index);
}

/* A future and its position, to find duplicates by sorting (see first_positions). */
typedef struct position {
    const lab_future *future;
    size_t index;
} position;

static int by_future_then_index(const void *a, const void *b)
{
    const position *x = a, *y = b;
    if (x->future != y->future)
        return (uintptr_t)x->future < (uintptr_t)y->future ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* first[i] = whether futures[i] appears at no earlier position. Sorting the (future,
 * position) pairs puts the copies of one future side by side, earliest first: O(n log n),
 * where comparing every position with every earlier one was O(n^2) (100 000 futures:
 * 5 * 10^9 comparisons, seconds of work before the first result). */
static void first_positions(lab_future *const *futures, size_t count, bool *first)
{
    position *sorted = lab_calloc(count + 1, sizeof *sorted);
    for (size_t i = 0; i < count; i++)
        sorted[i] = (position){futures[i], i};
    qsort(sorted, count, sizeof *sorted, by_future_then_index);
    for (size_t k = 0; k < count; k++)
        first[sorted[k].index] = k == 0 || sorted[k].future != sorted[k - 1].future;
    free(sorted);
}

static lab_futures_as_completed *start(lab_future *const *futures, size_t count, bool timed,
                                       double class_seconds)
{
    lab_futures_as_completed *it = lab_calloc(1, sizeof *it);
    LAB_CHECK(pthread_mutex_init(&it->lock, NULL));
    LAB_CHECK(lab_pthread_cond_init_monotonic(&it->finished_one));
    it->order = lab_calloc(count + 1, sizeof *it->order);
    for (size_t i = 0; i < count; i++)
        atomic_init(&it->order[i], 0);
    atomic_init(&it->tickets, 0);
    atomic_init(&it->readers_asleep, 0);
    ANNOTATE_BENIGN_RACE_SIZED(it->order, (count + 1) * sizeof *it->order, "C11 atomics");
    ANNOTATE_BENIGN_RACE_SIZED(&it->tickets, sizeof it->tickets, "C11 atomic");
    ANNOTATE_BENIGN_RACE_SIZED(&it->readers_asleep, sizeof it->readers_asleep, "C11 atomic");
    it->futures = lab_calloc(count + 1, sizeof *it->futures);
    it->slots = lab_calloc(count + 1, sizeof *it->slots);
    it->count = count;
    it->timed = timed;
    if (timed)
        it->deadline = lab_deadline(class_seconds);
    bool *first = lab_calloc(count + 1, sizeof *first);
    first_positions(futures, count, first);
    for (size_t i = 0; i < count; i++) {
        it->futures[i] = futures[i];
        if (!first[i])
            continue; /* a duplicate: handed out once, at its first position */
        it->unique++;
        it->slots[i] = (slot){.watch.notify = notify, .iterator = it, .index = i};
        if (lab_future_watch_add(futures[i],
                                 &it->slots[i].watch)) { /* done already: it comes first */
            append(it, i); /* futures hung before may be finishing now: append, as they do */
        } else {
            it->slots[i].hung = true;
        }
    }
    free(first);
    return it;
}

lab_futures_as_completed *lab_futures_as_completed_new(lab_future *const *futures, size_t count)
{
    return start(futures, count, false, 0);
}

lab_futures_as_completed *lab_futures_as_completed_new_timeout(lab_future *const *futures,
                                                               size_t count, double class_seconds)
{
    if (!(class_seconds >= 0 && isfinite(class_seconds))) {
        errno = EINVAL; /* the one rule for time: never read as "forever" */
        return NULL;
    }
    return start(futures, count, true, class_seconds);
}

int lab_futures_as_completed_next(lab_futures_as_completed *it, size_t *index)
{
    bool timed_out = false, waited = false;
    int outcome;
    lab_pthread_mutex_lock(&it->lock);
    for (;;) {
        if (it->handed_out == it->unique) {
            outcome = LAB_FUTURE_END;
            break;
        }
        /* Acquire: the slot was written after its future finished. */
        size_t written = atomic_load_explicit(&it->order[it->handed_out], memory_order_acquire);
        if (written != 0) {
            *index = written - 1;
            it->handed_out++;
            outcome = 0;
            break;
        }
        if (timed_out) {
            outcome = ETIMEDOUT;
            break;
        }
        if (!waited) { /* it will block: say so, outside the lock (a point may hold us back) */
            waited = true;
            if (atomic_load_explicit(&lab_points_on, memory_order_relaxed)) { /* else: no need */
                lab_pthread_mutex_unlock(&it->lock);
                lab_point(LAB_POINT_WAIT, it, "futures");
                lab_pthread_mutex_lock(&it->lock);
                continue; /* look again: one may have finished meanwhile */
            }
        }
        /* Count ourselves asleep, then look at the slot once more (see the top). */
        atomic_fetch_add_explicit(&it->readers_asleep, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&it->order[it->handed_out], memory_order_seq_cst) == 0) {
            if (!it->timed) {
                lab_pthread_cond_wait(&it->finished_one, &it->lock);
            } else {
                int rc = lab_pthread_cond_timedwait(&it->finished_one, &it->lock, &it->deadline);
                if (rc == ETIMEDOUT)
                    timed_out = true; /* look once more: one may have finished just now */
                else
                    LAB_CHECK(rc);
            }
        }
        atomic_fetch_sub_explicit(&it->readers_asleep, 1, memory_order_relaxed);
    }
    lab_pthread_mutex_unlock(&it->lock);
    if (outcome == 0 && waited) /* the wait on the iterator ends with the future it got */
        lab_point(LAB_POINT_GET, it, "futures");
    if (outcome == 0) /* the future it got: the timeline's arrow from whoever finished it */
        lab_point(LAB_POINT_GET, it->futures[*index], "future");
    else if (outcome == ETIMEDOUT)
        lab_point(LAB_POINT_TIMEOUT, it, "futures");
    return outcome;
}

void lab_futures_as_completed_free(lab_futures_as_completed *it)
{
    for (size_t i = 0; i < it->count; i++)
        if (it->slots[i].hung)
            lab_future_watch_remove(it->futures[i], &it->slots[i].watch);
    lab_pthread_cond_destroy(&it->finished_one);
    lab_pthread_mutex_destroy(&it->lock);
    free(it->order);
    free(it->futures);
    free(it->slots);
    free(it);
}

/* Read the iterator until `when` holds or it runs out (of futures or time); fill done[].
 * Returns 0 or ETIMEDOUT. */
static int wait_with(lab_futures_as_completed *it, lab_future *const *futures, size_t count,
                     lab_futures_return_when when, bool *done)
{
    size_t index;
    int rc;
    while ((rc = lab_futures_as_completed_next(it, &index)) == 0) {
        if (when == LAB_FUTURES_FIRST_COMPLETED)
            break;
        if (when == LAB_FUTURES_FIRST_EXCEPTION && lab_future_error(futures[index]) != 0)
            break;
    }
    lab_futures_as_completed_free(it);
    for (size_t i = 0; done != NULL && i < count; i++) /* the sets as they are now */
        done[i] = lab_future_done(futures[i]);
    return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

size_t lab_futures_wait(lab_future *const *futures, size_t count, lab_futures_return_when when,
                        bool *done)
{
    wait_with(lab_futures_as_completed_new(futures, count), futures, count, when, NULL);
    size_t done_count = 0;
    for (size_t i = 0; i < count; i++) {
        bool is = lab_future_done(futures[i]);
        if (done != NULL)
            done[i] = is;
        done_count += is;
    }
    return done_count;
}

int lab_futures_wait_timeout(lab_future *const *futures, size_t count, lab_futures_return_when when,
                             double class_seconds, bool *done)
{
    lab_futures_as_completed *it =
        lab_futures_as_completed_new_timeout(futures, count, class_seconds);
    if (it == NULL)
        return EINVAL;
    return wait_with(it, futures, count, when, done);
}
