/* test_barrier.c — Python's Barrier: arrival indices are a permutation of 0..parties-1 in
 * every round, the action runs once per round (in the last arrival) before anyone leaves,
 * rounds never mix, a timeout or abort breaks it for everyone until reset, reset breaks
 * the current waiters only, n_waiting and broken tell the truth. */
#include "support.h"

#include "barrier.h"
#include "checked.h"
#include "clock.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

START_TEST(init_checks_parties)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 0, NULL, NULL), EINVAL); /* Python: ValueError */
    ck_assert_int_eq(lab_barrier_init(&b, -2, NULL, NULL), EINVAL);
    ck_assert_int_eq(lab_barrier_init(&b, 3, NULL, NULL), 0);
    ck_assert_int_eq(lab_barrier_parties(&b), 3);
    ck_assert_int_eq(lab_barrier_n_waiting(&b), 0);
    ck_assert(!lab_barrier_broken(&b));
    lab_barrier_destroy(&b);
}
END_TEST

static int count_a_call(void *arg)
{
    atomic_fetch_add((atomic_int *)arg, 1);
    return 0;
}

START_TEST(one_party_goes_straight_through)
{
    atomic_int calls = 0;
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 1, count_a_call, &calls), 0);
    for (int i = 0; i < 3; i++) {
        int index = -1;
        ck_assert_int_eq(lab_barrier_wait(&b, &index), 0);
        ck_assert_int_eq(index, 0);
    }
    int index = -1;
    ck_assert_int_eq(lab_barrier_wait_timeout(&b, 0, &index), 0); /* it fills the round */
    ck_assert_int_eq(index, 0);
    ck_assert_int_eq(atomic_load(&calls), 4);
    ck_assert_int_eq(lab_barrier_wait(&b, NULL), 0); /* index is optional */
    lab_barrier_destroy(&b);
}
END_TEST

START_TEST(bad_durations_are_refused_and_change_nothing)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 2, NULL, NULL), 0);
    const double bad[] = {-1, -0.001, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(lab_barrier_wait_timeout(&b, bad[i], NULL), EINVAL);
    ck_assert_int_eq(lab_barrier_n_waiting(&b), 0);
    ck_assert(!lab_barrier_broken(&b));
    lab_barrier_destroy(&b);
}
END_TEST

/* A helper thread waiting at a barrier: records what its wait returned. */
typedef struct waiter {
    lab_barrier *b;
    double timeout; /* < 0: the blocking form */
    int rc, index;
} waiter;

static void *wait_at_the_barrier(void *arg)
{
    waiter *w = arg;
    w->index = -1;
    w->rc = w->timeout < 0 ? lab_barrier_wait(w->b, &w->index)
                           : lab_barrier_wait_timeout(w->b, w->timeout, &w->index);
    return NULL;
}

/* Wait (bounded) until n threads wait at b. */
static void until_waiting(lab_barrier *b, int n)
{
    double give_up = lab_now() + 5.0;
    while (lab_barrier_n_waiting(b) != n && lab_now() < give_up)
        sched_yield();
    ck_assert_int_eq(lab_barrier_n_waiting(b), n);
}

START_TEST(n_waiting_counts_and_the_last_arrival_opens)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 3, NULL, NULL), 0);
    waiter w[2] = {{.b = &b, .timeout = -1}, {.b = &b, .timeout = 30}};
    lab_thread *t0 = lab_thread_start(wait_at_the_barrier, &w[0], LAB_THREAD_NOT_DAEMON, "w0");
    until_waiting(&b, 1);
    lab_thread *t1 = lab_thread_start(wait_at_the_barrier, &w[1], LAB_THREAD_NOT_DAEMON, "w1");
    until_waiting(&b, 2);
    int index = -1;
    ck_assert_int_eq(lab_barrier_wait(&b, &index), 0);
    lab_thread_join(t0);
    lab_thread_join(t1);
    ck_assert_int_eq(index, 2); /* arrival order, as CPython: the last gets parties-1 */
    ck_assert_int_eq(w[0].rc, 0);
    ck_assert_int_eq(w[0].index, 0);
    ck_assert_int_eq(w[1].rc, 0);
    ck_assert_int_eq(w[1].index, 1);
    ck_assert_int_eq(lab_barrier_n_waiting(&b), 0);
    ck_assert(!lab_barrier_broken(&b));
    lab_barrier_destroy(&b);
}
END_TEST

