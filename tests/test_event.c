/* test_event.c — the event: set wakes every waiter (16 of them, even if cleared at once),
 * waits with a timeout report timeout in time, and the flag reads back what was done. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "event.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>

/* An atomic's value, readable in an assertion's message. */
static int loaded(atomic_int *value)
{
    return atomic_load(value);
}

START_TEST(flag_follows_set_and_clear)
{
    lab_event event;
    ck_assert_int_eq(lab_event_init(&event), 0);
    ck_assert(!lab_event_is_set(&event)); /* starts down, as in Python */
    lab_event_set(&event);
    ck_assert(lab_event_is_set(&event));
    lab_event_set(&event); /* setting twice is harmless */
    ck_assert(lab_event_is_set(&event));
    lab_event_clear(&event);
    ck_assert(!lab_event_is_set(&event));
    lab_event_destroy(&event);
}
END_TEST

START_TEST(waits_return_at_once_while_the_flag_is_up)
{
    lab_event event;
    ck_assert_int_eq(lab_event_init(&event), 0);
    lab_event_set(&event);
    double begin = lab_now();
    lab_event_wait(&event);
    ck_assert_int_eq(lab_event_wait_timeout(&event, 10), 0);
    ck_assert_int_eq(lab_event_wait_timeout(&event, 0), 0); /* 0 polls: the flag is up */
    ck_assert(lab_now() - begin < 1.0);
    ck_assert_int_eq(lab_event_waiting(&event), 0);
    lab_event_destroy(&event);
}
END_TEST

START_TEST(timed_wait_on_a_clear_flag_times_out_in_time)
{
    lab_event event;
    ck_assert_int_eq(lab_event_init(&event), 0);
    double begin = lab_now();
    ck_assert_int_eq(lab_event_wait_timeout(&event, 0.05), ETIMEDOUT);
    double waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.05, "gave up after %.3f s, before the 0.05 s timeout", waited);
    ck_assert_msg(waited < 2.0, "a 0.05 s timeout took %.3f s", waited);
    begin = lab_now();
    ck_assert_int_eq(lab_event_wait_timeout(&event, 0), ETIMEDOUT); /* 0 polls */
    ck_assert_int_eq(lab_event_wait_timeout(&event, -3), EINVAL);   /* never "forever" */
    ck_assert(lab_now() - begin < 1.0);
    ck_assert_int_eq(lab_event_waiting(&event), 0); /* the timed-out waiter has left */
    lab_event_destroy(&event);
}
END_TEST

/* The rule for time: a bad duration is refused and changes nothing (no waiter counted,
 * the flag as it was); 0 polls, both with the flag up and down. */
START_TEST(timed_wait_refuses_bad_durations_and_zero_polls)
{
    lab_event event;
    ck_assert_int_eq(lab_event_init(&event), 0);
    const double bad[] = {-1, -1e-9, NAN, INFINITY, -INFINITY};
    for (int up = 0; up < 2; up++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            ck_assert_int_eq(lab_event_wait_timeout(&event, bad[i]), EINVAL);
            ck_assert_int_eq(lab_event_is_set(&event), up);
            ck_assert_int_eq(lab_event_waiting(&event), 0);
        }
        double begin = lab_now();
        ck_assert_int_eq(lab_event_wait_timeout(&event, 0), up ? 0 : ETIMEDOUT);
        ck_assert_msg(lab_now() - begin < 1.0, "a poll blocked");
        lab_event_set(&event);
    }
    lab_event_destroy(&event);
}
END_TEST

/* ---- many waiters ---- */

enum { WAITERS = 16 };

typedef struct crowd {
    lab_event event;
    atomic_int woken_true;  /* waits that returned 0 (Python: True) */
    atomic_int woken_false; /* waits that returned ETIMEDOUT (or anything else) */
} crowd;

static void *wait_forever(void *arg)
{
    crowd *c = arg;
    lab_event_wait(&c->event);
    atomic_fetch_add(&c->woken_true, 1);
    return NULL;
}

static void *wait_with_a_long_timeout(void *arg)
{
    crowd *c = arg;
    int rc = lab_event_wait_timeout(&c->event, 20);
    atomic_fetch_add(rc == 0 ? &c->woken_true : &c->woken_false, 1);
    return NULL;
}

/* Join them all, failing the test (instead of hanging) if a waiter was not woken. */
static void join_all_within(lab_thread **threads, double seconds)
{
    double until = lab_now() + seconds; /* one limit for all of them */
    int stuck = 0;
    for (int i = 0; i < WAITERS; i++)
        if (lab_thread_join_timeout(threads[i], fmax(0, until - lab_now()), NULL) != 0)
            stuck++;
    ck_assert_msg(stuck == 0, "%d of %d waiters were never woken", stuck, WAITERS);
}

/* Start WAITERS threads (half wait forever, half with a timeout) and return once all of
 * them are blocked in the event. */
static void start_waiters(crowd *c, lab_thread **threads)
{
    for (int i = 0; i < WAITERS; i++)
        threads[i] = lab_thread_start(i % 2 ? wait_forever : wait_with_a_long_timeout, c,
                                      LAB_THREAD_NOT_DAEMON, "waiter-%d", i);
    for (int tries = 0; lab_event_waiting(&c->event) < WAITERS && tries < 10000; tries++)
        lab_sleep(0.001);
    ck_assert_int_eq(lab_event_waiting(&c->event), WAITERS);
}

