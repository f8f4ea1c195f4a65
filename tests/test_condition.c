/* test_condition.c — Python's Condition: notify(n) wakes exactly n (oldest first),
 * notify_all the rest, wait_for re-checks and returns the predicate, timeouts report
 * timeout in time, notify without the lock is refused, and a buffer built on it loses
 * nothing under contention. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "condition.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* A bounded wait for something another thread does; the test asserts on the result. */
static bool eventually(bool (*done)(void *), void *arg)
{
    for (int tries = 0; tries < 10000; tries++) {
        if (done(arg))
            return true;
        lab_sleep(0.001);
    }
    return done(arg);
}

/* A gate the test opens; a holder thread keeps a condition's lock until then. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_opened = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_bool holder_has_it;

static void gate_reset(void)
{
    lab_pthread_mutex_lock(&gate_lock);
    gate_open = false;
    lab_pthread_mutex_unlock(&gate_lock);
    atomic_store(&holder_has_it, false);
}

static void gate_open_now(void)
{
    lab_pthread_mutex_lock(&gate_lock);
    gate_open = true;
    lab_pthread_cond_broadcast(&gate_opened);
    lab_pthread_mutex_unlock(&gate_lock);
}

static void *hold_until_gate(void *cond)
{
    lab_condition_acquire(cond);
    atomic_store(&holder_has_it, true);
    lab_pthread_mutex_lock(&gate_lock);
    while (!gate_open)
        lab_pthread_cond_wait(&gate_opened, &gate_lock);
    lab_pthread_mutex_unlock(&gate_lock);
    lab_condition_release(cond);
    return NULL;
}

static bool held_by_holder(void *unused)
{
    (void)unused;
    return atomic_load(&holder_has_it);
}

/* With the lock just taken by try_acquire: whether a thread is in the pool; releases. */
static bool waiting_then_release(lab_condition *cond)
{
    bool waiting = lab_condition_waiting(cond) == 1;
    lab_condition_release(cond);
    return waiting;
}

/* ---- a room of waiters ---- */

enum { WAITERS = 8 };

typedef struct room {
    lab_condition cond;
    int passed;         /* protected by cond's lock */
    int order[WAITERS]; /* who passed, in order; protected by cond's lock */
} room;

typedef struct waiter_arg {
    room *r;
    int id;
} waiter_arg;

static void *wait_once(void *arg)
{
    waiter_arg *w = arg;
    lab_condition_acquire(&w->r->cond);
    lab_condition_wait(&w->r->cond);
    w->r->order[w->r->passed++] = w->id;
    lab_condition_release(&w->r->cond);
    return NULL;
}

static int waiting_now(room *r)
{
    lab_condition_acquire(&r->cond);
    int n = lab_condition_waiting(&r->cond);
    lab_condition_release(&r->cond);
    return n;
}

static int passed_now(room *r)
{
    lab_condition_acquire(&r->cond);
    int n = r->passed;
    lab_condition_release(&r->cond);
    return n;
}

static room *the_room;
static int target;
static bool waiting_reached(void *arg)
{
    (void)arg;
    return waiting_now(the_room) == target;
}
static bool passed_reached(void *arg)
{
    (void)arg;
    return passed_now(the_room) == target;
}

/* Start WAITERS threads one at a time, each in the pool before the next starts. */
static void fill_room(room *r, waiter_arg *args, lab_thread **threads)
{
    the_room = r;
    for (int i = 0; i < WAITERS; i++) {
        args[i] = (waiter_arg){.r = r, .id = i};
        threads[i] = lab_thread_start(wait_once, &args[i], LAB_THREAD_NOT_DAEMON, "waiter-%d", i);
        target = i + 1;
        ck_assert(eventually(waiting_reached, NULL));
    }
}

/* An atomic's value, readable in an assertion's message. */
static long loaded(atomic_long *value)
{
    return atomic_load(value);
}

