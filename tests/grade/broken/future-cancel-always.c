/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/future.c with one
 * change: cancel() answers true even when the task had already started or finished.
 * Try: make grade MODULE=future SRC=tests/grade/broken/future-cancel-always.c
 * grade: module future
 * expect: FAIL ; cancel_only_before_the_start
 */
/* future.c — futures, as_completed and wait (see future.h).
 *
 * A future is a small state machine under its own mutex. Anyone waiting for one future
 * (result) sleeps on its condition variable `changed`. Anyone waiting for MANY futures
 * (as_completed, wait) has a `waiter`: a list of positions in finishing order, with its
 * own mutex and condition variable; the iterator hangs a `watch` on each future, and a
 * future that finishes appends its position to every waiter watching it.
 */
#include "future.h"

#include "checked.h"
#include "clock.h"

#include <errno.h>
#include <stdlib.h>

typedef enum { PENDING, RUNNING, FINISHED, CANCELLED } future_state;

typedef struct callback {
    lab_future_callback fn;
    void *arg;
    struct callback *next;
} callback;

/* One as_completed (or wait) call: who finished, in the order they finished. */
typedef struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t finished_one; /* signalled when a position is appended */
    size_t *order;               /* positions in finishing order; protected by lock */
    size_t finished;             /* entries in order[]; protected by lock */
} waiter;

/* A waiter's interest in one future: linked into that future's list of watches. */
typedef struct watch {
    waiter *waiter;
    size_t index; /* the future's position in the waiter's array */
    struct watch *next;
} watch;

struct lab_future {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* broadcast when the future finishes or is cancelled */
    /* everything below is protected by lock */
    future_state state;
    int status;          /* FINISHED: 0, or the task's failure status */
    long value;          /* FINISHED with status 0: the task's value */
    callback *callbacks; /* not run yet, in the order added */
    callback **callbacks_tail;
    watch *watches; /* as_completed/wait calls watching this future */
    int owners;     /* lab_future_free() calls still to come */
};

static bool is_done(const lab_future *future) /* LOCKING PROTOCOL: caller holds future->lock */
{
    return future->state == FINISHED || future->state == CANCELLED;
}

lab_future *lab_future_new(void)
{
    lab_future *future = lab_calloc(1, sizeof *future);
    int rc = pthread_mutex_init(&future->lock, NULL);
    if (rc == 0) {
        rc = lab_pthread_cond_init_monotonic(&future->changed);
        if (rc != 0)
            lab_pthread_mutex_destroy(&future->lock); /* undo the half-done initialisation */
    }
    if (rc != 0) {
        free(future);
        errno = rc;
        return NULL;
    }
    future->state = PENDING;
    future->callbacks_tail = &future->callbacks;
    future->owners = 1;
    return future;
}

void lab_future_keep(lab_future *future)
{
    lab_pthread_mutex_lock(&future->lock);
    future->owners++;
    lab_pthread_mutex_unlock(&future->lock);
}

