/* test_semaphore.c — Python's Semaphore: counting with no upper bound, release(n) adds n
 * and wakes up to n waiters, acquire blocking / non-blocking / timed with the one rule for
 * time, and never more holders than permits under contention. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "semaphore.h"
#include "thread.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>

START_TEST(init_refuses_a_negative_value)
{
    lab_semaphore sem;
    ck_assert_int_eq(lab_semaphore_init(&sem, -1), EINVAL); /* Python: ValueError */
    ck_assert_int_eq(lab_semaphore_init(&sem, 0), 0);
    ck_assert_int_eq(lab_semaphore_value(&sem), 0);
    lab_semaphore_destroy(&sem);
    ck_assert_int_eq(lab_semaphore_init(&sem, 1), 0); /* Python's default Semaphore() */
    ck_assert_int_eq(lab_semaphore_value(&sem), 1);
    lab_semaphore_destroy(&sem);
}
END_TEST

START_TEST(try_acquire_takes_what_is_there_and_no_more)
{
    lab_semaphore sem;
    ck_assert_int_eq(lab_semaphore_init(&sem, 2), 0);
    ck_assert_int_eq(lab_semaphore_try_acquire(&sem), 0);
    ck_assert_int_eq(lab_semaphore_try_acquire(&sem), 0);
    ck_assert_int_eq(lab_semaphore_try_acquire(&sem), EAGAIN); /* acquire(False) -> False */
    ck_assert_int_eq(lab_semaphore_value(&sem), 0);
    ck_assert_int_eq(lab_semaphore_release(&sem, 1), 0);
    ck_assert_int_eq(lab_semaphore_try_acquire(&sem), 0);
    lab_semaphore_destroy(&sem);
}
END_TEST

/* The difference from BoundedSemaphore: releasing more than was taken is allowed. */
START_TEST(release_without_acquire_makes_the_count_grow)
{
    lab_semaphore sem;
    ck_assert_int_eq(lab_semaphore_init(&sem, 0), 0);
    ck_assert_int_eq(lab_semaphore_release(&sem, 1), 0);
    ck_assert_int_eq(lab_semaphore_release(&sem, 1), 0);
    ck_assert_int_eq(lab_semaphore_release(&sem, 5), 0); /* release(n), Python 3.9 */
    ck_assert_int_eq(lab_semaphore_value(&sem), 7);
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(lab_semaphore_try_acquire(&sem), 0);
    ck_assert_int_eq(lab_semaphore_try_acquire(&sem), EAGAIN);
    lab_semaphore_destroy(&sem);
}
END_TEST

START_TEST(release_refuses_n_below_one_and_overflow)
{
    lab_semaphore sem;
    ck_assert_int_eq(lab_semaphore_init(&sem, 2), 0);
    ck_assert_int_eq(lab_semaphore_release(&sem, 0), EINVAL); /* Python: ValueError */
    ck_assert_int_eq(lab_semaphore_release(&sem, -3), EINVAL);
    ck_assert_int_eq(lab_semaphore_value(&sem), 2);
    lab_semaphore_destroy(&sem);

    ck_assert_int_eq(lab_semaphore_init(&sem, INT_MAX - 1), 0);
    ck_assert_int_eq(lab_semaphore_release(&sem, 2), EOVERFLOW); /* C's int has a limit */
    ck_assert_int_eq(lab_semaphore_value(&sem), INT_MAX - 1);
    ck_assert_int_eq(lab_semaphore_release(&sem, 1), 0);
    ck_assert_int_eq(lab_semaphore_value(&sem), INT_MAX);
    ck_assert_int_eq(lab_semaphore_release(&sem, 1), EOVERFLOW);
    lab_semaphore_destroy(&sem);
}
END_TEST

START_TEST(timed_acquire_follows_the_rule_for_time)
{
    lab_semaphore sem;
    ck_assert_int_eq(lab_semaphore_init(&sem, 1), 0);
    /* Bad durations are refused and nothing is taken, even with a permit there. */
    const double bad[] = {-1, -0.001, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(lab_semaphore_acquire_timeout(&sem, bad[i]), EINVAL);
    ck_assert_int_eq(lab_semaphore_value(&sem), 1);
    ck_assert_int_eq(lab_semaphore_acquire_timeout(&sem, 0), 0); /* 0 polls: takes it */
    double begin = lab_now();
    ck_assert_int_eq(lab_semaphore_acquire_timeout(&sem, 0), ETIMEDOUT); /* never sleeps */
    ck_assert(lab_now() - begin < 1.0);
    begin = lab_now();
    ck_assert_int_eq(lab_semaphore_acquire_timeout(&sem, 0.05), ETIMEDOUT);
    double waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.05, "gave up after %.3f s, before the 0.05 s timeout", waited);
    ck_assert_msg(waited < 2.0, "a 0.05 s timeout took %.3f s", waited);
    ck_assert_int_eq(lab_semaphore_value(&sem), 0);
    lab_semaphore_destroy(&sem);
}
END_TEST