START_TEST(notify_n_wakes_exactly_n_oldest_first)
{
    room r = {.passed = 0};
    ck_assert_int_eq(lab_condition_init(&r.cond), 0);
    waiter_arg args[WAITERS];
    lab_thread *threads[WAITERS];
    fill_room(&r, args, threads);

    lab_condition_acquire(&r.cond);
    ck_assert_int_eq(lab_condition_notify(&r.cond, 3), 3);
    ck_assert_int_eq(lab_condition_waiting(&r.cond), WAITERS - 3);
    lab_condition_release(&r.cond);
    target = 3;
    ck_assert(eventually(passed_reached, NULL));
    lab_sleep(0.05); /* the others had time to slip through, if they could */
    ck_assert_int_eq(passed_now(&r), 3);
    ck_assert_int_eq(waiting_now(&r), WAITERS - 3);

    lab_condition_acquire(&r.cond);
    ck_assert_int_eq(lab_condition_notify(&r.cond, 1), 1);
    ck_assert_int_eq(lab_condition_notify_all(&r.cond), WAITERS - 4);
    ck_assert_int_eq(lab_condition_notify_all(&r.cond), 0); /* nobody left */
    lab_condition_release(&r.cond);
    for (int i = 0; i < WAITERS; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(r.passed, WAITERS);
    lab_condition_destroy(&r.cond);
}
END_TEST

START_TEST(notify_one_at_a_time_releases_in_arrival_order)
{
    room r = {.passed = 0};
    ck_assert_int_eq(lab_condition_init(&r.cond), 0);
    waiter_arg args[WAITERS];
    lab_thread *threads[WAITERS];
    fill_room(&r, args, threads);
    for (int i = 0; i < WAITERS; i++) {
        lab_condition_acquire(&r.cond);
        ck_assert_int_eq(lab_condition_notify(&r.cond, 1), 1);
        lab_condition_release(&r.cond);
        target = i + 1;
        ck_assert(eventually(passed_reached, NULL));
    }
    for (int i = 0; i < WAITERS; i++)
        lab_thread_join(threads[i]);
    for (int i = 0; i < WAITERS; i++)
        ck_assert_int_eq(r.order[i], i);
    lab_condition_destroy(&r.cond);
}
END_TEST

START_TEST(notify_with_nobody_waiting_wakes_nobody)
{
    lab_condition cond;
    ck_assert_int_eq(lab_condition_init(&cond), 0);
    lab_condition_acquire(&cond);
    ck_assert_int_eq(lab_condition_notify(&cond, 5), 0);
    ck_assert_int_eq(lab_condition_notify(&cond, 0), 0);
    ck_assert_int_eq(lab_condition_notify_all(&cond), 0);
    lab_condition_release(&cond);
    lab_condition_destroy(&cond);
}
END_TEST

/* ---- timeouts and wait_for ---- */

START_TEST(timed_wait_times_out_in_time_and_leaves_the_pool)
{
    lab_condition cond;
    ck_assert_int_eq(lab_condition_init(&cond), 0);
    lab_condition_acquire(&cond);
    double begin = lab_now();
    ck_assert_int_eq(lab_condition_wait_timeout(&cond, 0.05), ETIMEDOUT);
    double waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.05, "gave up after %.3f s, before the 0.05 s timeout", waited);
    ck_assert_msg(waited < 2.0, "a 0.05 s timeout took %.3f s", waited);
    ck_assert_int_eq(lab_condition_waiting(&cond), 0);
    ck_assert_int_eq(lab_condition_notify(&cond, 1), 0); /* nobody stale left to wake */
    ck_assert_int_eq(lab_condition_wait_timeout(&cond, 0), ETIMEDOUT);
    lab_condition_release(&cond);
    lab_condition_destroy(&cond);
}
END_TEST

typedef struct counter {
    lab_condition cond;
    int value; /* protected by cond's lock */
    int needed;
    int checks; /* predicate calls; protected by cond's lock */
    bool stop;  /* protected by cond's lock */
} counter;

static bool value_reached(void *arg)
{
    counter *c = arg;
    c->checks++;
    return c->value >= c->needed;
}

/* The rule for time: a bad duration is refused before anything happens (the lock stays
 * held, nobody joins the pool, the predicate is not called); 0 polls. */
