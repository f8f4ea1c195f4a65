/* test_rlock.c — Python's RLock: the owner re-acquires and counts, only the owner releases
 * (EPERM otherwise, Python's RuntimeError), release at count 0 is refused, others get it
 * only after the final release; acquire blocking / non-blocking / timed; mutual exclusion
 * under contention with nested acquires. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "rlock.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

START_TEST(the_owner_acquires_again_and_counts)
{
    lab_rlock rlock;
    ck_assert_int_eq(lab_rlock_init(&rlock), 0);
    ck_assert(!lab_rlock_is_owned(&rlock));
    ck_assert_uint_eq(lab_rlock_count(&rlock), 0);
    lab_rlock_acquire(&rlock);
    lab_rlock_acquire(&rlock); /* a plain Lock would hang here */
    ck_assert_int_eq(lab_rlock_try_acquire(&rlock), 0);
    ck_assert_int_eq(lab_rlock_acquire_timeout(&rlock, 0), 0);
    ck_assert_int_eq(lab_rlock_acquire_timeout(&rlock, 1), 0);
    ck_assert(lab_rlock_is_owned(&rlock));
    ck_assert_uint_eq(lab_rlock_count(&rlock), 5);
    for (unsigned long left = 4; left < 5; left--) {
        ck_assert_int_eq(lab_rlock_release(&rlock), 0);
        ck_assert_uint_eq(lab_rlock_count(&rlock), left);
    }
    ck_assert(!lab_rlock_is_owned(&rlock));
    lab_rlock_destroy(&rlock);
}
END_TEST

START_TEST(release_at_count_zero_is_refused)
{
    lab_rlock rlock;
    ck_assert_int_eq(lab_rlock_init(&rlock), 0);
    ck_assert_int_eq(lab_rlock_release(&rlock), EPERM); /* RuntimeError: un-acquired */
    lab_rlock_acquire(&rlock);
    ck_assert_int_eq(lab_rlock_release(&rlock), 0);
    ck_assert_int_eq(lab_rlock_release(&rlock), EPERM); /* one release too many */
    ck_assert_uint_eq(lab_rlock_count(&rlock), 0);
    ck_assert_int_eq(lab_rlock_try_acquire(&rlock), 0); /* and it still works */
    ck_assert_int_eq(lab_rlock_release(&rlock), 0);
    lab_rlock_destroy(&rlock);
}
END_TEST

/* What another thread sees of a lock main holds. */
typedef struct outsider {
    lab_rlock *rlock;
    int release_rc, try_rc, poll_rc, timed_rc, bad_rc;
    unsigned long count_seen;
    bool owned_seen;
    double timed_waited;
} outsider;

static void *look_from_outside(void *arg)
{
    outsider *o = arg;
    o->release_rc = lab_rlock_release(o->rlock);
    o->try_rc = lab_rlock_try_acquire(o->rlock);
    o->poll_rc = lab_rlock_acquire_timeout(o->rlock, 0);
    o->bad_rc = lab_rlock_acquire_timeout(o->rlock, -1);
    double begin = lab_now();
    o->timed_rc = lab_rlock_acquire_timeout(o->rlock, 0.05);
    o->timed_waited = lab_now() - begin;
    o->count_seen = lab_rlock_count(o->rlock);
    o->owned_seen = lab_rlock_is_owned(o->rlock);
    return NULL;
}

START_TEST(only_the_owner_may_release)
{
    lab_rlock rlock;
    ck_assert_int_eq(lab_rlock_init(&rlock), 0);
    lab_rlock_acquire(&rlock);
    lab_rlock_acquire(&rlock);
    outsider o = {.rlock = &rlock};
    lab_thread_join(lab_thread_start(look_from_outside, &o, LAB_THREAD_NOT_DAEMON, "outsider"));
    ck_assert_int_eq(o.release_rc, EPERM); /* Python: RuntimeError */
    ck_assert_int_eq(o.try_rc, EAGAIN);
    ck_assert_int_eq(o.poll_rc, ETIMEDOUT);
    ck_assert_int_eq(o.bad_rc, EINVAL);
    ck_assert_int_eq(o.timed_rc, ETIMEDOUT);
    ck_assert_msg(o.timed_waited >= 0.05, "gave up after %.3f s", o.timed_waited);
    ck_assert_msg(o.timed_waited < 2.0, "a 0.05 s timeout took %.3f s", o.timed_waited);
    ck_assert_uint_eq(o.count_seen, 0); /* not its lock */
    ck_assert(!o.owned_seen);
    ck_assert_uint_eq(lab_rlock_count(&rlock), 2); /* the refused release changed nothing */
    ck_assert_int_eq(lab_rlock_release(&rlock), 0);
    ck_assert_int_eq(lab_rlock_release(&rlock), 0);
    lab_rlock_destroy(&rlock);
}
END_TEST

