/* future.c — one future (see future.h).
 *
 * A future is a small state machine under its own mutex. Anyone waiting for this one
 * future (result) sleeps on its condition variable `changed`. Anyone waiting for MANY
 * futures (futures.c: as_completed, wait) hangs a watch on each, and a future that
 * finishes calls every watch hung on it.
 */
#include "future.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

typedef enum { PENDING, RUNNING, FINISHED, CANCELLED } future_state;

typedef struct callback {
    lab_future_callback fn;
    void *arg;
    struct callback *next;
} callback;

struct lab_future {
    pthread_mutex_t lock;
    pthread_cond_t changed;     /* broadcast when the future finishes or is cancelled */
    /* everything below is protected by lock */
    future_state state;
    int status;                 /* FINISHED: 0, or the task's failure status */
    long value;                 /* FINISHED with status 0: the task's value */
    callback *callbacks;        /* not run yet, in the order added */
    callback **callbacks_tail;
    lab_future_watch *watches;  /* as_completed/wait calls watching this future */
    int owners;                 /* lab_future_free() calls still to come */
};

static bool is_done(const lab_future *future)   /* LOCKING PROTOCOL: caller holds future->lock */
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
            lab_pthread_mutex_destroy(&future->lock);   /* undo the half-done initialisation */
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
 * unlocking). LOCKING PROTOCOL: caller holds future->lock; the watches take their own. */
static callback *complete_locked(lab_future *future, future_state final)
{
    future->state = final;
    for (lab_future_watch *w = future->watches; w != NULL; w = w->next)
        w->notify(w);
    lab_pthread_cond_broadcast(&future->changed);   /* every result() caller */
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
        lab_check_at(EINVAL, "lab_future_finish (a task's status must be 0 or positive)", __FILE__, __LINE__);
    lab_pthread_mutex_lock(&future->lock);
    if (future->state != RUNNING) {
        lab_pthread_mutex_unlock(&future->lock);
        lab_check_at(EINVAL, "lab_future_finish (the future is not running)", __FILE__, __LINE__);
    }
    future->status = status;
    future->value = value;
    callback *to_run = complete_locked(future, FINISHED);
    lab_pthread_mutex_unlock(&future->lock);
    lab_point(LAB_POINT_RELEASE, future, "future");   /* the result is there for the waiters */
    run_callbacks(future, to_run);
}

bool lab_future_cancel(lab_future *future)
{
    lab_pthread_mutex_lock(&future->lock);
    future_state was = future->state;
    callback *to_run = NULL;
    if (was == PENDING)   /* only a task nobody has started can be called off */
        to_run = complete_locked(future, CANCELLED);
    lab_pthread_mutex_unlock(&future->lock);
    if (was == PENDING)
        lab_point(LAB_POINT_RELEASE, future, "future");
    run_callbacks(future, to_run);
    return was == PENDING || was == CANCELLED;
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

/* result with no limit (deadline NULL) or until a deadline. */
static int result_until(lab_future *future, const struct timespec *deadline, long *value)
{
    lab_pthread_mutex_lock(&future->lock);
    if (!is_done(future) && (deadline == NULL || lab_seconds_until(deadline) > 0)) {
        /* the point goes outside the lock: it may hold this thread back */
        lab_pthread_mutex_unlock(&future->lock);
        lab_point(LAB_POINT_WAIT, future, "future");
        lab_pthread_mutex_lock(&future->lock);
    }
    while (!is_done(future)) {   /* a while, not an if: wake-ups can be spurious */
        if (deadline == NULL) {
            lab_pthread_cond_wait(&future->changed, &future->lock);
            continue;
        }
        int rc = lab_pthread_cond_timedwait(&future->changed, &future->lock, deadline);
        if (rc == ETIMEDOUT)
            break;
        LAB_CHECK(rc);
    }
    int outcome;
    if (!is_done(future))
        outcome = ETIMEDOUT;
    else if (future->state == CANCELLED)
        outcome = ECANCELED;
    else
        outcome = future->status;
    if (outcome == 0 && value != NULL)
        *value = future->value;
    bool done = is_done(future);
    lab_pthread_mutex_unlock(&future->lock);
    /* GET even without waiting: the timeline draws who made the result ready */
    lab_point(done ? LAB_POINT_GET : LAB_POINT_TIMEOUT, future, "future");
    return outcome;
}

int lab_future_result(lab_future *future, long *value)
{
    return result_until(future, NULL, value);
}

int lab_future_result_timeout(lab_future *future, double class_seconds, long *value)
{
    if (!(class_seconds >= 0 && isfinite(class_seconds)))
        return EINVAL;   /* the one rule for time: never read as "forever" */
    struct timespec deadline = lab_deadline(class_seconds);
    return result_until(future, &deadline, value);
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
    fn(future, arg);   /* already done: now, in the caller's thread */
}

bool lab_future_watch_add(lab_future *future, lab_future_watch *watch)
{
    lab_pthread_mutex_lock(&future->lock);
    bool done = is_done(future);
    if (!done) {
        watch->next = future->watches;
        future->watches = watch;
    }
    lab_pthread_mutex_unlock(&future->lock);
    return done;
}

void lab_future_watch_remove(lab_future *future, lab_future_watch *watch)
{
    lab_pthread_mutex_lock(&future->lock);   /* a finishing future may be walking the list */
    lab_future_watch **link = &future->watches;
    while (*link != NULL && *link != watch)
        link = &(*link)->next;
    if (*link != NULL)
        *link = watch->next;
    lab_pthread_mutex_unlock(&future->lock);
}