START_TEST(timed_waits_refuse_bad_durations_and_zero_polls)
{
    counter *c = lab_calloc(1, sizeof *c);
    ck_assert_int_eq(lab_condition_init(&c->cond), 0);
    c->needed = 1;
    lab_condition_acquire(&c->cond);
    const double bad[] = {-1, -1e-9, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(lab_condition_wait_timeout(&c->cond, bad[i]), EINVAL);
        ck_assert_int_eq(lab_condition_wait_for_timeout(&c->cond, value_reached, c, bad[i]),
                         EINVAL);
        ck_assert_int_eq(lab_condition_waiting(&c->cond), 0);
    }
    ck_assert_int_eq(c->checks, 0); /* refused before the predicate was looked at */
    double begin = lab_now();
    ck_assert_int_eq(lab_condition_wait_timeout(&c->cond, 0), ETIMEDOUT);
    ck_assert_int_eq(lab_condition_wait_for_timeout(&c->cond, value_reached, c, 0), ETIMEDOUT);
    c->value = 1;
    ck_assert_int_eq(lab_condition_wait_for_timeout(&c->cond, value_reached, c, 0), 0);
    ck_assert_int_eq(c->checks, 2); /* a poll looks once */
    ck_assert_msg(lab_now() - begin < 1.0, "a poll blocked");
    lab_condition_release(&c->cond); /* still held by us: an error-checking unlock passes */
    lab_condition_destroy(&c->cond);
    free(c);
}
END_TEST

START_TEST(wait_for_returns_at_once_when_the_predicate_holds)
{
    counter c = {.value = 5, .needed = 3};
    ck_assert_int_eq(lab_condition_init(&c.cond), 0);
    lab_condition_acquire(&c.cond);
    lab_condition_wait_for(&c.cond, value_reached, &c); /* returns: the predicate held */
    ck_assert_int_eq(lab_condition_wait_for_timeout(&c.cond, value_reached, &c, 0), 0);
    ck_assert_int_eq(c.checks, 2);
    lab_condition_release(&c.cond);
    lab_condition_destroy(&c.cond);
}
END_TEST

static void *wait_for_value(void *arg)
{
    counter *c = arg;
    lab_condition_acquire(&c->cond);
    lab_condition_wait_for(&c->cond, value_reached, c); /* returns once it holds */
    int seen = c->value;
    lab_condition_release(&c->cond);
    return (void *)(long)seen;
}

START_TEST(wait_for_rechecks_after_every_wakeup)
{
    counter c = {.value = 0, .needed = 3};
    ck_assert_int_eq(lab_condition_init(&c.cond), 0);
    lab_thread *waiter = lab_thread_start(wait_for_value, &c, LAB_THREAD_NOT_DAEMON, "waiter");
    for (int step = 1; step <= 3; step++) {
        /* wait until the waiter is in the pool, then move the value and wake it */
        for (int tries = 0; tries < 10000; tries++) {
            lab_condition_acquire(&c.cond);
            bool in_pool = lab_condition_waiting(&c.cond) == 1;
            if (in_pool) {
                c.value = step;
                lab_condition_notify_all(&c.cond);
            }
            lab_condition_release(&c.cond);
            if (in_pool)
                break;
            lab_sleep(0.001);
        }
    }
    long seen = (long)lab_thread_join(waiter);
    ck_assert_int_eq(seen, 3);     /* not woken out of the loop at 1 or 2 */
    ck_assert_int_eq(c.checks, 4); /* before waiting, then after each of 3 wake-ups */
    lab_condition_destroy(&c.cond);
}
END_TEST

/* Keeps notifying without ever making the predicate true, until told to stop. */
static void *nag(void *arg)
{
    counter *c = arg;
    for (;;) {
        lab_condition_acquire(&c->cond);
        bool stop = c->stop;
        lab_condition_notify_all(&c->cond);
        lab_condition_release(&c->cond);
        if (stop)
            return NULL;
        lab_sleep(0.005);
    }
}

START_TEST(wait_for_timeout_is_one_limit_for_all_the_waits)
{
    counter c = {.value = 0, .needed = 1};
    ck_assert_int_eq(lab_condition_init(&c.cond), 0);
    lab_thread *nagger = lab_thread_start(nag, &c, LAB_THREAD_NOT_DAEMON, "nagger");
    lab_condition_acquire(&c.cond);
    double begin = lab_now();
    int result = lab_condition_wait_for_timeout(&c.cond, value_reached, &c, 0.1);
    double waited = lab_now() - begin;
    int checks = c.checks;
    c.stop = true;
    lab_condition_release(&c.cond);
    lab_thread_join(nagger);
    ck_assert_int_eq(result, ETIMEDOUT); /* the predicate still false */
    ck_assert_msg(waited >= 0.1, "gave up after %.3f s, before the 0.1 s timeout", waited);
    ck_assert_msg(waited < 2.0, "every wake-up restarted the clock: %.3f s", waited);
    ck_assert_int_ge(checks, 2); /* it was woken and re-checked in between */
    lab_condition_destroy(&c.cond);
}
END_TEST