START_TEST(a_timeout_breaks_it_for_everyone_until_reset)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 3, NULL, NULL), 0);
    waiter w = {.b = &b, .timeout = -1};
    lab_thread *t = lab_thread_start(wait_at_the_barrier, &w, LAB_THREAD_NOT_DAEMON, "patient");
    until_waiting(&b, 1);
    double begin = lab_now();
    ck_assert_int_eq(lab_barrier_wait_timeout(&b, 0.05, NULL), ETIMEDOUT);
    double waited = lab_now() - begin;
    lab_thread_join(t);
    ck_assert_msg(waited >= 0.05 && waited < 2.0, "a 0.05 s timeout took %.3f s", waited);
    ck_assert_int_eq(w.rc, EPIPE); /* BrokenBarrierError for the one that did not time out */
    ck_assert(lab_barrier_broken(&b));
    ck_assert_int_eq(lab_barrier_wait(&b, NULL), EPIPE); /* later waits fail at once */
    ck_assert_int_eq(lab_barrier_wait_timeout(&b, 10, NULL), EPIPE);
    ck_assert_int_eq(lab_barrier_n_waiting(&b), 0);

    lab_barrier_reset(&b);
    ck_assert(!lab_barrier_broken(&b));
    waiter again[2] = {{.b = &b, .timeout = -1}, {.b = &b, .timeout = -1}};
    lab_thread *ts[2];
    for (int i = 0; i < 2; i++)
        ts[i] =
            lab_thread_start(wait_at_the_barrier, &again[i], LAB_THREAD_NOT_DAEMON, "again%d", i);
    int index = -1;
    ck_assert_int_eq(lab_barrier_wait(&b, &index), 0);
    for (int i = 0; i < 2; i++)
        lab_thread_join(ts[i]);
    ck_assert_int_eq(again[0].rc, 0);
    ck_assert_int_eq(again[1].rc, 0);
    ck_assert_int_eq(index + again[0].index + again[1].index, 0 + 1 + 2);
    lab_barrier_destroy(&b);
}
END_TEST

START_TEST(a_zero_timeout_polls_and_breaks_it)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 2, NULL, NULL), 0);
    double begin = lab_now();
    ck_assert_int_eq(lab_barrier_wait_timeout(&b, 0, NULL), ETIMEDOUT); /* as Python's wait(0) */
    ck_assert(lab_now() - begin < 1.0);
    ck_assert(lab_barrier_broken(&b));
    lab_barrier_reset(&b);
    ck_assert(!lab_barrier_broken(&b));
    lab_barrier_destroy(&b);
}
END_TEST

START_TEST(abort_breaks_the_waiters_and_later_waits)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 3, NULL, NULL), 0);
    waiter w[2] = {{.b = &b, .timeout = -1}, {.b = &b, .timeout = 30}};
    lab_thread *ts[2];
    for (int i = 0; i < 2; i++)
        ts[i] = lab_thread_start(wait_at_the_barrier, &w[i], LAB_THREAD_NOT_DAEMON, "w%d", i);
    until_waiting(&b, 2);
    lab_barrier_abort(&b);
    for (int i = 0; i < 2; i++)
        lab_thread_join(ts[i]);
    ck_assert_int_eq(w[0].rc, EPIPE);
    ck_assert_int_eq(w[1].rc, EPIPE);
    ck_assert_int_eq(w[0].index, -1); /* no index on error */
    ck_assert(lab_barrier_broken(&b));
    ck_assert_int_eq(lab_barrier_wait(&b, NULL), EPIPE);
    lab_barrier_reset(&b);
    ck_assert(!lab_barrier_broken(&b));
    ck_assert_int_eq(lab_barrier_n_waiting(&b), 0);
    lab_barrier_destroy(&b);
}
END_TEST

START_TEST(reset_breaks_the_current_waiters_only)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 3, NULL, NULL), 0);
    waiter w[2] = {{.b = &b, .timeout = -1}, {.b = &b, .timeout = -1}};
    lab_thread *ts[2];
    for (int i = 0; i < 2; i++)
        ts[i] = lab_thread_start(wait_at_the_barrier, &w[i], LAB_THREAD_NOT_DAEMON, "w%d", i);
    until_waiting(&b, 2);
    lab_barrier_reset(&b);
    for (int i = 0; i < 2; i++)
        lab_thread_join(ts[i]);
    ck_assert_int_eq(w[0].rc, EPIPE);
    ck_assert_int_eq(w[1].rc, EPIPE);
    ck_assert(!lab_barrier_broken(&b)); /* reset, not broken: the next round works */
    for (int i = 0; i < 2; i++)
        ts[i] = lab_thread_start(wait_at_the_barrier, &w[i], LAB_THREAD_NOT_DAEMON, "w%d", i);
    int index = -1;
    ck_assert_int_eq(lab_barrier_wait(&b, &index), 0);
    for (int i = 0; i < 2; i++)
        lab_thread_join(ts[i]);
    ck_assert_int_eq(w[0].rc, 0);
    ck_assert_int_eq(w[1].rc, 0);
    ck_assert_int_eq((1 << index) | (1 << w[0].index) | (1 << w[1].index), 0x7);
    lab_barrier_destroy(&b);
}
END_TEST

