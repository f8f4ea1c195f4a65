/* futures.c — as_completed and wait (see futures.h).
 *
 * An iterator keeps a list of positions in finishing order, under its own mutex and
 * condition variable. It hangs a watch (future.h) on each future; a future that finishes
 * calls the watch, which appends the future's position to the list and wakes the reader.
 * wait() is as_completed with a stopping rule.
 */
#include "futures.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* One future's place in an iterator: the watch hung on it. */
typedef struct slot {
    lab_future_watch watch;   /* first: notify() finds the slot from it */
    lab_futures_as_completed *iterator;
    size_t index;             /* the future's position in the caller's array */
    bool hung;                /* the watch is on the future (to take off at free) */
} slot;

struct lab_futures_as_completed {
    pthread_mutex_t lock;
    pthread_cond_t finished_one;   /* signalled when a position is appended and the reader sleeps */
    int readers_asleep;            /* next() calls waiting on finished_one; protected by lock */
    size_t *order;                 /* positions in finishing order; protected by lock */
    size_t finished;               /* entries in order[]; protected by lock */
    size_t handed_out;             /* protected by lock */
    lab_future **futures;          /* a copy of the caller's array */
    slot *slots;
    size_t count;
    size_t unique;                 /* different futures: how many next() hands out in all */
    bool timed;
    struct timespec deadline;
};

/* A watched future finished. LOCKING PROTOCOL: called with that future's room lock held. */
static void notify(lab_future_watch *watch)
{
    slot *s = (slot *)watch;
    lab_futures_as_completed *it = s->iterator;
    lab_pthread_mutex_lock(&it->lock);
    it->order[it->finished++] = s->index;
    if (it->readers_asleep > 0)   /* a reader that is awake will look anyway */
        lab_pthread_cond_signal(&it->finished_one);
    lab_pthread_mutex_unlock(&it->lock);
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

static lab_futures_as_completed *start(lab_future *const *futures, size_t count, bool timed, double class_seconds)
{
    lab_futures_as_completed *it = lab_calloc(1, sizeof *it);
    LAB_CHECK(pthread_mutex_init(&it->lock, NULL));
    LAB_CHECK(lab_pthread_cond_init_monotonic(&it->finished_one));
    it->order = lab_calloc(count + 1, sizeof *it->order);
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
            continue;   /* a duplicate: handed out once, at its first position */
        it->unique++;
        it->slots[i] = (slot){.watch.notify = notify, .iterator = it, .index = i};
        if (lab_future_watch_add(futures[i], &it->slots[i].watch)) {   /* done already: it comes first */
            lab_pthread_mutex_lock(&it->lock);   /* futures hung before may be finishing now */
            it->order[it->finished++] = i;
            lab_pthread_mutex_unlock(&it->lock);
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

lab_futures_as_completed *lab_futures_as_completed_new_timeout(lab_future *const *futures, size_t count,
                                                               double class_seconds)
{
    if (!(class_seconds >= 0 && isfinite(class_seconds))) {
        errno = EINVAL;   /* the one rule for time: never read as "forever" */
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
        if (it->handed_out < it->finished) {
            *index = it->order[it->handed_out++];
            outcome = 0;
            break;
        }
        if (it->handed_out == it->unique) {
            outcome = LAB_FUTURE_END;
            break;
        }
        if (timed_out) {
            outcome = ETIMEDOUT;
            break;
        }
        if (!waited) {   /* it will block: say so, outside the lock (a point may hold us back) */
            waited = true;
            if (atomic_load_explicit(&lab_points_on, memory_order_relaxed)) {   /* else: no need */
                lab_pthread_mutex_unlock(&it->lock);
                lab_point(LAB_POINT_WAIT, it, "futures");
                lab_pthread_mutex_lock(&it->lock);
                continue;   /* look again: one may have finished meanwhile */
            }
        }
        it->readers_asleep++;
        if (!it->timed) {
            lab_pthread_cond_wait(&it->finished_one, &it->lock);
        } else {
            int rc = pthread_cond_timedwait(&it->finished_one, &it->lock, &it->deadline);
            if (rc == ETIMEDOUT)
                timed_out = true;   /* look once more: one may have finished just now */
            else
                LAB_CHECK(rc);
        }
        it->readers_asleep--;
    }
    lab_pthread_mutex_unlock(&it->lock);
    if (outcome == 0)
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
    for (size_t i = 0; done != NULL && i < count; i++)   /* the sets as they are now */
        done[i] = lab_future_done(futures[i]);
    return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

size_t lab_futures_wait(lab_future *const *futures, size_t count, lab_futures_return_when when, bool *done)
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
    lab_futures_as_completed *it = lab_futures_as_completed_new_timeout(futures, count, class_seconds);
    if (it == NULL)
        return EINVAL;
    return wait_with(it, futures, count, when, done);
}