/* ---- misuse ---- */

static void notify_without_the_lock(void *arg)
{
    (void)arg;
    lab_condition cond;
    if (lab_condition_init(&cond) == 0)
        lab_condition_notify(&cond, 1);
}

static void wait_without_the_lock(void *arg)
{
    (void)arg;
    lab_condition cond;
    if (lab_condition_init(&cond) == 0)
        lab_condition_wait(&cond);
}

static void release_the_rlock_unheld(void *arg)
{
    (void)arg;
    lab_condition cond;
    if (lab_condition_init(&cond) == 0)
        lab_condition_release(&cond);
}

static void wait_on_a_free_callers_lock(void *recursive)
{
    static pthread_mutex_t lock;
    static lab_condition cond;
    if (lab_pthread_mutex_init_kind(&lock, recursive != NULL ? PTHREAD_MUTEX_RECURSIVE
                                                             : PTHREAD_MUTEX_NORMAL) != 0 ||
        lab_condition_init_with_lock(&cond, &lock) != 0)
        return;
    if (lab_condition_wait_timeout(&cond, 5) != 0)
        _exit(3); /* never: the wait aborts first */
}

static void notify_while_another_holds_the_recursive_lock(void *unused)
{
    (void)unused;
    static pthread_mutex_t lock;
    static lab_condition cond;
    if (lab_pthread_mutex_init_kind(&lock, PTHREAD_MUTEX_RECURSIVE) != 0 ||
        lab_condition_init_with_lock(&cond, &lock) != 0)
        return;
    gate_reset();
    lab_thread_start(hold_until_gate, &cond, LAB_THREAD_DAEMON, "holder");
    if (eventually(held_by_holder, NULL))
        lab_condition_notify(&cond, 1);
}

static void notify_on_a_free_recursive_lock(void *unused)
{
    (void)unused;
    static pthread_mutex_t lock;
    static lab_condition cond;
    if (lab_pthread_mutex_init_kind(&lock, PTHREAD_MUTEX_RECURSIVE) == 0 &&
        lab_condition_init_with_lock(&cond, &lock) == 0)
        lab_condition_notify(&cond, 1);
}

static void expect_abort(void (*fn)(void *), void *arg, const char *message)
{
    child_run run = run_in_child(fn, arg, 10);
    ck_assert_msg(run.signal == SIGABRT, "exit %d, signal %d", run.exit_code, run.signal);
    ck_assert_msg(strstr(run.err, message) != NULL, "stderr: %s", run.err);
    child_run_free(&run);
}

/* Python: RuntimeError for release, wait or notify without holding the lock. */
START_TEST(the_lock_must_be_held_whatever_its_kind)
{
    expect_abort(release_the_rlock_unheld, NULL,
                 "lab_condition_release by a thread that does not hold the lock");
    expect_abort(wait_on_a_free_callers_lock, NULL,
                 "lab_condition_wait without holding the condition's lock");
    expect_abort(wait_on_a_free_callers_lock, "recursive",
                 "lab_condition_wait without holding the condition's lock");
    expect_abort(notify_on_a_free_recursive_lock, NULL,
                 "lab_condition_notify without holding the condition's lock");
    expect_abort(notify_while_another_holds_the_recursive_lock, NULL,
                 "lab_condition_notify without holding the condition's lock");
}
END_TEST

START_TEST(notify_or_wait_without_the_lock_aborts_with_a_message)
{
    child_run run = run_in_child(notify_without_the_lock, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "lab_condition_notify without holding the condition's lock") !=
                      NULL,
                  "stderr: %s", run.err);
    child_run_free(&run);
    run = run_in_child(wait_without_the_lock, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "lab_condition_wait without holding the condition's lock") !=
                      NULL,
                  "stderr: %s", run.err);
    child_run_free(&run);
}
END_TEST

/* ---- the lock: Python's default RLock, a caller's Lock or RLock, one lock shared ---- */

static void *try_from_another_thread(void *cond)
{
    int rc = lab_condition_try_acquire(cond);
    if (rc == 0)
        lab_condition_release(cond);
    return (void *)(long)rc;
}

/* try_acquire in a thread of its own: 0 when the lock was free, EAGAIN when held. */
static long tried_elsewhere(lab_condition *cond)
{
    return (long)lab_thread_join(
        lab_thread_start(try_from_another_thread, cond, LAB_THREAD_NOT_DAEMON, "prober"));
}