START_TEST(timed_acquire_follows_the_rule_for_time)
{
    lab_rlock rlock;
    ck_assert_int_eq(lab_rlock_init(&rlock), 0);
    const double bad[] = {-1, -0.001, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(lab_rlock_acquire_timeout(&rlock, bad[i]), EINVAL);
    ck_assert(!lab_rlock_is_owned(&rlock)); /* refused: nothing taken */
    ck_assert_int_eq(lab_rlock_acquire_timeout(&rlock, 0), 0);
    ck_assert_int_eq(lab_rlock_release(&rlock), 0);
    lab_rlock_destroy(&rlock);
}
END_TEST

/* A waiter gets the lock only at the owner's final release. */
typedef struct waiter {
    lab_rlock *rlock;
    atomic_bool got;
    unsigned long count_then;
} waiter;

static void *wait_for_the_lock(void *arg)
{
    waiter *w = arg;
    lab_rlock_acquire(w->rlock);
    atomic_store(&w->got, true);
    w->count_then = lab_rlock_count(w->rlock);
    return (void *)(intptr_t)lab_rlock_release(w->rlock);
}

START_TEST(others_get_it_only_after_the_final_release)
{
    lab_rlock rlock;
    ck_assert_int_eq(lab_rlock_init(&rlock), 0);
    for (int i = 0; i < 3; i++)
        lab_rlock_acquire(&rlock);
    waiter w = {.rlock = &rlock};
    lab_thread *t = lab_thread_start(wait_for_the_lock, &w, LAB_THREAD_NOT_DAEMON, "waiter");
    lab_sleep(0.02);
    ck_assert_int_eq(lab_rlock_release(&rlock), 0);
    ck_assert_int_eq(lab_rlock_release(&rlock), 0);
    lab_sleep(0.05); /* had an inner release freed it, the waiter would have it by now */
    ck_assert(!atomic_load(&w.got));
    ck_assert_uint_eq(lab_rlock_count(&rlock), 1);
    ck_assert_int_eq(lab_rlock_release(&rlock), 0); /* the final one */
    ck_assert_int_eq((intptr_t)lab_thread_join(t), 0);
    ck_assert(atomic_load(&w.got));
    ck_assert_uint_eq(w.count_then, 1); /* a fresh count for the new owner */
    lab_rlock_destroy(&rlock);
}
END_TEST

static void destroy_a_held_lock(void *arg)
{
    (void)arg;
    lab_rlock rlock;
    LAB_CHECK(lab_rlock_init(&rlock));
    lab_rlock_acquire(&rlock);
    lab_rlock_destroy(&rlock);
}

START_TEST(destroying_a_held_lock_aborts)
{
    child_run run = run_in_child(destroy_a_held_lock, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "fatal: lab_rlock_destroy") != NULL, "stderr: %s", run.err);
    child_run_free(&run);
}
END_TEST

/* ---- contention: one owner at a time, nested acquires, every style ---- */

enum { WORKERS = 8, ROUNDS = 1000 };

typedef struct shared {
    lab_rlock rlock;
    long counter; /* protected by rlock: a plain long on purpose */
    atomic_int inside, most_inside, errors;
} shared;

typedef struct worker {
    shared *s;
    int style;
} worker;

static void enter(worker *w)
{
    lab_rlock *r = &w->s->rlock;
    if (w->style == 0)
        lab_rlock_acquire(r);
    else if (w->style == 1)
        while (lab_rlock_try_acquire(r) != 0)
            sched_yield();
    else
        for (int rc; (rc = lab_rlock_acquire_timeout(r, 0.001)) != 0;)
            if (rc != ETIMEDOUT)
                atomic_fetch_add(&w->s->errors, 1);
}

static void *nest_and_count(void *arg)
{
    worker *w = arg;
    shared *s = w->s;
    for (int i = 0; i < ROUNDS; i++) {
        int depth = 1 + i % 3;
        enter(w);
        int now = atomic_fetch_add(&s->inside, 1) + 1;
        int seen = atomic_load(&s->most_inside);
        while (now > seen && !atomic_compare_exchange_weak(&s->most_inside, &seen, now))
            ;
        for (int d = 1; d < depth; d++)
            enter(w); /* the owner again: never blocks */
        if (lab_rlock_count(&s->rlock) != (unsigned long)depth)
            atomic_fetch_add(&s->errors, 1);
        long read = s->counter;
        if (i % 50 == 0)
            sched_yield(); /* a window: only the lock keeps others out */
        s->counter = read + 1;
        for (int d = 1; d < depth; d++)
            if (lab_rlock_release(&s->rlock) != 0)
                atomic_fetch_add(&s->errors, 1);
        atomic_fetch_sub(&s->inside, 1);
        if (lab_rlock_release(&s->rlock) != 0)
            atomic_fetch_add(&s->errors, 1);
    }
    return NULL;
}

START_TEST(one_owner_at_a_time_under_contention)
{
    shared s = {.counter = 0};
    ck_assert_int_eq(lab_rlock_init(&s.rlock), 0);
    worker workers[WORKERS];
    lab_thread *threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (worker){.s = &s, .style = i % 3};
        threads[i] = lab_thread_start(nest_and_count, &workers[i], LAB_THREAD_NOT_DAEMON, "w%d", i);
    }
    for (int i = 0; i < WORKERS; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(atomic_load(&s.errors), 0);
    ck_assert_int_eq(atomic_load(&s.most_inside), 1);
    ck_assert_int_eq(s.counter, (long)WORKERS * ROUNDS);
    ck_assert(!lab_rlock_is_owned(&s.rlock));
    ck_assert_int_eq(lab_rlock_try_acquire(&s.rlock), 0); /* free at the end */
    ck_assert_int_eq(lab_rlock_release(&s.rlock), 0);
    lab_rlock_destroy(&s.rlock);
}
END_TEST

static Suite *rlock_suite(void)
{
    Suite *suite = suite_create("rlock");
    TCase *semantics = tcase_create("semantics");
    tcase_set_timeout(semantics, 10);
    tcase_add_test(semantics, the_owner_acquires_again_and_counts);
    tcase_add_test(semantics, release_at_count_zero_is_refused);
    tcase_add_test(semantics, only_the_owner_may_release);
    tcase_add_test(semantics, timed_acquire_follows_the_rule_for_time);
    tcase_add_test(semantics, others_get_it_only_after_the_final_release);
    tcase_add_test(semantics, destroying_a_held_lock_aborts);
    suite_add_tcase(suite, semantics);
    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 60);
    tcase_add_loop_test(contention, one_owner_at_a_time_under_contention, 0, 3);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(rlock_suite)