static int fail_with_ecanceled(void *arg)
{
    (void)arg;
    return ECANCELED;
}

START_TEST(a_failing_action_breaks_it)
{
    lab_barrier b;
    ck_assert_int_eq(lab_barrier_init(&b, 2, fail_with_ecanceled, NULL), 0);
    waiter w = {.b = &b, .timeout = -1};
    lab_thread *t = lab_thread_start(wait_at_the_barrier, &w, LAB_THREAD_NOT_DAEMON, "w");
    until_waiting(&b, 1);
    ck_assert_int_eq(lab_barrier_wait(&b, NULL), ECANCELED); /* the action's own error */
    lab_thread_join(t);
    ck_assert_int_eq(w.rc, EPIPE); /* the others: BrokenBarrierError */
    ck_assert(lab_barrier_broken(&b));
    lab_barrier_destroy(&b);
}
END_TEST

/* The action runs outside the barrier's lock: it may look at the barrier. */
typedef struct looker {
    lab_barrier b;
    int n_waiting_seen;
    bool broken_seen;
} looker;

static int look_at_the_barrier(void *arg)
{
    looker *l = arg;
    l->n_waiting_seen = lab_barrier_n_waiting(&l->b);
    l->broken_seen = lab_barrier_broken(&l->b);
    return 0;
}

START_TEST(the_action_may_look_at_the_barrier)
{
    looker l;
    ck_assert_int_eq(lab_barrier_init(&l.b, 2, look_at_the_barrier, &l), 0);
    waiter w = {.b = &l.b, .timeout = -1};
    lab_thread *t = lab_thread_start(wait_at_the_barrier, &w, LAB_THREAD_NOT_DAEMON, "w");
    ck_assert_int_eq(lab_barrier_wait(&l.b, NULL), 0);
    lab_thread_join(t);
    ck_assert_int_eq(w.rc, 0);
    ck_assert_int_eq(l.n_waiting_seen, 2); /* as CPython: the round is still counted */
    ck_assert(!l.broken_seen);
    lab_barrier_destroy(&l.b);
}
END_TEST

static void destroy_while_in_use(void *arg)
{
    (void)arg;
    static lab_barrier b;
    LAB_CHECK(lab_barrier_init(&b, 2, NULL, NULL));
    static waiter w = {.b = &b, .timeout = 30};
    lab_thread_start(wait_at_the_barrier, &w, LAB_THREAD_DAEMON, "w");
    while (lab_barrier_n_waiting(&b) != 1)
        sched_yield();
    lab_barrier_destroy(&b);
}

START_TEST(destroying_a_barrier_in_use_aborts)
{
    child_run run = run_in_child(destroy_while_in_use, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "fatal: lab_barrier_destroy") != NULL, "stderr: %s", run.err);
    child_run_free(&run);
}
END_TEST

/* ---- rounds under contention ---- */

enum { PARTIES = 4, ROUNDS = 300 };

typedef struct race {
    lab_barrier b;
    int index[ROUNDS][PARTIES];        /* [round][thread]: written by that thread only */
    int actor[ROUNDS];                 /* who ran the action in each round: by the actor only */
    int actions_seen[ROUNDS][PARTIES]; /* actions run when each thread left the round */
    atomic_int actions, arrived, errors;
} race;

static _Thread_local int my_number;

static int note_the_action(void *arg)
{
    race *r = arg;
    int round = atomic_load(&r->actions);
    /* Everybody of this round has arrived before the action runs. */
    if (atomic_load(&r->arrived) != (round + 1) * PARTIES)
        atomic_fetch_add(&r->errors, 1);
    r->actor[round] = my_number;
    atomic_fetch_add(&r->actions, 1);
    return 0;
}

typedef struct runner {
    race *r;
    int number;
} runner;

static void *run_the_rounds(void *arg)
{
    runner *me = arg;
    race *r = me->r;
    my_number = me->number;
    for (int round = 0; round < ROUNDS; round++) {
        atomic_fetch_add(&r->arrived, 1);
        int rc = round % 2 == 0 ? lab_barrier_wait(&r->b, &r->index[round][me->number])
                                : lab_barrier_wait_timeout(&r->b, 60, &r->index[round][me->number]);
        if (rc != 0)
            atomic_fetch_add(&r->errors, 1);
        r->actions_seen[round][me->number] = atomic_load(&r->actions);
    }
    return NULL;
}

