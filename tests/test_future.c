/* test_future.c — futures on their own (driven by test threads, no pool): states, result
 * with and without a timeout, cancel, done-callbacks exactly once and in order, misuse that
 * must abort, waiters sharing the waiting rooms, start racing cancel; and the futures
 * module over them: as_completed in finishing order, wait's three modes. Both obey the
 * one rule for time. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "future.h"
#include "futures.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run a pending future's "task" on the calling thread: set running, then finish. */
static void run_now(lab_future *future, int status, long value)
{
    ck_assert(lab_future_set_running(future));
    lab_future_finish(future, status, value);
}

/* A finisher thread: after `delay` class seconds, finishes futures[order[i]] one by one. */
typedef struct finisher {
    lab_future **futures;
    const size_t *order;
    size_t count;
    double delay;
    int fail_index; /* this position finishes with status EIO; -1: none */
} finisher;

static void *finish_in_order(void *arg)
{
    finisher *f = arg;
    lab_sleep(f->delay);
    for (size_t i = 0; i < f->count; i++) {
        size_t k = f->order[i];
        lab_future_set_running(f->futures[k]);
        lab_future_finish(f->futures[k], (int)k == f->fail_index ? EIO : 0, (long)k * 10);
    }
    return NULL;
}

static lab_future **new_futures(size_t count)
{
    lab_future **futures = lab_calloc(count, sizeof *futures);
    for (size_t i = 0; i < count; i++) {
        futures[i] = lab_future_new();
        ck_assert_ptr_nonnull(futures[i]);
    }
    return futures;
}

static void free_futures(lab_future **futures, size_t count)
{
    for (size_t i = 0; i < count; i++)
        lab_future_free(futures[i]);
    free(futures);
}

/* ---- states and result ---- */

START_TEST(a_new_future_is_pending)
{
    lab_future *f = lab_future_new();
    ck_assert(!lab_future_done(f) && !lab_future_running(f) && !lab_future_cancelled(f));
    long value = 99;
    ck_assert_int_eq(lab_future_result_timeout(f, 0, &value), ETIMEDOUT);
    ck_assert_int_eq(value, 99); /* untouched */
    ck_assert_int_eq(lab_future_error(f), 0);
    ck_assert(lab_future_set_running(f));
    ck_assert(lab_future_running(f) && !lab_future_done(f));
    lab_future_finish(f, 0, 42);
    ck_assert(lab_future_done(f) && !lab_future_running(f) && !lab_future_cancelled(f));
    ck_assert_int_eq(lab_future_result_timeout(f, 0, &value), 0);
    ck_assert_int_eq(value, 42);
    ck_assert_int_eq(lab_future_result(f, NULL), 0); /* value may be NULL */
    lab_future_free(f);
}
END_TEST

START_TEST(a_failed_task_hands_back_its_status)
{
    lab_future *f = lab_future_new();
    run_now(f, ENOENT, 7);
    long value = -1;
    ck_assert_int_eq(lab_future_result(f, &value), ENOENT);
    ck_assert_int_eq(value, -1); /* no value from a failed task */
    ck_assert_int_eq(lab_future_error(f), ENOENT);
    ck_assert(lab_future_done(f));
    lab_future_free(f);
}
END_TEST

