/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/future.c with one
 * change: cancel() answers true even when the task had already started or finished.
 * Try: make grade MODULE=future SRC=tests/grade/broken/future-cancel-always.c
 * grade: module future
 * expect: FAIL ; cancel_only_before_the_start
 */
/* future.c — one future (see future.h).
 *
 * Most of a future's life needs no lock. Its state is one atomic word: the executor starts
 * it with one compare-and-swap and finishes it with one exchange, and "is it done?" or
 * "what is the result?" is one load. A lock is only needed for what is rare: a thread that
 * must sleep until the future finishes, and the lists of done-callbacks and watches
 * (futures.c's as_completed and wait). For those, this file keeps a small table of
 * *waiting rooms*, each a mutex and a condition variable, shared by every future: a
 * future's address picks its room. A finisher goes to the room only when the state word
 * says somebody is there (the VISIT bit), so a future nobody waits for never touches a
 * lock at all.
 *
 * Why not a mutex and a condition variable in every future, as a textbook would? Each
 * future would pay for setting them up and tearing them down, and every question asked
 * of it would be a lock and an unlock; in a pool of tiny tasks that was most of the cost
 * of a task. (The parking lot of WebKit and of Rust's parking_lot, and the hashed wait
 * queues of the Linux kernel, are the same idea.)
 *
 * Memory order, in one sentence: the finisher writes status and value, then publishes them
 * with a *release* exchange of the state; every reader that sees a final state with an
 * *acquire* load may read them. Everything else the state word does (VISIT, RUNNING) carries
 * no data, and the room's mutex orders the lists.
 */
#include "future.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

/* Helgrind (valgrind) follows pthread calls but not C11 atomics: where its header is
 * installed, tell it which atomic steps hand data from one thread to another, and that
 * the atomic words themselves are meant to be shared. Without it these do nothing. */
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#else
#define ANNOTATE_HAPPENS_BEFORE(obj)                           ((void)0)
#define ANNOTATE_HAPPENS_AFTER(obj)                            ((void)0)
#define ANNOTATE_HAPPENS_BEFORE_FORGET_ALL(obj)                ((void)0)
#define ANNOTATE_BENIGN_RACE_SIZED(address, size, description) ((void)0)
#endif

/* The state word: one of the four states in the low two bits, plus the VISIT bit. */
enum {
    PENDING = 0,
    RUNNING = 1,
    FINISHED = 2,
    CANCELLED = 3,
    STATE = 3, /* mask of the state bits */
    VISIT = 4, /* somebody waits, watches or has a callback: the finisher must go to the room */
};

typedef struct callback {
    lab_future_callback fn;
    void *arg;
    struct callback *next;
} callback;

struct lab_future {
    atomic_uint state; /* PENDING..CANCELLED, plus VISIT */
    atomic_int owners; /* lab_future_free() calls still to come */
    int status;        /* FINISHED: 0, or the task's failure status */
    long value;        /* FINISHED with status 0: the task's value */
    /* protected by the lock of the future's room */
    callback *callbacks; /* not run yet, in the order added */
    callback **callbacks_tail;
    lab_future_watch *watches; /* as_completed/wait calls watching this future */
};

static bool is_done(unsigned state)
{
    return (state & STATE) == FINISHED || (state & STATE) == CANCELLED;
}

/* ---- the waiting rooms ---- */

enum { ROOMS = 64 }; /* a power of two; enough that two busy futures rarely share one */

typedef struct room {
    pthread_mutex_t lock;    /* guards the callbacks and watches of the room's futures */
    pthread_cond_t finished; /* broadcast when one of the room's futures is done */
} room;

static room rooms[ROOMS];
static pthread_once_t rooms_once = PTHREAD_ONCE_INIT;

static void rooms_set_up(void) /* once, on the first visit (pthread_once) */
{
    for (int i = 0; i < ROOMS; i++) {
        LAB_CHECK(pthread_mutex_init(&rooms[i].lock, NULL));
        LAB_CHECK(lab_pthread_cond_init_monotonic(&rooms[i].finished)); /* timed waits */
    }
}

/* The room of a future: its address, mixed by a multiplication (Fibonacci hashing) so
 * that futures allocated one after the other land in different rooms. */
static room *room_of(const lab_future *future)
{
    LAB_CHECK(pthread_once(&rooms_once, rooms_set_up));
    uint64_t mixed = (uint64_t)(uintptr_t)future * UINT64_C(0x9E3779B97F4A7C15);
    return &rooms[mixed >> 58]; /* the top 6 bits: 0 .. 63 */
}

/* The state, read with acquire: when it is final, status and value may be read. */
static unsigned look(lab_future *future)
{
    unsigned state = atomic_load_explicit(&future->state, memory_order_acquire);
    if (is_done(state))
        ANNOTATE_HAPPENS_AFTER(&future->state);
    return state;
}

/* ---- life ---- */

