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

/* ---- a room of waiters ---- */

enum { WAITERS = 8 };

typedef struct room {
    lab_condition cond;
    int passed;                /* protected by cond's lock */
    int order[WAITERS];        /* who passed, in order; protected by cond's lock */
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
static bool waiting_reached(void *arg) { (void)arg; return waiting_now(the_room) == target; }
static bool passed_reached(void *arg) { (void)arg; return passed_now(the_room) == target; }

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
static long loaded(atomic_long *value) { return atomic_load(value); }

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
    lab_sleep(0.05);   /* the others had time to slip through, if they could */
    ck_assert_int_eq(passed_now(&r), 3);
    ck_assert_int_eq(waiting_now(&r), WAITERS - 3);

    lab_condition_acquire(&r.cond);
    ck_assert_int_eq(lab_condition_notify(&r.cond, 1), 1);
    ck_assert_int_eq(lab_condition_notify_all(&r.cond), WAITERS - 4);
    ck_assert_int_eq(lab_condition_notify_all(&r.cond), 0);   /* nobody left */
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
    ck_assert_int_eq(lab_condition_notify(&cond, 1), 0);   /* nobody stale left to wake */
    ck_assert_int_eq(lab_condition_wait_timeout(&cond, 0), ETIMEDOUT);
    lab_condition_release(&cond);
    lab_condition_destroy(&cond);
}
END_TEST

typedef struct counter {
    lab_condition cond;
    int value;        /* protected by cond's lock */
    int needed;
    int checks;       /* predicate calls; protected by cond's lock */
    bool stop;        /* protected by cond's lock */
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
    ck_assert_int_eq(c->checks, 0);   /* refused before the predicate was looked at */
    double begin = lab_now();
    ck_assert_int_eq(lab_condition_wait_timeout(&c->cond, 0), ETIMEDOUT);
    ck_assert_int_eq(lab_condition_wait_for_timeout(&c->cond, value_reached, c, 0), ETIMEDOUT);
    c->value = 1;
    ck_assert_int_eq(lab_condition_wait_for_timeout(&c->cond, value_reached, c, 0), 0);
    ck_assert_int_eq(c->checks, 2);   /* a poll looks once */
    ck_assert_msg(lab_now() - begin < 1.0, "a poll blocked");
    lab_condition_release(&c->cond);   /* still held by us: an error-checking unlock passes */
    lab_condition_destroy(&c->cond);
    free(c);
}
END_TEST

START_TEST(wait_for_returns_at_once_when_the_predicate_holds)
{
    counter c = {.value = 5, .needed = 3};
    ck_assert_int_eq(lab_condition_init(&c.cond), 0);
    lab_condition_acquire(&c.cond);
    lab_condition_wait_for(&c.cond, value_reached, &c);   /* returns: the predicate held */
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
    lab_condition_wait_for(&c->cond, value_reached, c);   /* returns once it holds */
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
    ck_assert_int_eq(seen, 3);          /* not woken out of the loop at 1 or 2 */
    ck_assert_int_eq(c.checks, 4);      /* before waiting, then after each of 3 wake-ups */
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
    ck_assert_int_eq(result, ETIMEDOUT);   /* the predicate still false */
    ck_assert_msg(waited >= 0.1, "gave up after %.3f s, before the 0.1 s timeout", waited);
    ck_assert_msg(waited < 2.0, "every wake-up restarted the clock: %.3f s", waited);
    ck_assert_int_ge(checks, 2);   /* it was woken and re-checked in between */
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

START_TEST(notify_or_wait_without_the_lock_aborts_with_a_message)
{
    child_run run = run_in_child(notify_without_the_lock, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "lab_condition_notify without holding the condition's lock") != NULL,
                  "stderr: %s", run.err);
    child_run_free(&run);
    run = run_in_child(wait_without_the_lock, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "lab_condition_wait without holding the condition's lock") != NULL,
                  "stderr: %s", run.err);
    child_run_free(&run);
}
END_TEST

/* ---- contention: a bounded buffer on one condition ---- */

enum { SLOTS = 4, PRODUCERS = 4, CONSUMERS = 4, PER_PRODUCER = 5000 };

typedef struct buffer {
    lab_condition cond;
    long items[SLOTS];   /* protected by cond's lock, like everything below */
    int count;
    int producers_left;
    int max_count;
    atomic_long sum_taken;
    atomic_long taken;
} buffer;

static bool has_room(void *arg) { buffer *b = arg; return b->count < SLOTS; }
static bool has_item_or_done(void *arg) { buffer *b = arg; return b->count > 0 || b->producers_left == 0; }

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
        lab_condition_notify_all(&b->cond);   /* producers and consumers share the pool */
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
        if (b->count == 0) {   /* done and drained */
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
        threads[PRODUCERS + i] = lab_thread_start(consume, &b, LAB_THREAD_NOT_DAEMON, "consumer-%d", i);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
        lab_thread_join(threads[i]);
    long n = (long)PRODUCERS * PER_PRODUCER;
    ck_assert_int_eq(loaded(&b.taken), n);
    ck_assert_int_eq(loaded(&b.sum_taken), n * (n + 1) / 2);   /* each of 1..n once */
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

    TCase *misuse = tcase_create("misuse");
    tcase_set_tags(misuse, "misuse");   /* deliberate errors: left out by make tsan / helgrind */
    tcase_set_timeout(misuse, 20);
    tcase_add_test(misuse, notify_or_wait_without_the_lock_aborts_with_a_message);
    suite_add_tcase(suite, misuse);

    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 60);
    tcase_add_loop_test(contention, a_bounded_buffer_on_a_condition_loses_nothing, 0, 3);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(condition_suite)