START_TEST(set_wakes_all_sixteen_waiters)
{
    crowd c = {0};
    ck_assert_int_eq(lab_event_init(&c.event), 0);
    lab_thread *threads[WAITERS];
    start_waiters(&c, threads);
    ck_assert_int_eq(loaded(&c.woken_true), 0); /* nobody passes a clear flag */
    lab_event_set(&c.event);
    join_all_within(threads, 5);
    ck_assert_int_eq(loaded(&c.woken_true), WAITERS);
    ck_assert_int_eq(loaded(&c.woken_false), 0);
    lab_event_destroy(&c.event);
}
END_TEST

/* set() then clear() at once: everyone who was waiting still returns true. */
START_TEST(a_set_then_clear_pulse_still_wakes_every_waiter)
{
    crowd c = {0};
    ck_assert_int_eq(lab_event_init(&c.event), 0);
    lab_thread *threads[WAITERS];
    start_waiters(&c, threads);
    lab_event_set(&c.event);
    lab_event_clear(&c.event);
    join_all_within(threads, 5);
    ck_assert_int_eq(loaded(&c.woken_true), WAITERS);
    ck_assert_int_eq(loaded(&c.woken_false), 0);
    ck_assert(!lab_event_is_set(&c.event));
    lab_event_destroy(&c.event);
}
END_TEST

static void *wait_briefly(void *arg)
{
    crowd *c = arg;
    int rc = lab_event_wait_timeout(&c->event, 0.05);
    atomic_fetch_add(rc == 0 ? &c->woken_true : &c->woken_false, 1);
    return NULL;
}

START_TEST(without_a_set_every_timed_waiter_times_out)
{
    crowd c = {0};
    ck_assert_int_eq(lab_event_init(&c.event), 0);
    lab_event_set(&c.event);
    lab_event_clear(&c.event); /* a set before the waits began does not count */
    lab_thread *threads[WAITERS];
    for (int i = 0; i < WAITERS; i++)
        threads[i] = lab_thread_start(wait_briefly, &c, LAB_THREAD_NOT_DAEMON, "waiter-%d", i);
    for (int i = 0; i < WAITERS; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(loaded(&c.woken_false), WAITERS);
    ck_assert_int_eq(loaded(&c.woken_true), 0);
    lab_event_destroy(&c.event);
}
END_TEST

/* Two events as a relay: each side waits for its own, clears it, sets the other's.
 * Thousands of hand-overs with no lost wake-up (a lost one would hang until the timeout). */
enum { HANDOVERS = 2000 };

typedef struct relay {
    lab_event ping, pong;
    int hits; /* written by whoever holds the baton; the events order the writes */
} relay;

static void *answer_every_ping(void *arg)
{
    relay *r = arg;
    for (int i = 0; i < HANDOVERS; i++) {
        lab_event_wait(&r->ping);
        lab_event_clear(&r->ping);
        r->hits++;
        lab_event_set(&r->pong);
    }
    return NULL;
}

START_TEST(events_hand_a_baton_back_and_forth)
{
    relay r = {.hits = 0};
    ck_assert_int_eq(lab_event_init(&r.ping), 0);
    ck_assert_int_eq(lab_event_init(&r.pong), 0);
    lab_thread *other = lab_thread_start(answer_every_ping, &r, LAB_THREAD_NOT_DAEMON, "ponger");
    for (int i = 0; i < HANDOVERS; i++) {
        lab_event_set(&r.ping);
        lab_event_wait(&r.pong);
        lab_event_clear(&r.pong);
        r.hits++;
    }
    lab_thread_join(other);
    ck_assert_int_eq(r.hits, 2 * HANDOVERS);
    lab_event_destroy(&r.ping);
    lab_event_destroy(&r.pong);
}
END_TEST

static Suite *event_suite(void)
{
    Suite *suite = suite_create("event");
    TCase *semantics = tcase_create("semantics");
    tcase_set_timeout(semantics, 10);
    tcase_add_test(semantics, flag_follows_set_and_clear);
    tcase_add_test(semantics, waits_return_at_once_while_the_flag_is_up);
    tcase_add_test(semantics, timed_wait_on_a_clear_flag_times_out_in_time);
    tcase_add_test(semantics, timed_wait_refuses_bad_durations_and_zero_polls);
    suite_add_tcase(suite, semantics);

    TCase *waiters = tcase_create("waiters");
    tcase_set_timeout(waiters, 30);
    tcase_add_loop_test(waiters, set_wakes_all_sixteen_waiters, 0, 10);
    tcase_add_loop_test(waiters, a_set_then_clear_pulse_still_wakes_every_waiter, 0, 10);
    tcase_add_test(waiters, without_a_set_every_timed_waiter_times_out);
    tcase_add_test(waiters, events_hand_a_baton_back_and_forth);
    suite_add_tcase(suite, waiters);
    return suite;
}

LAB_TEST_MAIN(event_suite)