lab_future *lab_future_new(void)
{
    /* No mutex, no condition variable: nothing to set up but the words below. */
    lab_future *future = lab_calloc(1, sizeof *future);
    atomic_init(&future->state, PENDING);
    atomic_init(&future->owners, 1);
    future->callbacks_tail = &future->callbacks;
    ANNOTATE_BENIGN_RACE_SIZED(&future->state, sizeof future->state, "C11 atomic");
    ANNOTATE_BENIGN_RACE_SIZED(&future->owners, sizeof future->owners, "C11 atomic");
    return future;
}

void lab_future_keep(lab_future *future)
{
    /* Relaxed: the caller owns a reference already, so the future cannot be freed under
     * it, and the count publishes nothing. */
    atomic_fetch_add_explicit(&future->owners, 1, memory_order_relaxed);
}

void lab_future_free(lab_future *future)
{
    /* acq_rel: each owner's last use of the future happens before the release of its
     * reference, and the owner that drops the last one acquires all of them before it
     * frees (the classic reference count). */
    ANNOTATE_HAPPENS_BEFORE(&future->owners);
    if (atomic_fetch_sub_explicit(&future->owners, 1, memory_order_acq_rel) != 1)
        return;
    ANNOTATE_HAPPENS_AFTER(&future->owners);
    /* Nobody else can reach it now. Callbacks of a future freed before it finished never run. */
    for (callback *c = future->callbacks, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    ANNOTATE_HAPPENS_BEFORE_FORGET_ALL(&future->owners);
    ANNOTATE_HAPPENS_BEFORE_FORGET_ALL(&future->state);
    free(future);
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

/* The future has just entered a final state; `before` is its state word just before.
 * Only if somebody set VISIT is there anyone to tell: then, in the room, call the watches,
 * wake the sleepers, and take the callbacks, which run after the room is left. */
static void completed(lab_future *future, unsigned before)
{
    callback *to_run = NULL;
    if (before & VISIT) {
        room *r = room_of(future);
        lab_pthread_mutex_lock(&r->lock);
        for (lab_future_watch *w = future->watches; w != NULL; w = w->next)
            w->notify(w);
        to_run = future->callbacks;
        future->callbacks = NULL;
        future->callbacks_tail = &future->callbacks;
        /* Every sleeper of the room wakes; those waiting for another future sleep again. */
        lab_pthread_cond_broadcast(&r->finished);
        lab_pthread_mutex_unlock(&r->lock);
    }
    lab_point(LAB_POINT_RELEASE, future, "future"); /* the result is there for the waiters */
    run_callbacks(future, to_run);
}

bool lab_future_set_running(lab_future *future)
{
    /* A compare-and-swap, not a store: a cancel may win the race (then the task must not
     * run), and a waiter may be setting VISIT at the same moment (it must stay set).
     * Relaxed: RUNNING publishes no data. */
    unsigned state = atomic_load_explicit(&future->state, memory_order_relaxed);
    while ((state & STATE) == PENDING &&
           !atomic_compare_exchange_weak_explicit(&future->state, &state, RUNNING | (state & VISIT),
                                                  memory_order_relaxed, memory_order_relaxed))
        ; /* state now holds the word seen: look at it again */
    if ((state & STATE) == PENDING)
        return true;
    if ((state & STATE) != CANCELLED)
        lab_check_at(EINVAL, "lab_future_set_running (the task already ran)", __FILE__, __LINE__);
    return false;
}

void lab_future_finish(lab_future *future, int status, long value)
{
    if (status < 0)
        lab_check_at(EINVAL, "lab_future_finish (a task's status must be 0 or positive)", __FILE__,
                     __LINE__);
    /* Only the executor that set it running finishes it: nobody else changes the state of a
     * running future, so looking first is enough to catch a second finish (a bug). */
    if ((atomic_load_explicit(&future->state, memory_order_relaxed) & STATE) != RUNNING)
        lab_check_at(EINVAL, "lab_future_finish (the future is not running)", __FILE__, __LINE__);
    future->status = status; /* nobody reads these before the state says FINISHED */
    future->value = value;
    /* Release: status and value are written before anyone can see FINISHED. The exchange
     * also tells us, in the same step, whether VISIT was set: nobody can slip in between. */
    ANNOTATE_HAPPENS_BEFORE(&future->state);
    unsigned before = atomic_exchange_explicit(&future->state, FINISHED, memory_order_release);
    completed(future, before);
}

bool lab_future_cancel(lab_future *future)
{
    /* Only a task nobody has started can be called off: PENDING -> CANCELLED, in one
     * compare-and-swap, so a worker's set_running and this cancel cannot both win. */
    ANNOTATE_HAPPENS_BEFORE(&future->state);
    unsigned state = atomic_load_explicit(&future->state, memory_order_relaxed);
    while ((state & STATE) == PENDING &&
           !atomic_compare_exchange_weak_explicit(&future->state, &state, CANCELLED,
                                                  memory_order_release, memory_order_relaxed))
        ;
    if ((state & STATE) == PENDING) {
        completed(future, state);
        return true;
    }
    return true; /* BROKEN: says "cancelled" even for a running or finished task */
}

bool lab_future_done(lab_future *future)
{
    return is_done(look(future));
}

bool lab_future_running(lab_future *future)
{
    return (look(future) & STATE) == RUNNING;
}

bool lab_future_cancelled(lab_future *future)
{
    return (look(future) & STATE) == CANCELLED;
}

int lab_future_error(lab_future *future)
{
    return (look(future) & STATE) == FINISHED ? future->status : 0;
}

/* Sleep in the future's room until it is done or the deadline (NULL: none) passes.
 * Returns the state word seen last. */
static unsigned wait_in_room(lab_future *future, const struct timespec *deadline)
{
    room *r = room_of(future);
    lab_pthread_mutex_lock(&r->lock);
    /* Set VISIT, under the room's lock: a finisher that sees it must take this lock before
     * it broadcasts, which it cannot do until this thread is asleep (the wait gives the
     * lock up only once it sleeps). A finisher that came first shows in the old value. */
    unsigned state = atomic_fetch_or_explicit(&future->state, VISIT, memory_order_acquire);
    int rc = 0;
    /* A while: the room is shared, and wake-ups can be spurious. */
    while (!is_done(state) && rc != ETIMEDOUT) {
        if (deadline == NULL)
            lab_pthread_cond_wait(&r->finished, &r->lock);
        else if ((rc = lab_pthread_cond_timedwait(&r->finished, &r->lock, deadline)) != ETIMEDOUT)
            LAB_CHECK(rc);
        state = atomic_load_explicit(&future->state, memory_order_acquire);
    }
    lab_pthread_mutex_unlock(&r->lock);
    if (is_done(state))
        ANNOTATE_HAPPENS_AFTER(&future->state);
    return state;
}

/* result with no limit (deadline NULL) or until a deadline. */
static int result_until(lab_future *future, const struct timespec *deadline, long *value)
{
    /* The fast path: done already, one load, no lock. */
    unsigned state = look(future);
    if (!is_done(state) && (deadline == NULL || lab_seconds_until(deadline) > 0)) {
        lab_point(LAB_POINT_WAIT, future, "future"); /* it will block; no lock held */
        state = wait_in_room(future, deadline);
    }
    int outcome;
    if (!is_done(state))
        outcome = ETIMEDOUT;
    else if ((state & STATE) == CANCELLED)
        outcome = ECANCELED;
    else
        outcome = future->status;
    if (outcome == 0 && value != NULL)
        *value = future->value;
    /* GET even without waiting: the timeline draws who made the result ready */
    lab_point(is_done(state) ? LAB_POINT_GET : LAB_POINT_TIMEOUT, future, "future");
    return outcome;
}

int lab_future_result(lab_future *future, long *value)
{
    return result_until(future, NULL, value); /* no deadline: no clock read */
}

int lab_future_result_timeout(lab_future *future, double class_seconds, long *value)
{
    if (!(class_seconds >= 0 && isfinite(class_seconds)))
        return EINVAL; /* the one rule for time: never read as "forever" */
    struct timespec deadline = lab_deadline(class_seconds);
    return result_until(future, &deadline, value);
}

int lab_future_exception(lab_future *future)
{
    return result_until(future, NULL, NULL); /* the status is the answer: no value */
}

int lab_future_exception_timeout(lab_future *future, double class_seconds)
{
    return lab_future_result_timeout(future, class_seconds, NULL);
}

void lab_future_add_done_callback(lab_future *future, lab_future_callback fn, void *arg)
{
    if (!is_done(look(future))) {
        room *r = room_of(future);
        lab_pthread_mutex_lock(&r->lock);
        /* VISIT, then the callback, in one critical section: a finisher that sees VISIT
         * comes to the room after we leave it, and finds the callback. */
        unsigned state = atomic_fetch_or_explicit(&future->state, VISIT, memory_order_acquire);
        if (!is_done(state)) {
            callback *c = lab_calloc(1, sizeof *c);
            c->fn = fn;
            c->arg = arg;
            *future->callbacks_tail = c;
            future->callbacks_tail = &c->next;
            lab_pthread_mutex_unlock(&r->lock);
            return;
        }
        lab_pthread_mutex_unlock(&r->lock);
        ANNOTATE_HAPPENS_AFTER(&future->state);
    }
    fn(future, arg); /* already done: now, in the caller's thread */
}

bool lab_future_watch_add(lab_future *future, lab_future_watch *watch)
{
    if (is_done(look(future)))
        return true;
    room *r = room_of(future);
    lab_pthread_mutex_lock(&r->lock);
    unsigned state = atomic_fetch_or_explicit(&future->state, VISIT,
                                              memory_order_acquire); /* as for a callback */
    bool done = is_done(state);
    if (!done) {
        watch->next = future->watches;
        future->watches = watch;
    }
    lab_pthread_mutex_unlock(&r->lock);
    if (done)
        ANNOTATE_HAPPENS_AFTER(&future->state);
    return done;
}

void lab_future_watch_remove(lab_future *future, lab_future_watch *watch)
{
    room *r = room_of(future);
    lab_pthread_mutex_lock(&r->lock); /* a finishing future may be walking the list */
    lab_future_watch **link = &future->watches;
    while (*link != NULL && *link != watch)
        link = &(*link)->next;
    if (*link != NULL)
        *link = watch->next;
    lab_pthread_mutex_unlock(&r->lock);
}