static void *release_after_a_pause(void *arg)
{
    lab_sleep(0.05);
    intptr_t rc = lab_semaphore_release(arg, 1);
    return (void *)rc;
}

START_TEST(a_release_wakes_a_timed_and_a_blocking_acquire)
{
    lab_semaphore sem;
    ck_assert_int_eq(lab_semaphore_init(&sem, 0), 0);
    lab_thread *helper =
        lab_thread_start(release_after_a_pause, &sem, LAB_THREAD_NOT_DAEMON, "releaser");
    ck_assert_int_eq(lab_semaphore_acquire_timeout(&sem, 10), 0); /* well before the limit */
    ck_assert_int_eq((intptr_t)lab_thread_join(helper), 0);
    helper = lab_thread_start(release_after_a_pause, &sem, LAB_THREAD_NOT_DAEMON, "releaser");
    lab_semaphore_acquire(&sem); /* blocks until the helper releases */
    ck_assert_int_eq((intptr_t)lab_thread_join(helper), 0);
    ck_assert_int_eq(lab_semaphore_value(&sem), 0);
    lab_semaphore_destroy(&sem);
}
END_TEST

/* release(n) lets exactly n of the blocked acquirers through. */
enum { BLOCKED = 5 };

typedef struct gate {
    lab_semaphore sem;
    atomic_int through;
} gate;

static void *acquire_once(void *arg)
{
    gate *g = arg;
    lab_semaphore_acquire(&g->sem);
    atomic_fetch_add(&g->through, 1);
    return NULL;
}

/* Wait (bounded) until `through` reaches want; returns what it is. */
static int wait_through(gate *g, int want)
{
    double give_up = lab_now() + 5.0;
    while (atomic_load(&g->through) < want && lab_now() < give_up)
        sched_yield();
    return atomic_load(&g->through);
}