START_TEST(the_default_lock_is_an_rlock)
{
    lab_condition cond;
    ck_assert_int_eq(lab_condition_init(&cond), 0);
    lab_condition_acquire(&cond);
    lab_condition_acquire(&cond);                          /* the holder again: counts */
    ck_assert_int_eq(lab_condition_try_acquire(&cond), 0); /* acquire(False) too */
    ck_assert_int_eq(lab_condition_acquire_timeout(&cond, 0), 0);
    ck_assert_int_eq(tried_elsewhere(&cond), EAGAIN);
    for (int i = 0; i < 3; i++) {
        lab_condition_release(&cond);
        ck_assert_int_eq(tried_elsewhere(&cond), EAGAIN); /* still held once more */
    }
    lab_condition_release(&cond);
    ck_assert_int_eq(tried_elsewhere(&cond), 0);
    lab_condition_destroy(&cond);
}
END_TEST

START_TEST(acquire_false_and_with_a_timeout_on_a_lock_held_elsewhere)
{
    lab_condition cond;
    ck_assert_int_eq(lab_condition_init(&cond), 0);
    gate_reset();
    lab_thread *holder = lab_thread_start(hold_until_gate, &cond, LAB_THREAD_NOT_DAEMON, "holder");
    ck_assert(eventually(held_by_holder, &cond));
    ck_assert_int_eq(lab_condition_try_acquire(&cond), EAGAIN);
    double begin = lab_now();
    ck_assert_int_eq(lab_condition_acquire_timeout(&cond, 0), ETIMEDOUT); /* one try */
    ck_assert_int_eq(lab_condition_acquire_timeout(&cond, 0.05), ETIMEDOUT);
    double waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.05 && waited < 2.0, "a 0.05 s acquire gave up after %.3f s", waited);
    const double bad[] = {-1, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(lab_condition_acquire_timeout(&cond, bad[i]), EINVAL);
    gate_open_now();
    ck_assert_int_eq(lab_condition_acquire_timeout(&cond, 10), 0);
    lab_condition_release(&cond);
    lab_thread_join(holder);
    lab_condition_destroy(&cond);
}
END_TEST

START_TEST(a_callers_lock_and_rlock_behave_as_python_lock_and_rlock)
{
    pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER, recursive;
    ck_assert_int_eq(lab_pthread_mutex_init_kind(&recursive, PTHREAD_MUTEX_RECURSIVE), 0);
    lab_condition on_plain, on_recursive;
    ck_assert_int_eq(lab_condition_init_with_lock(&on_plain, &plain), 0);
    ck_assert_int_eq(lab_condition_init_with_lock(&on_recursive, &recursive), 0);
    ck_assert_int_eq(on_plain.lock->kind, LAB_CONDITION_MUTEX);
    ck_assert_int_eq(on_recursive.lock->kind, LAB_CONDITION_RECURSIVE_MUTEX);
    lab_condition_acquire(&on_plain);
    ck_assert_int_eq(lab_condition_try_acquire(&on_plain), EAGAIN); /* a Lock: even for me */
    ck_assert_int_eq(pthread_mutex_trylock(&plain), EBUSY);         /* it is the caller's */
    lab_condition_release(&on_plain);
    lab_pthread_mutex_lock(&recursive);
    ck_assert_int_eq(lab_condition_try_acquire(&on_recursive), 0); /* an RLock: counts */
    ck_assert_int_eq(tried_elsewhere(&on_recursive), EAGAIN);
    lab_condition_release(&on_recursive);
    lab_pthread_mutex_unlock(&recursive);
    ck_assert_int_eq(tried_elsewhere(&on_recursive), 0);
    /* the lock must be free when the condition is set up: it is tried to learn its kind */
    lab_pthread_mutex_lock(&plain);
    lab_condition busy;
    ck_assert_int_eq(lab_condition_init_with_lock(&busy, &plain), EBUSY);
    lab_pthread_mutex_unlock(&plain);
    lab_condition_destroy(&on_plain);
    lab_condition_destroy(&on_recursive);
    lab_pthread_mutex_destroy(&recursive);
}
END_TEST

/* A thread that takes the lock `depth` times, waits once, then reports how the lock was
 * held while it slept and after it woke. */
typedef struct deep_waiter {
    lab_condition *cond;
    int depth;
    bool go;            /* protected by the lock */
    long while_asleep;  /* what another thread's try_acquire got while it waited */
    long after_each[4]; /* ... after each of its releases once awake */
} deep_waiter;