START_TEST(each_round_is_a_permutation_with_one_action)
{
    static race r;
    memset(&r, 0, sizeof r);
    ck_assert_int_eq(lab_barrier_init(&r.b, PARTIES, note_the_action, &r), 0);
    runner runners[PARTIES];
    lab_thread *threads[PARTIES];
    for (int i = 0; i < PARTIES; i++) {
        runners[i] = (runner){.r = &r, .number = i};
        threads[i] =
            lab_thread_start(run_the_rounds, &runners[i], LAB_THREAD_NOT_DAEMON, "runner-%d", i);
    }
    for (int i = 0; i < PARTIES; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(atomic_load(&r.errors), 0);
    ck_assert_int_eq(atomic_load(&r.actions), ROUNDS);
    for (int round = 0; round < ROUNDS; round++) {
        int seen = 0;
        for (int t = 0; t < PARTIES; t++) {
            int index = r.index[round][t];
            ck_assert_msg(index >= 0 && index < PARTIES, "round %d: index %d", round, index);
            seen |= 1 << index;
            if (index == PARTIES - 1) /* the last arrival ran the action */
                ck_assert_int_eq(r.actor[round], t);
            /* the action of this round ran before anyone left it, and no later round's
             * could run before everyone left this one */
            ck_assert_int_ge(r.actions_seen[round][t], round + 1);
            ck_assert_int_le(r.actions_seen[round][t], round + 2);
        }
        ck_assert_msg(seen == (1 << PARTIES) - 1, "round %d: indices are not a permutation", round);
    }
    ck_assert(!lab_barrier_broken(&r.b));
    lab_barrier_destroy(&r.b);
}
END_TEST

/* More threads than parties: each opening takes any `parties` of them; rounds never mix,
 * so every index is handed out equally often and the action runs once per opening. The
 * threads draw their waits from one pool of tickets (a fixed number per thread could
 * leave one thread alone with waits to do and nobody to fill its round). */
enum { CROWD = 6, SMALL = 3, CROWD_ROUNDS = 300 };

typedef struct crowd {
    lab_barrier b;
    atomic_int actions, errors, tickets;
    atomic_int index_count[SMALL];
} crowd;

static int count_the_action(void *arg)
{
    atomic_fetch_add(&((crowd *)arg)->actions, 1);
    return 0;
}

static void *crowd_in(void *arg)
{
    crowd *c = arg;
    while (atomic_fetch_sub(&c->tickets, 1) > 0) {
        int index = -1;
        if (lab_barrier_wait(&c->b, &index) != 0 || index < 0 || index >= SMALL)
            atomic_fetch_add(&c->errors, 1);
        else
            atomic_fetch_add(&c->index_count[index], 1);
    }
    return NULL;
}

START_TEST(more_threads_than_parties_never_mix_rounds)
{
    static crowd c;
    memset(&c, 0, sizeof c);
    atomic_store(&c.tickets, CROWD * CROWD_ROUNDS);
    ck_assert_int_eq(lab_barrier_init(&c.b, SMALL, count_the_action, &c), 0);
    lab_thread *threads[CROWD];
    for (int i = 0; i < CROWD; i++)
        threads[i] = lab_thread_start(crowd_in, &c, LAB_THREAD_NOT_DAEMON, "crowd-%d", i);
    for (int i = 0; i < CROWD; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(atomic_load(&c.errors), 0);
    ck_assert_int_eq(atomic_load(&c.actions), CROWD * CROWD_ROUNDS / SMALL);
    for (int i = 0; i < SMALL; i++)
        ck_assert_int_eq(atomic_load(&c.index_count[i]), CROWD * CROWD_ROUNDS / SMALL);
    lab_barrier_destroy(&c.b);
}
END_TEST

static Suite *barrier_suite(void)
{
    Suite *suite = suite_create("barrier");
    TCase *semantics = tcase_create("semantics");
    tcase_set_timeout(semantics, 10);
    tcase_add_test(semantics, init_checks_parties);
    tcase_add_test(semantics, one_party_goes_straight_through);
    tcase_add_test(semantics, bad_durations_are_refused_and_change_nothing);
    tcase_add_test(semantics, n_waiting_counts_and_the_last_arrival_opens);
    tcase_add_test(semantics, a_timeout_breaks_it_for_everyone_until_reset);
    tcase_add_test(semantics, a_zero_timeout_polls_and_breaks_it);
    tcase_add_test(semantics, abort_breaks_the_waiters_and_later_waits);
    tcase_add_test(semantics, reset_breaks_the_current_waiters_only);
    tcase_add_test(semantics, a_failing_action_breaks_it);
    tcase_add_test(semantics, the_action_may_look_at_the_barrier);
    tcase_add_test(semantics, destroying_a_barrier_in_use_aborts);
    suite_add_tcase(suite, semantics);
    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 60);
    tcase_add_loop_test(contention, each_round_is_a_permutation_with_one_action, 0, 3);
    tcase_add_loop_test(contention, more_threads_than_parties_never_mix_rounds, 0, 3);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(barrier_suite)