START_TEST(result_times_out_then_gets_the_value)
{
    lab_future *f = lab_future_new();
    double begin = lab_now();
    ck_assert_int_eq(lab_future_result_timeout(f, 0.05, NULL), ETIMEDOUT);
    ck_assert_msg(lab_now() - begin >= 0.05, "gave up after %.3f s", lab_now() - begin);
    ck_assert(!lab_future_done(f)); /* a timeout changes nothing */
    size_t order[] = {0};
    finisher fin = {&f, order, 1, 0.02, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    long value = 0;
    ck_assert_int_eq(lab_future_result(f, &value), 0);
    ck_assert_int_eq(value, 0);
    lab_thread_join(t);
    lab_future_free(f);
}
END_TEST

START_TEST(result_with_a_long_timeout_returns_when_done)
{
    lab_future *f = lab_future_new();
    size_t order[] = {0};
    finisher fin = {&f, order, 1, 0.02, 0}; /* fails with EIO */
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    ck_assert_int_eq(lab_future_result_timeout(f, 20, NULL), EIO);
    lab_thread_join(t);
    lab_future_free(f);
}
END_TEST

/* Python's exception(timeout): None (0) for a success, the exception (the status) for a
 * failure, CancelledError (ECANCELED), TimeoutError (ETIMEDOUT) when not done in time;
 * the one rule for time. It waits as result() does. */
START_TEST(exception_gives_the_failure_status_and_waits_as_result)
{
    lab_future *ok = lab_future_new(), *failing = lab_future_new(), *cancelled = lab_future_new();
    ck_assert_int_eq(lab_future_exception_timeout(ok, 0), ETIMEDOUT); /* pending: look once */
    double begin = lab_now();
    ck_assert_int_eq(lab_future_exception_timeout(ok, 0.03), ETIMEDOUT);
    ck_assert(lab_now() - begin >= lab_real_seconds(0.03) * 0.9);
    ck_assert(!lab_future_done(ok)); /* a timeout changes nothing */
    ck_assert_int_eq(lab_future_exception_timeout(ok, -1), EINVAL);
    ck_assert_int_eq(lab_future_exception_timeout(ok, NAN), EINVAL);
    ck_assert_int_eq(lab_future_exception_timeout(ok, INFINITY), EINVAL);
    run_now(ok, 0, 7);
    ck_assert_int_eq(lab_future_exception(ok), 0); /* None */
    ck_assert_int_eq(lab_future_exception_timeout(ok, 0), 0);
    ck_assert(lab_future_cancel(cancelled));
    ck_assert_int_eq(lab_future_exception(cancelled), ECANCELED);
    ck_assert_int_eq(lab_future_exception_timeout(cancelled, 0), ECANCELED);
    /* A waiting exception() wakes when the task fails, and gets its status. */
    size_t order[] = {0};
    finisher fin = {&failing, order, 1, 0.02, 0}; /* fails with EIO */
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    ck_assert_int_eq(lab_future_exception(failing), EIO);
    ck_assert_int_eq(lab_future_exception_timeout(failing, 5), EIO);
    ck_assert_int_eq(lab_future_error(failing), EIO);
    lab_thread_join(t);
    lab_future_free(ok);
    lab_future_free(failing);
    lab_future_free(cancelled);
}
END_TEST

/* ---- cancel ---- */

START_TEST(cancel_only_before_the_start)
{
    lab_future *pending = lab_future_new();
    ck_assert(lab_future_cancel(pending));
    ck_assert(lab_future_cancelled(pending) && lab_future_done(pending) &&
              !lab_future_running(pending));
    ck_assert(lab_future_cancel(pending)); /* again: still true, as Python's */
    ck_assert_int_eq(lab_future_result_timeout(pending, 0, NULL), ECANCELED);
    ck_assert_int_eq(lab_future_error(pending), 0);
    ck_assert(!lab_future_set_running(pending)); /* the executor must skip it */
    lab_future_free(pending);

    lab_future *running = lab_future_new();
    ck_assert(lab_future_set_running(running));
    ck_assert(!lab_future_cancel(running));
    ck_assert(lab_future_running(running) && !lab_future_cancelled(running));
    lab_future_finish(running, 0, 1);
    ck_assert(!lab_future_cancel(running));
    ck_assert_int_eq(lab_future_result_timeout(running, 0, NULL), 0);
    lab_future_free(running);
}
END_TEST

typedef struct waiting_result {
    lab_future *future;
    int outcome;
} waiting_result;

static void *wait_for_result(void *arg)
{
    waiting_result *w = arg;
    w->outcome = lab_future_result(w->future, NULL);
    return NULL;
}

START_TEST(a_cancel_wakes_a_waiting_result)
{
    waiting_result w = {lab_future_new(), 1};
    lab_thread *t = lab_thread_start(wait_for_result, &w, LAB_THREAD_NOT_DAEMON, "waiter");
    lab_sleep(0.02); /* most likely waiting by now; correct either way */
    ck_assert(lab_future_cancel(w.future));
    lab_thread_join(t);
    ck_assert_int_eq(w.outcome, ECANCELED);
    lab_future_free(w.future);
}
END_TEST

/* ---- the lock-free state and the shared waiting rooms ---- */

/* 256 futures share 64 rooms: a finish wakes every sleeper of its room, and the others
 * must go back to sleep and still get their own result, each exactly once. */
enum { CROWD = 256, CROWD_WAITERS = 8 };

typedef struct crowd_waiter {
    lab_future **futures;
    int first; /* waits for futures first, first + CROWD_WAITERS, ... */
    int wrong; /* results that were not 0 with value 10 * position */
} crowd_waiter;

static void *wait_for_my_share(void *arg)
{
    crowd_waiter *w = arg;
    for (int i = w->first; i < CROWD; i += CROWD_WAITERS) {
        long value = -1;
        if (lab_future_result(w->futures[i], &value) != 0 || value != 10L * i)
            w->wrong++;
    }
    return NULL;
}

START_TEST(waiters_sharing_rooms_each_get_their_own_result)
{
    lab_future **futures = new_futures(CROWD);
    size_t order[CROWD];
    for (size_t i = 0; i < CROWD; i++)
        order[i] = CROWD - 1 - i; /* the last waited for finishes first */
    crowd_waiter waiters[CROWD_WAITERS];
    lab_thread *threads[CROWD_WAITERS];
    for (int t = 0; t < CROWD_WAITERS; t++) {
        waiters[t] = (crowd_waiter){futures, t, 0};
        threads[t] =
            lab_thread_start(wait_for_my_share, &waiters[t], LAB_THREAD_NOT_DAEMON, "w%d", t);
    }
    finisher fin = {futures, order, CROWD, 0.02, -1};
    lab_thread_join(lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher"));
    for (int t = 0; t < CROWD_WAITERS; t++) {
        lab_thread_join(threads[t]);
        ck_assert_int_eq(waiters[t].wrong, 0);
    }
    free_futures(futures, CROWD);
}
END_TEST

/* A timed result on a future that never finishes, while every other future (some in its
 * room) finishes: the wake-ups meant for them must not end its wait early. */
START_TEST(a_timed_wait_outlasts_the_wake_ups_of_its_room)
{
    lab_future **futures = new_futures(CROWD);
    size_t order[CROWD - 1];
    for (size_t i = 0; i < CROWD - 1; i++)
        order[i] = i + 1; /* all but futures[0] */
    finisher fin = {futures, order, CROWD - 1, 0.01, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    double begin = lab_now();
    ck_assert_int_eq(lab_future_result_timeout(futures[0], 0.1, NULL), ETIMEDOUT);
    ck_assert_msg(lab_now() - begin >= 0.1, "gave up after %.3f s", lab_now() - begin);
    lab_thread_join(t);
    ck_assert(!lab_future_done(futures[0]));
    ck_assert(lab_future_cancel(futures[0]));
    free_futures(futures, CROWD);
}
END_TEST

/* set_running and cancel race on a pending future: exactly one of them wins, every time
 * (both are one compare-and-swap on the state word). */
typedef struct start_or_cancel {
    lab_future *future;
    pthread_barrier_t *start;
    bool won;
} start_or_cancel;

static void *try_to_start(void *arg)
{
    start_or_cancel *s = arg;
    lab_pthread_barrier_wait(s->start);
    s->won = lab_future_set_running(s->future);
    if (s->won)
        lab_future_finish(s->future, 0, 1);
    return NULL;
}

START_TEST(start_and_cancel_race_one_wins)
{
    pthread_barrier_t start;
    LAB_CHECK(pthread_barrier_init(&start, NULL, 2));
    int started = 0, cancelled = 0;
    for (int round = 0; round < 500; round++) {
        start_or_cancel s = {lab_future_new(), &start, false};
        lab_thread *t = lab_thread_start(try_to_start, &s, LAB_THREAD_NOT_DAEMON, "starter");
        lab_pthread_barrier_wait(&start);
        bool cancel_won = lab_future_cancel(s.future);
        lab_thread_join(t);
        ck_assert_msg(cancel_won != s.won, "round %d: cancel %d, start %d", round, cancel_won,
                      s.won);
        ck_assert(lab_future_done(s.future));
        ck_assert_int_eq(lab_future_result(s.future, NULL), cancel_won ? ECANCELED : 0);
        started += s.won;
        cancelled += cancel_won;
        lab_future_free(s.future);
    }
    ck_assert_int_eq(started + cancelled, 500);
    lab_pthread_barrier_destroy(&start);
}
END_TEST

/* ---- done-callbacks ---- */

typedef struct call_log {
    pthread_mutex_t lock;
    int order[16];
    char threads[16][LAB_THREAD_NAME_MAX];
    int calls;
} call_log;

typedef struct tagged {
    call_log *log;
    int tag;
} tagged;

static void record_call(lab_future *future, void *arg)
{
    (void)future;
    tagged *t = arg;
    lab_pthread_mutex_lock(&t->log->lock);
    if (t->log->calls < 16) {
        t->log->order[t->log->calls] = t->tag;
        snprintf(t->log->threads[t->log->calls], LAB_THREAD_NAME_MAX, "%s",
                 lab_thread_current_name());
    }
    t->log->calls++;
    lab_pthread_mutex_unlock(&t->log->lock);
}

START_TEST(callbacks_run_once_in_order_in_the_finishing_thread)
{
    call_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    tagged tags[4] = {{&log, 1}, {&log, 2}, {&log, 3}, {&log, 4}};
    lab_future *f = lab_future_new();
    for (int i = 0; i < 3; i++)
        lab_future_add_done_callback(f, record_call, &tags[i]);
    size_t order[] = {0};
    finisher fin = {&f, order, 1, 0.01, -1};
    lab_thread_join(lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher"));
    ck_assert_int_eq(log.calls, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(log.order[i], i + 1);
        ck_assert_str_eq(log.threads[i], "finisher");
    }
    /* Added when already done: runs now, in this thread, before add returns. */
    lab_future_add_done_callback(f, record_call, &tags[3]);
    ck_assert_int_eq(log.calls, 4);
    ck_assert_int_eq(log.order[3], 4);
    ck_assert_str_eq(log.threads[3], "main");
    lab_future_cancel(f); /* nothing to cancel: no callback runs again */
    ck_assert_int_eq(log.calls, 4);
    lab_future_free(f);
}
END_TEST

START_TEST(cancel_runs_the_callbacks_in_the_cancelling_thread)
{
    call_log log = {.lock = PTHREAD_MUTEX_INITIALIZER};
    tagged tag = {&log, 9};
    lab_future *f = lab_future_new();
    lab_future_add_done_callback(f, record_call, &tag);
    ck_assert_int_eq(log.calls, 0);
    ck_assert(lab_future_cancel(f));
    ck_assert_int_eq(log.calls, 1);
    ck_assert_str_eq(log.threads[0], "main");
    ck_assert(lab_future_cancel(f));
    ck_assert_int_eq(log.calls, 1);
    lab_future_free(f);
}
END_TEST

/* A callback may use its own future: no lock is held while it runs. */
static void read_own_result(lab_future *future, void *arg)
{
    long *seen = arg; /* [0] result's outcome, [1] value, [2] done */
    seen[0] = lab_future_result_timeout(future, 0, &seen[1]);
    seen[2] = lab_future_done(future);
}

START_TEST(a_callback_may_use_its_future)
{
    long seen[3] = {-9, -9, -9};
    lab_future *f = lab_future_new();
    lab_future_add_done_callback(f, read_own_result, seen);
    size_t order[] = {0};
    finisher fin = {&f, order, 1, 0.01, -1};
    lab_thread_join(lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher"));
    ck_assert_int_eq(seen[0], 0);
    ck_assert_int_eq(seen[1], 0); /* position 0 finishes with value 0 * 10 */
    ck_assert_int_eq(seen[2], 1);
    lab_future_free(f);
}
END_TEST

/* Many futures finished by one thread while the test adds callbacks: every callback
 * runs exactly once, whichever side of the finish it was added on. */
#define RACE_FUTURES 2000

static atomic_int race_calls[RACE_FUTURES];

static void count_call(lab_future *future, void *arg)
{
    (void)future;
    atomic_fetch_add(&race_calls[(size_t)arg], 1);
}

START_TEST(callbacks_added_during_finishing_run_exactly_once)
{
    lab_future **futures = new_futures(RACE_FUTURES);
    size_t *order = lab_calloc(RACE_FUTURES, sizeof *order);
    for (size_t i = 0; i < RACE_FUTURES; i++) {
        order[i] = i;
        atomic_store(&race_calls[i], 0);
    }
    finisher fin = {futures, order, RACE_FUTURES, 0, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    for (size_t i = 0; i < RACE_FUTURES; i++) {
        lab_future_add_done_callback(futures[i], count_call, (void *)i);
        lab_future_add_done_callback(futures[i], count_call, (void *)i);
    }
    lab_thread_join(t);
    for (size_t i = 0; i < RACE_FUTURES; i++)
        ck_assert_msg(atomic_load(&race_calls[i]) == 2, "future %zu: %d calls, want 2", i,
                      atomic_load(&race_calls[i]));
    free(order);
    free_futures(futures, RACE_FUTURES);
}
END_TEST

/* ---- as_completed ---- */

START_TEST(as_completed_yields_in_finishing_order)
{
    enum { N = 8 };
    lab_future **futures = new_futures(N);
    size_t order[N] = {5, 2, 7, 0, 3, 6, 1, 4};
    lab_futures_as_completed *it = lab_futures_as_completed_new(futures, N);
    finisher fin = {futures, order, N, 0.01, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    size_t index;
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
        ck_assert_uint_eq(index, order[i]);
        ck_assert(lab_future_done(futures[index]));
    }
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    lab_thread_join(t);
    lab_futures_as_completed_free(it);
    free_futures(futures, N);
}
END_TEST

START_TEST(as_completed_hands_out_finished_ones_first)
{
    enum { N = 5 };
    lab_future **futures = new_futures(N);
    run_now(futures[3], 0, 3);
    ck_assert(lab_future_cancel(futures[1])); /* cancelled counts as done */
    lab_futures_as_completed *it = lab_futures_as_completed_new(futures, N);
    size_t order[] = {4, 0, 2};
    finisher fin = {futures, order, 3, 0.01, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    size_t expected[] = {1, 3, 4, 0, 2}, index;
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
        ck_assert_uint_eq(index, expected[i]);
    }
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    lab_thread_join(t);
    lab_futures_as_completed_free(it);
    free_futures(futures, N);
}
END_TEST

START_TEST(as_completed_hands_out_a_duplicate_once)
{
    lab_future **futures = new_futures(2);
    lab_future *with_duplicates[] = {futures[0], futures[1], futures[0], futures[0]};
    run_now(futures[0], 0, 0);
    lab_futures_as_completed *it = lab_futures_as_completed_new_timeout(with_duplicates, 4, 1);
    size_t index;
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
    ck_assert_uint_eq(index, 0);
    run_now(futures[1], 0, 1);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
    ck_assert_uint_eq(index, 1);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    lab_futures_as_completed_free(it);
    free_futures(futures, 2);
}
END_TEST

START_TEST(as_completed_gives_up_at_the_overall_timeout)
{
    lab_future **futures = new_futures(2);
    run_now(futures[1], 0, 1);
    double begin = lab_now();
    lab_futures_as_completed *it = lab_futures_as_completed_new_timeout(futures, 2, 0.05);
    size_t index;
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
    ck_assert_uint_eq(index, 1);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), ETIMEDOUT);
    ck_assert(lab_now() - begin >= 0.05);
    /* Past the deadline, a future that finishes meanwhile is still handed out, at once. */
    run_now(futures[0], 0, 0);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
    ck_assert_uint_eq(index, 0);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    lab_futures_as_completed_free(it);
    free_futures(futures, 2);
}
END_TEST

START_TEST(as_completed_over_nothing_ends_at_once)
{
    lab_futures_as_completed *it = lab_futures_as_completed_new(NULL, 0);
    size_t index;
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    lab_futures_as_completed_free(it);
}
END_TEST

/* Two iterators on the same futures, in two threads: both see every future once. */
typedef struct iteration {
    lab_future **futures;
    size_t count;
    size_t seen[64];
    size_t got;
} iteration;

static void *iterate_all(void *arg)
{
    iteration *run = arg;
    lab_futures_as_completed *it = lab_futures_as_completed_new(run->futures, run->count);
    size_t index;
    while (lab_futures_as_completed_next(it, &index) == 0 && run->got < 64)
        run->seen[run->got++] = index;
    lab_futures_as_completed_free(it);
    return NULL;
}

START_TEST(two_iterators_each_see_every_future_once)
{
    enum { N = 40 };
    lab_future **futures = new_futures(N);
    size_t order[N];
    for (size_t i = 0; i < N; i++)
        order[i] = (i * 7) % N;
    iteration a = {futures, N, {0}, 0}, b = {futures, N, {0}, 0};
    lab_thread *ta = lab_thread_start(iterate_all, &a, LAB_THREAD_NOT_DAEMON, "iter-a");
    lab_thread *tb = lab_thread_start(iterate_all, &b, LAB_THREAD_NOT_DAEMON, "iter-b");
    finisher fin = {futures, order, N, 0, -1};
    lab_thread_join(lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher"));
    lab_thread_join(ta);
    lab_thread_join(tb);
    iteration *runs[] = {&a, &b};
    for (int r = 0; r < 2; r++) {
        ck_assert_uint_eq(runs[r]->got, N);
        bool seen[N] = {false};
        for (size_t i = 0; i < N; i++) {
            ck_assert(!seen[runs[r]->seen[i]]);
            seen[runs[r]->seen[i]] = true;
        }
    }
    free_futures(futures, N);
}
END_TEST

/* ---- wait ---- */

START_TEST(wait_first_completed_returns_with_the_first)
{
    lab_future **futures = new_futures(3);
    size_t order[] = {1};
    finisher fin = {futures, order, 1, 0.02, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    bool done[3];
    ck_assert_uint_eq(lab_futures_wait(futures, 3, LAB_FUTURES_FIRST_COMPLETED, done), 1);
    ck_assert(!done[0] && done[1] && !done[2]);
    lab_thread_join(t);
    /* One is done already: FIRST_COMPLETED returns at once. */
    ck_assert_uint_eq(lab_futures_wait(futures, 3, LAB_FUTURES_FIRST_COMPLETED, NULL), 1);
    ck_assert(lab_future_cancel(futures[0]) && lab_future_cancel(futures[2]));
    free_futures(futures, 3);
}
END_TEST

START_TEST(wait_all_completed_times_out_then_completes)
{
    lab_future **futures = new_futures(3);
    run_now(futures[0], 0, 0);
    ck_assert(lab_future_cancel(futures[2]));
    bool done[3];
    double begin = lab_now();
    ck_assert_int_eq(lab_futures_wait_timeout(futures, 3, LAB_FUTURES_ALL_COMPLETED, 0.05, done),
                     ETIMEDOUT);
    ck_assert(lab_now() - begin >= 0.05);
    ck_assert(done[0] && !done[1] && done[2]);
    size_t order[] = {1};
    finisher fin = {futures, order, 1, 0.01, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    ck_assert_uint_eq(lab_futures_wait(futures, 3, LAB_FUTURES_ALL_COMPLETED, done), 3);
    ck_assert(done[0] && done[1] && done[2]);
    lab_thread_join(t);
    free_futures(futures, 3);
}
END_TEST

START_TEST(wait_first_exception_stops_at_a_failure)
{
    lab_future **futures = new_futures(4);
    size_t order[] = {0, 2};
    finisher fin = {futures, order, 2, 0.01, 2}; /* 0 succeeds, then 2 fails */
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    bool done[4];
    ck_assert_uint_eq(lab_futures_wait(futures, 4, LAB_FUTURES_FIRST_EXCEPTION, done), 2);
    ck_assert(done[0] && !done[1] && done[2] && !done[3]);
    ck_assert_int_eq(lab_future_error(futures[2]), EIO);
    lab_thread_join(t);
    ck_assert(lab_future_cancel(futures[1]) && lab_future_cancel(futures[3]));
    free_futures(futures, 4);
}
END_TEST

START_TEST(wait_first_exception_without_failures_waits_for_all)
{
    lab_future **futures = new_futures(3);
    size_t order[] = {2, 0, 1};
    finisher fin = {futures, order, 3, 0.01, -1};
    lab_thread *t = lab_thread_start(finish_in_order, &fin, LAB_THREAD_NOT_DAEMON, "finisher");
    ck_assert_uint_eq(lab_futures_wait(futures, 3, LAB_FUTURES_FIRST_EXCEPTION, NULL), 3);
    lab_thread_join(t);
    free_futures(futures, 3);
}
END_TEST

/* ---- the one rule for time ---- */

START_TEST(bad_durations_are_refused_and_change_nothing)
{
    lab_future **futures = new_futures(2);
    run_now(futures[0], 0, 5);
    const double bad[] = {-0.5, -1.0, NAN, INFINITY, -INFINITY};
    bool done[2] = {true, true};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        long value = 99;
        ck_assert_int_eq(lab_future_result_timeout(futures[0], bad[b], &value), EINVAL);
        ck_assert_int_eq(value, 99); /* not even a done future hands out its value */
        ck_assert_int_eq(lab_future_result_timeout(futures[1], bad[b], NULL), EINVAL);
        errno = 0;
        ck_assert_ptr_null(lab_futures_as_completed_new_timeout(futures, 2, bad[b]));
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(
            lab_futures_wait_timeout(futures, 2, LAB_FUTURES_ALL_COMPLETED, bad[b], done), EINVAL);
        ck_assert(done[0] && done[1]); /* untouched */
    }
    ck_assert(!lab_future_done(futures[1]));
    long value = 0;
    ck_assert_int_eq(lab_future_result_timeout(futures[0], 0, &value), 0); /* 0 polls */
    ck_assert_int_eq(value, 5);
    ck_assert_int_eq(lab_futures_wait_timeout(futures, 2, LAB_FUTURES_FIRST_COMPLETED, 0, done), 0);
    ck_assert(done[0] && !done[1]);
    ck_assert_int_eq(lab_futures_wait_timeout(futures, 2, LAB_FUTURES_ALL_COMPLETED, 0, done),
                     ETIMEDOUT);
    ck_assert(lab_future_cancel(futures[1]));
    free_futures(futures, 2);
}
END_TEST

/* ---- misuse: bugs abort ---- */

static void finish_twice(void *unused)
{
    (void)unused;
    lab_future *f = lab_future_new();
    run_now(f, 0, 1);
    lab_future_finish(f, 0, 2);
}

static void negative_status(void *unused)
{
    (void)unused;
    lab_future *f = lab_future_new();
    ck_assert(lab_future_set_running(f));
    lab_future_finish(f, -5, 0);
}

static void run_twice(void *unused)
{
    (void)unused;
    lab_future *f = lab_future_new();
    run_now(f, 0, 1);
    lab_future_set_running(f);
}

START_TEST(misuse_aborts_with_a_message)
{
    void (*bugs[])(void *) = {finish_twice, negative_status, run_twice};
    const char *messages[] = {"not running", "0 or positive", "already ran"};
    for (int i = 0; i < 3; i++) {
        child_run run = run_in_child(bugs[i], NULL, 10);
        ck_assert_int_eq(run.signal, SIGABRT);
        ck_assert_msg(strstr(run.err, messages[i]) != NULL, "stderr: %s", run.err);
        child_run_free(&run);
    }
}
END_TEST

static Suite *future_suite(void)
{
    Suite *suite = suite_create("future");
    TCase *states = tcase_create("states");
    tcase_set_timeout(states, 15);
    tcase_add_test(states, a_new_future_is_pending);
    tcase_add_test(states, a_failed_task_hands_back_its_status);
    tcase_add_test(states, result_times_out_then_gets_the_value);
    tcase_add_test(states, result_with_a_long_timeout_returns_when_done);
    tcase_add_test(states, cancel_only_before_the_start);
    tcase_add_test(states, exception_gives_the_failure_status_and_waits_as_result);
    tcase_add_test(states, a_cancel_wakes_a_waiting_result);
    tcase_add_test(states, misuse_aborts_with_a_message);
    tcase_add_test(states, waiters_sharing_rooms_each_get_their_own_result);
    tcase_add_test(states, a_timed_wait_outlasts_the_wake_ups_of_its_room);
    tcase_add_test(states, start_and_cancel_race_one_wins);
    suite_add_tcase(suite, states);

    TCase *callbacks = tcase_create("callbacks");
    tcase_set_timeout(callbacks, 15);
    tcase_add_test(callbacks, callbacks_run_once_in_order_in_the_finishing_thread);
    tcase_add_test(callbacks, cancel_runs_the_callbacks_in_the_cancelling_thread);
    tcase_add_test(callbacks, a_callback_may_use_its_future);
    tcase_add_loop_test(callbacks, callbacks_added_during_finishing_run_exactly_once, 0, 5);
    suite_add_tcase(suite, callbacks);

    TCase *many = tcase_create("as_completed and wait");
    tcase_set_timeout(many, 15);
    tcase_add_test(many, as_completed_yields_in_finishing_order);
    tcase_add_test(many, as_completed_hands_out_finished_ones_first);
    tcase_add_test(many, as_completed_hands_out_a_duplicate_once);
    tcase_add_test(many, as_completed_gives_up_at_the_overall_timeout);
    tcase_add_test(many, as_completed_over_nothing_ends_at_once);
    tcase_add_loop_test(many, two_iterators_each_see_every_future_once, 0, 10);
    tcase_add_test(many, wait_first_completed_returns_with_the_first);
    tcase_add_test(many, wait_all_completed_times_out_then_completes);
    tcase_add_test(many, wait_first_exception_stops_at_a_failure);
    tcase_add_test(many, wait_first_exception_without_failures_waits_for_all);
    tcase_add_test(many, bad_durations_are_refused_and_change_nothing);
    suite_add_tcase(suite, many);
    return suite;
}

LAB_TEST_MAIN(future_suite)