static bool go_given(void *arg)
{
    return ((deep_waiter *)arg)->go;
}

static void *wait_holding_deep(void *arg)
{
    deep_waiter *w = arg;
    for (int i = 0; i < w->depth; i++)
        lab_condition_acquire(w->cond);
    lab_condition_wait_for(w->cond, go_given, w);
    for (int i = 0; i < w->depth; i++) {
        lab_condition_release(w->cond);
        w->after_each[i] = tried_elsewhere(w->cond);
    }
    return NULL;
}

/* Whether the deep waiter is in the pool while this thread could take the lock. */
static lab_condition *deep_cond;
static bool deep_waiting(void *arg)
{
    (void)arg;
    return lab_condition_try_acquire(deep_cond) == 0 && waiting_then_release(deep_cond);
}

/* Python: a wait gives up an RLock held n times completely and holds it n times after. */
static void wait_releases_every_level_and_restores_them(lab_condition *cond)
{
    deep_waiter w = {.cond = cond, .depth = 3};
    lab_thread *waiter = lab_thread_start(wait_holding_deep, &w, LAB_THREAD_NOT_DAEMON, "deep");
    deep_cond = cond;
    ck_assert(eventually(deep_waiting, NULL)); /* it waits, and I could take the lock */
    lab_condition_acquire(cond);
    w.go = true;
    lab_condition_notify(cond, 1);
    lab_condition_release(cond);
    lab_thread_join(waiter);
    ck_assert_int_eq(w.after_each[0], EAGAIN); /* held 3 times again after the wait */
    ck_assert_int_eq(w.after_each[1], EAGAIN);
    ck_assert_int_eq(w.after_each[2], 0);
}

START_TEST(a_wait_releases_an_rlock_completely_and_restores_its_count)
{
    lab_condition cond;
    ck_assert_int_eq(lab_condition_init(&cond), 0);
    wait_releases_every_level_and_restores_them(&cond);
    lab_condition_destroy(&cond);
    pthread_mutex_t recursive;
    ck_assert_int_eq(lab_pthread_mutex_init_kind(&recursive, PTHREAD_MUTEX_RECURSIVE), 0);
    ck_assert_int_eq(lab_condition_init_with_lock(&cond, &recursive), 0);
    wait_releases_every_level_and_restores_them(&cond);
    lab_condition_destroy(&cond);
    lab_pthread_mutex_destroy(&recursive);
}
END_TEST

/* Two conditions on one lock: each its own pool. */
typedef struct pair_waiter {
    lab_condition *cond;
    int *passed; /* protected by the shared lock */
} pair_waiter;

static void *wait_on_one(void *arg)
{
    pair_waiter *w = arg;
    lab_condition_acquire(w->cond);
    lab_condition_wait(w->cond);
    (*w->passed)++;
    lab_condition_release(w->cond);
    return NULL;
}

static lab_condition *pair[2];
static bool both_waiting(void *arg)
{
    (void)arg;
    lab_condition_acquire(pair[0]);
    bool both = lab_condition_waiting(pair[0]) == 1 && lab_condition_waiting(pair[1]) == 1;
    lab_condition_release(pair[0]);
    return both;
}

static bool first_passed(void *arg)
{
    int *passed = arg;
    lab_condition_acquire(pair[0]);
    bool done = passed[0] == 1;
    lab_condition_release(pair[0]);
    return done;
}

static void notify_on_one_wakes_only_its_own(lab_condition *a, lab_condition *b)
{
    int passed[2] = {0, 0};
    pair_waiter w[2] = {{a, &passed[0]}, {b, &passed[1]}};
    pair[0] = a;
    pair[1] = b;
    lab_thread *t[2];
    for (int i = 0; i < 2; i++)
        t[i] = lab_thread_start(wait_on_one, &w[i], LAB_THREAD_NOT_DAEMON, "on-%d", i);
    ck_assert(eventually(both_waiting, NULL));
    lab_condition_acquire(a);
    ck_assert_int_eq(lab_condition_notify_all(a), 1); /* a's pool: one thread */
    lab_condition_release(a);
    ck_assert(eventually(first_passed, passed));
    lab_sleep(0.05); /* b's waiter had time to slip through, if it could */
    lab_condition_acquire(b);
    ck_assert_int_eq(passed[1], 0);
    ck_assert_int_eq(lab_condition_waiting(b), 1);
    ck_assert_int_eq(lab_condition_notify_all(b), 1);
    lab_condition_release(b);
    for (int i = 0; i < 2; i++)
        lab_thread_join(t[i]);
    ck_assert_int_eq(passed[0] + passed[1], 2);
}