void lab_future_free(lab_future *future)
{
    lab_pthread_mutex_lock(&future->lock);
    bool last = --future->owners == 0;
    lab_pthread_mutex_unlock(&future->lock);
    if (!last)
        return;
    /* Nobody else can reach it now. Callbacks of a future freed before it finished never run. */
    for (callback *c = future->callbacks, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    lab_pthread_cond_destroy(&future->changed);
    lab_pthread_mutex_destroy(&future->lock);
    free(future);
}

/* Enter a final state, wake every waiter, and hand back the callbacks to run (after
 * unlocking). LOCKING PROTOCOL: caller holds future->lock; this takes the waiters' locks. */
static callback *complete_locked(lab_future *future, future_state final)
{
    future->state = final;
    for (watch *w = future->watches; w != NULL; w = w->next) {
        lab_pthread_mutex_lock(&w->waiter->lock);
        w->waiter->order[w->waiter->finished++] = w->index;
        lab_pthread_cond_signal(&w->waiter->finished_one); /* one thread iterates a waiter */
        lab_pthread_mutex_unlock(&w->waiter->lock);
    }
    lab_pthread_cond_broadcast(&future->changed); /* every result() caller */
    callback *to_run = future->callbacks;
    future->callbacks = NULL;
    future->callbacks_tail = &future->callbacks;
    return to_run;
}

/* Run and free callbacks, in order, with no lock held: a callback may use the future. */
static void run_callbacks(lab_future *future, callback *list)
{
    while (list != NULL) {
        callback *next = list->next;
        list->fn(future, list->arg);
        free(list);
        list = next;
    }
}

bool lab_future_set_running(lab_future *future)
{
    lab_pthread_mutex_lock(&future->lock);
    future_state was = future->state;
    if (was == PENDING)
        future->state = RUNNING;
    lab_pthread_mutex_unlock(&future->lock);
    if (was != PENDING && was != CANCELLED)
        lab_check_at(EINVAL, "lab_future_set_running (the task already ran)", __FILE__, __LINE__);
    return was == PENDING;
}

void lab_future_finish(lab_future *future, int status, long value)
{
    if (status < 0)
        lab_check_at(EINVAL, "lab_future_finish (a task's status must be 0 or positive)", __FILE__,
                     __LINE__);
    lab_pthread_mutex_lock(&future->lock);
    if (future->state != RUNNING) {
        lab_pthread_mutex_unlock(&future->lock);
        lab_check_at(EINVAL, "lab_future_finish (the future is not running)", __FILE__, __LINE__);
    }
    future->status = status;
    future->value = value;
    callback *to_run = complete_locked(future, FINISHED);
    lab_pthread_mutex_unlock(&future->lock);
    run_callbacks(future, to_run);
}

bool lab_future_cancel(lab_future *future)
{
    lab_pthread_mutex_lock(&future->lock);
    future_state was = future->state;
    callback *to_run = NULL;
    if (was == PENDING) /* only a task nobody has started can be called off */
        to_run = complete_locked(future, CANCELLED);
    lab_pthread_mutex_unlock(&future->lock);
    run_callbacks(future, to_run);
    (void)was;
    return true; /* BROKEN: says "cancelled" even for a running or finished task */
}

/* Read the state under the lock (a plain read would race with the worker's write). */
static future_state state_of(lab_future *future)
{
    lab_pthread_mutex_lock(&future->lock);
    future_state state = future->state;
    lab_pthread_mutex_unlock(&future->lock);
    return state;
}

bool lab_future_done(lab_future *future)
{
    future_state state = state_of(future);
    return state == FINISHED || state == CANCELLED;
}

bool lab_future_running(lab_future *future)
{
    return state_of(future) == RUNNING;
}

bool lab_future_cancelled(lab_future *future)
{
    return state_of(future) == CANCELLED;
}

int lab_future_error(lab_future *future)
{
    lab_pthread_mutex_lock(&future->lock);
    int status = future->state == FINISHED ? future->status : 0;
    lab_pthread_mutex_unlock(&future->lock);
    return status;
}

int lab_future_result(lab_future *future, double timeout, long *value)
{
    struct timespec deadline = lab_deadline(timeout > 0 ? timeout : 0);
    lab_pthread_mutex_lock(&future->lock);
    while (!is_done(future)) { /* a while, not an if: wake-ups can be spurious */
        if (timeout < 0) {
            lab_pthread_cond_wait(&future->changed, &future->lock);
            continue;
        }
        int rc = pthread_cond_timedwait(&future->changed, &future->lock, &deadline);
        if (rc == ETIMEDOUT)
            break;
        LAB_CHECK(rc);
    }
    int outcome;
    if (!is_done(future))
        outcome = LAB_FUTURE_TIMEOUT;
    else if (future->state == CANCELLED)
        outcome = LAB_FUTURE_CANCELLED;
    else
        outcome = future->status;
    if (outcome == 0 && value != NULL)
        *value = future->value;
    lab_pthread_mutex_unlock(&future->lock);
    return outcome;
}

void lab_future_add_done_callback(lab_future *future, lab_future_callback fn, void *arg)
{
    lab_pthread_mutex_lock(&future->lock);
    if (!is_done(future)) {
        callback *c = lab_calloc(1, sizeof *c);
        c->fn = fn;
        c->arg = arg;
        *future->callbacks_tail = c;
        future->callbacks_tail = &c->next;
        lab_pthread_mutex_unlock(&future->lock);
        return;
    }
    lab_pthread_mutex_unlock(&future->lock);
    fn(future, arg); /* already done: now, in the caller's thread */
}

/* ---- as_completed and wait ---------------------------------------------------- */

struct lab_futures_as_completed {
    waiter waiter;
    lab_future **futures; /* a copy of the caller's array */
    watch *watches;       /* watches[i] is hung on futures[i] unless linked[i] is false */
    bool *linked;         /* false for a duplicate: it is handed out once, at its first position */
    size_t count;
    size_t unique;     /* different futures: how many next() hands out in all */
    size_t handed_out; /* protected by waiter.lock */
    bool forever;
    struct timespec deadline;
};

lab_futures_as_completed *lab_futures_as_completed_new(lab_future *const *futures, size_t count,
                                                       double timeout)
{
    lab_futures_as_completed *it = lab_calloc(1, sizeof *it);
    LAB_CHECK(pthread_mutex_init(&it->waiter.lock, NULL));
    LAB_CHECK(lab_pthread_cond_init_monotonic(&it->waiter.finished_one));
    it->waiter.order = lab_calloc(count + 1, sizeof *it->waiter.order);
    it->futures = lab_calloc(count + 1, sizeof *it->futures);
    it->watches = lab_calloc(count + 1, sizeof *it->watches);
    it->linked = lab_calloc(count + 1, sizeof *it->linked);
    it->count = count;
    it->forever = timeout < 0;
    it->deadline = lab_deadline(timeout > 0 ? timeout : 0);
    for (size_t i = 0; i < count; i++) {
        lab_future *future = it->futures[i] = futures[i];
        lab_pthread_mutex_lock(&future->lock);
        bool duplicate = false;
        for (watch *w = future->watches; w != NULL && !duplicate; w = w->next)
            duplicate = w->waiter == &it->waiter;
        if (!duplicate) {
            it->watches[i] = (watch){.waiter = &it->waiter, .index = i, .next = future->watches};
            future->watches = &it->watches[i];
            it->linked[i] = true;
            it->unique++;
            if (is_done(future)) { /* finished already: it comes first */
                lab_pthread_mutex_lock(&it->waiter.lock);
                it->waiter.order[it->waiter.finished++] = i;
                lab_pthread_mutex_unlock(&it->waiter.lock);
            }
        }
        lab_pthread_mutex_unlock(&future->lock);
    }
    return it;
}

int lab_futures_as_completed_next(lab_futures_as_completed *it, size_t *index)
{
    waiter *w = &it->waiter;
    bool timed_out = false;
    int outcome;
    lab_pthread_mutex_lock(&w->lock);
    for (;;) {
        if (it->handed_out < w->finished) {
            *index = w->order[it->handed_out++];
            outcome = 0;
            break;
        }
        if (it->handed_out == it->unique) {
            outcome = LAB_FUTURE_END;
            break;
        }
        if (timed_out) {
            outcome = LAB_FUTURE_TIMEOUT;
            break;
        }
        if (it->forever) {
            lab_pthread_cond_wait(&w->finished_one, &w->lock);
        } else {
            int rc = pthread_cond_timedwait(&w->finished_one, &w->lock, &it->deadline);
            if (rc == ETIMEDOUT)
                timed_out = true; /* look once more: one may have finished just now */
            else
                LAB_CHECK(rc);
        }
    }
    lab_pthread_mutex_unlock(&w->lock);
    return outcome;
}

void lab_futures_as_completed_free(lab_futures_as_completed *it)
{
    for (size_t i = 0; i < it->count; i++) {
        if (!it->linked[i])
            continue;
        lab_future *future = it->futures[i];
        lab_pthread_mutex_lock(&future->lock); /* a finishing future may be walking the list */
        watch **link = &future->watches;
        while (*link != &it->watches[i])
            link = &(*link)->next;
        *link = it->watches[i].next;
        lab_pthread_mutex_unlock(&future->lock);
    }
    lab_pthread_cond_destroy(&it->waiter.finished_one);
    lab_pthread_mutex_destroy(&it->waiter.lock);
    free(it->waiter.order);
    free(it->futures);
    free(it->watches);
    free(it->linked);
    free(it);
}

size_t lab_futures_wait(lab_future *const *futures, size_t count, double timeout,
                        lab_futures_return_when when, bool *done)
{
    /* wait() is as_completed with a stopping rule. */
    lab_futures_as_completed *it = lab_futures_as_completed_new(futures, count, timeout);
    size_t index;
    while (lab_futures_as_completed_next(it, &index) == 0) {
        if (when == LAB_FUTURES_FIRST_COMPLETED)
            break;
        if (when == LAB_FUTURES_FIRST_EXCEPTION && lab_future_error(futures[index]) != 0)
            break;
    }
    lab_futures_as_completed_free(it);
    size_t done_count = 0;
    for (size_t i = 0; i < count; i++) { /* the sets as they are now */
        bool is = lab_future_done(futures[i]);
        if (done != NULL)
            done[i] = is;
        done_count += is;
    }
    return done_count;
}