START_TEST(release_n_lets_n_waiters_through)
{
    gate g = {.through = 0};
    ck_assert_int_eq(lab_semaphore_init(&g.sem, 0), 0);
    lab_thread *threads[BLOCKED];
    for (int i = 0; i < BLOCKED; i++)
        threads[i] = lab_thread_start(acquire_once, &g, LAB_THREAD_NOT_DAEMON, "acq%d", i);
    ck_assert_int_eq(lab_semaphore_release(&g.sem, 3), 0);
    ck_assert_int_eq(wait_through(&g, 3), 3);
    lab_sleep(0.05); /* whoever got through extra would have by now; none may */
    ck_assert_int_eq(atomic_load(&g.through), 3);
    ck_assert_int_eq(lab_semaphore_value(&g.sem), 0);
    ck_assert_int_eq(lab_semaphore_release(&g.sem, 2), 0);
    for (int i = 0; i < BLOCKED; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(atomic_load(&g.through), BLOCKED);
    ck_assert_int_eq(lab_semaphore_value(&g.sem), 0);
    lab_semaphore_destroy(&g.sem);
}
END_TEST

/* ---- contention: never more than N inside ---- */

enum { PERMITS = 3, WORKERS = 8, ROUNDS = 1000 };

typedef struct room {
    lab_semaphore sem;
    atomic_int inside, most_inside, bad;
    atomic_long entries;
} room;

typedef struct worker {
    room *room;
    int style; /* 0: blocking, 1: try in a loop, 2: timed */
} worker;

static void note_most(atomic_int *most, int now)
{
    int seen = atomic_load(most);
    while (now > seen && !atomic_compare_exchange_weak(most, &seen, now))
        ;
}

static void *enter_and_leave(void *arg)
{
    worker *w = arg;
    room *r = w->room;
    for (int i = 0; i < ROUNDS; i++) {
        if (w->style == 0)
            lab_semaphore_acquire(&r->sem);
        else if (w->style == 1)
            while (lab_semaphore_try_acquire(&r->sem) != 0)
                sched_yield();
        else
            for (int rc; (rc = lab_semaphore_acquire_timeout(&r->sem, 0.001)) != 0;)
                if (rc != ETIMEDOUT)
                    atomic_fetch_add(&r->bad, 1);
        note_most(&r->most_inside, atomic_fetch_add(&r->inside, 1) + 1);
        atomic_fetch_add(&r->entries, 1);
        if (i % 64 == 0)
            sched_yield(); /* let others pile up at the door */
        atomic_fetch_sub(&r->inside, 1);
        if (lab_semaphore_release(&r->sem, 1) != 0)
            atomic_fetch_add(&r->bad, 1);
    }
    return NULL;
}

START_TEST(never_more_holders_than_permits)
{
    room r = {.inside = 0};
    ck_assert_int_eq(lab_semaphore_init(&r.sem, PERMITS), 0);
    worker workers[WORKERS];
    lab_thread *threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (worker){.room = &r, .style = i % 3};
        threads[i] =
            lab_thread_start(enter_and_leave, &workers[i], LAB_THREAD_NOT_DAEMON, "w%d", i);
    }
    for (int i = 0; i < WORKERS; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_le(atomic_load(&r.most_inside), PERMITS);
    ck_assert_int_ge(atomic_load(&r.most_inside), 1);
    ck_assert_int_eq(atomic_load(&r.entries), (long)WORKERS * ROUNDS);
    ck_assert_int_eq(atomic_load(&r.bad), 0);
    ck_assert_int_eq(lab_semaphore_value(&r.sem), PERMITS); /* every permit came back */
    lab_semaphore_destroy(&r.sem);
}
END_TEST

/* The legitimate counter: producers release one per item made, consumers acquire one per
 * item taken; no item is taken that was not made, none is left over. */
enum { PRODUCERS = 4, CONSUMERS = 4, ITEMS = 2000 };

typedef struct counter_use {
    lab_semaphore made;
    atomic_long produced, consumed;
    atomic_int overdrawn; /* consumed ran ahead of produced: must stay 0 */
} counter_use;

static void *produce(void *arg)
{
    counter_use *c = arg;
    for (int i = 0; i < ITEMS; i++) {
        atomic_fetch_add(&c->produced, 1); /* made first, then announced */
        if (lab_semaphore_release(&c->made, 1) != 0)
            atomic_fetch_add(&c->overdrawn, 1);
    }
    return NULL;
}

static void *consume(void *arg)
{
    counter_use *c = arg;
    for (int i = 0; i < ITEMS; i++) {
        lab_semaphore_acquire(&c->made);
        long taken = atomic_fetch_add(&c->consumed, 1) + 1;
        if (taken > atomic_load(&c->produced))
            atomic_fetch_add(&c->overdrawn, 1);
    }
    return NULL;
}

START_TEST(a_semaphore_counts_items_between_threads)
{
    counter_use c = {.produced = 0};
    ck_assert_int_eq(lab_semaphore_init(&c.made, 0), 0);
    lab_thread *threads[PRODUCERS + CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        threads[i] = lab_thread_start(consume, &c, LAB_THREAD_NOT_DAEMON, "consumer-%d", i);
    for (int i = 0; i < PRODUCERS; i++)
        threads[CONSUMERS + i] =
            lab_thread_start(produce, &c, LAB_THREAD_NOT_DAEMON, "producer-%d", i);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(atomic_load(&c.overdrawn), 0);
    ck_assert_int_eq(atomic_load(&c.consumed), (long)CONSUMERS * ITEMS);
    ck_assert_int_eq(atomic_load(&c.produced), (long)PRODUCERS * ITEMS);
    ck_assert_int_eq(lab_semaphore_value(&c.made), 0);
    lab_semaphore_destroy(&c.made);
}
END_TEST

static Suite *semaphore_suite(void)
{
    Suite *suite = suite_create("semaphore");
    TCase *semantics = tcase_create("semantics");
    tcase_set_timeout(semantics, 10);
    tcase_add_test(semantics, init_refuses_a_negative_value);
    tcase_add_test(semantics, try_acquire_takes_what_is_there_and_no_more);
    tcase_add_test(semantics, release_without_acquire_makes_the_count_grow);
    tcase_add_test(semantics, release_refuses_n_below_one_and_overflow);
    tcase_add_test(semantics, timed_acquire_follows_the_rule_for_time);
    tcase_add_test(semantics, a_release_wakes_a_timed_and_a_blocking_acquire);
    tcase_add_test(semantics, release_n_lets_n_waiters_through);
    suite_add_tcase(suite, semantics);
    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 60);
    tcase_add_loop_test(contention, never_more_holders_than_permits, 0, 3);
    tcase_add_loop_test(contention, a_semaphore_counts_items_between_threads, 0, 3);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(semaphore_suite)