START_TEST(two_conditions_on_one_lock_keep_their_own_waiters)
{
    lab_condition first, second;
    ck_assert_int_eq(lab_condition_init(&first), 0); /* an RLock, shared */
    ck_assert_int_eq(lab_condition_init_sharing(&second, &first), 0);
    ck_assert_ptr_eq(second.lock, first.lock);
    notify_on_one_wakes_only_its_own(&first, &second);
    lab_condition_acquire(&first); /* one lock: held through either */
    ck_assert_int_eq(tried_elsewhere(&second), EAGAIN);
    lab_condition_release(&second);
    lab_condition_destroy(&second);
    lab_condition_destroy(&first);

    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* a caller's Lock, shared */
    ck_assert_int_eq(lab_condition_init_with_lock(&first, &lock), 0);
    ck_assert_int_eq(lab_condition_init_with_lock(&second, &lock), 0);
    notify_on_one_wakes_only_its_own(&first, &second);
    lab_condition_destroy(&second);
    lab_condition_destroy(&first);
}
END_TEST

/* The rule for time, on a caller's recursive mutex held twice: a refused duration or a
 * poll leaves it held twice; a timed wait gives it up and takes both levels back. */
START_TEST(timed_waits_on_a_callers_lock_follow_the_rule_for_time)
{
    pthread_mutex_t recursive;
    ck_assert_int_eq(lab_pthread_mutex_init_kind(&recursive, PTHREAD_MUTEX_RECURSIVE), 0);
    lab_condition cond;
    ck_assert_int_eq(lab_condition_init_with_lock(&cond, &recursive), 0);
    lab_pthread_mutex_lock(&recursive);
    lab_pthread_mutex_lock(&recursive);
    const double bad[] = {-1, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(lab_condition_wait_timeout(&cond, bad[i]), EINVAL);
    ck_assert_int_eq(lab_condition_wait_timeout(&cond, 0), ETIMEDOUT);
    double begin = lab_now();
    ck_assert_int_eq(lab_condition_wait_timeout(&cond, 0.05), ETIMEDOUT);
    double waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.05 && waited < 2.0, "a 0.05 s wait took %.3f s", waited);
    ck_assert_int_eq(lab_condition_waiting(&cond), 0);
    ck_assert_int_eq(tried_elsewhere(&cond), EAGAIN);
    lab_pthread_mutex_unlock(&recursive);
    ck_assert_int_eq(tried_elsewhere(&cond), EAGAIN); /* the second level came back */
    lab_pthread_mutex_unlock(&recursive);
    ck_assert_int_eq(tried_elsewhere(&cond), 0); /* and no third */
    lab_condition_destroy(&cond);
    lab_pthread_mutex_destroy(&recursive);
}
END_TEST

/* ---- contention: a bounded buffer on one condition ---- */

enum { SLOTS = 4, PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 5000 };

typedef struct buffer {
    lab_condition cond;
    long items[SLOTS]; /* protected by cond's lock, like everything below */
    int count;
    int producers_left;
    int max_count;
    atomic_long sum_taken;
    atomic_long taken;
} buffer;

static bool has_room(void *arg)
{
    buffer *b = arg;
    return b->count < SLOTS;
}
static bool has_item_or_done(void *arg)
{
    buffer *b = arg;
    return b->count > 0 || b->producers_left == 0;
}

typedef struct producer_arg {
    buffer *b;
    long first;
} producer_arg;

static void *produce(void *arg)
{
    producer_arg *p = arg;
    buffer *b = p->b;
    for (long i = 0; i < PER_PRODUCER; i++) {
        lab_condition_acquire(&b->cond);
        lab_condition_wait_for(&b->cond, has_room, b);
        b->items[b->count++] = p->first + i;
        if (b->count > b->max_count)
            b->max_count = b->count;
        lab_condition_notify_all(&b->cond); /* producers and consumers share the pool */
        lab_condition_release(&b->cond);
    }
    lab_condition_acquire(&b->cond);
    b->producers_left--;
    lab_condition_notify_all(&b->cond);
    lab_condition_release(&b->cond);
    return NULL;
}

static void *consume(void *arg)
{
    buffer *b = arg;
    for (;;) {
        lab_condition_acquire(&b->cond);
        lab_condition_wait_for(&b->cond, has_item_or_done, b);
        if (b->count == 0) { /* done and drained */
            lab_condition_release(&b->cond);
            return NULL;
        }
        long item = b->items[--b->count];
        lab_condition_notify_all(&b->cond);
        lab_condition_release(&b->cond);
        atomic_fetch_add(&b->sum_taken, item);
        atomic_fetch_add(&b->taken, 1);
    }
}

START_TEST(a_bounded_buffer_on_a_condition_loses_nothing)
{
    buffer b = {.count = 0, .producers_left = PRODUCERS};
    ck_assert_int_eq(lab_condition_init(&b.cond), 0);
    producer_arg args[PRODUCERS];
    lab_thread *threads[PRODUCERS + CONSUMERS];
    for (int i = 0; i < PRODUCERS; i++) {
        args[i] = (producer_arg){.b = &b, .first = (long)i * PER_PRODUCER + 1};
        threads[i] = lab_thread_start(produce, &args[i], LAB_THREAD_NOT_DAEMON, "producer-%d", i);
    }
    for (int i = 0; i < CONSUMERS; i++)
        threads[PRODUCERS + i] =
            lab_thread_start(consume, &b, LAB_THREAD_NOT_DAEMON, "consumer-%d", i);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
        lab_thread_join(threads[i]);
    long n = (long)PRODUCERS * PER_PRODUCER;
    ck_assert_int_eq(loaded(&b.taken), n);
    ck_assert_int_eq(loaded(&b.sum_taken), n * (n + 1) / 2); /* each of 1..n once */
    ck_assert_int_le(b.max_count, SLOTS);
    ck_assert_int_eq(b.count, 0);
    lab_condition_destroy(&b.cond);
}
END_TEST

static Suite *condition_suite(void)
{
    Suite *suite = suite_create("condition");
    TCase *pool = tcase_create("wait pool");
    tcase_set_timeout(pool, 20);
    tcase_add_loop_test(pool, notify_n_wakes_exactly_n_oldest_first, 0, 3);
    tcase_add_test(pool, notify_one_at_a_time_releases_in_arrival_order);
    tcase_add_test(pool, notify_with_nobody_waiting_wakes_nobody);
    suite_add_tcase(suite, pool);

    TCase *waits = tcase_create("timeouts and wait_for");
    tcase_set_timeout(waits, 10);
    tcase_add_test(waits, timed_wait_times_out_in_time_and_leaves_the_pool);
    tcase_add_test(waits, timed_waits_refuse_bad_durations_and_zero_polls);
    tcase_add_test(waits, wait_for_returns_at_once_when_the_predicate_holds);
    tcase_add_loop_test(waits, wait_for_rechecks_after_every_wakeup, 0, 5);
    tcase_add_test(waits, wait_for_timeout_is_one_limit_for_all_the_waits);
    suite_add_tcase(suite, waits);

    TCase *locks = tcase_create("the lock");
    tcase_set_timeout(locks, 20);
    tcase_add_test(locks, the_default_lock_is_an_rlock);
    tcase_add_test(locks, acquire_false_and_with_a_timeout_on_a_lock_held_elsewhere);
    tcase_add_test(locks, a_callers_lock_and_rlock_behave_as_python_lock_and_rlock);
    tcase_add_loop_test(locks, a_wait_releases_an_rlock_completely_and_restores_its_count, 0, 3);
    tcase_add_loop_test(locks, two_conditions_on_one_lock_keep_their_own_waiters, 0, 3);
    tcase_add_test(locks, timed_waits_on_a_callers_lock_follow_the_rule_for_time);
    suite_add_tcase(suite, locks);

    TCase *misuse = tcase_create("misuse");
    tcase_set_tags(misuse, "misuse"); /* deliberate errors: left out by make tsan / helgrind */
    tcase_set_timeout(misuse, 20);
    tcase_add_test(misuse, notify_or_wait_without_the_lock_aborts_with_a_message);
    tcase_add_test(misuse, the_lock_must_be_held_whatever_its_kind);
    suite_add_tcase(suite, misuse);

    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 60);
    tcase_add_loop_test(contention, a_bounded_buffer_on_a_condition_loses_nothing, 0, 3);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(condition_suite)
