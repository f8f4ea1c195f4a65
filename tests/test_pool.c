/* test_pool.c — the thread pool: submit and result, named and lazily started workers,
 * FIFO order, as_completed on staged completions, map in submission order, cancel
 * before start, callbacks in the worker, shutdown (wait or not), submit after shutdown,
 * 100 000 tiny tasks on 2 workers with nothing lost, and detached (fire-and-forget) tasks. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "futures.h"
#include "pool.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- gates: tasks wait until the test opens theirs ---- */

#define GATES 16
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_changed = PTHREAD_COND_INITIALIZER;
static bool gate_open[GATES];

static void gates_close_all(void)
{
    lab_pthread_mutex_lock(&gate_lock);
    memset(gate_open, 0, sizeof gate_open);
    lab_pthread_mutex_unlock(&gate_lock);
}

static void gate_open_now(int gate)
{
    lab_pthread_mutex_lock(&gate_lock);
    gate_open[gate] = true;
    lab_pthread_cond_broadcast(&gate_changed);
    lab_pthread_mutex_unlock(&gate_lock);
}

static void gate_pass(int gate)
{
    lab_pthread_mutex_lock(&gate_lock);
    while (!gate_open[gate])
        lab_pthread_cond_wait(&gate_changed, &gate_lock);
    lab_pthread_mutex_unlock(&gate_lock);
}

/* ---- tasks ---- */

static atomic_int tasks_run;

/* Waits at gate *arg, then returns the gate number times 10. */
static int gated(void *arg, long *value)
{
    int gate = *(int *)arg;
    gate_pass(gate);
    atomic_fetch_add(&tasks_run, 1);
    *value = gate * 10L;
    return 0;
}

/* Sleeps *arg milliseconds (class), returns the number. */
static int sleep_ms(void *arg, long *value)
{
    int ms = *(int *)arg;
    lab_sleep(ms / 1000.0);
    atomic_fetch_add(&tasks_run, 1);
    *value = ms;
    return 0;
}

/* Fails with ENOENT for odd numbers: the pool's "exception". */
static int fail_if_odd(void *arg, long *value)
{
    int n = *(int *)arg;
    if (n % 2 == 1)
        return ENOENT;
    *value = n;
    return 0;
}

/* Records the worker's name in the char[LAB_THREAD_NAME_MAX] arg. */
static int record_name(void *arg, long *value)
{
    snprintf(arg, LAB_THREAD_NAME_MAX, "%s", lab_thread_current_name());
    *value = 0;
    return 0;
}

static int echo(void *arg, long *value); /* *(long *)arg, below */

static const int numbers[GATES] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* ---- basics ---- */

START_TEST(submit_returns_at_once_and_result_waits)
{
    gates_close_all();
    lab_pool *pool = lab_pool_new(2, "worker");
    lab_future *f = lab_pool_submit(pool, gated, (void *)&numbers[3]);
    ck_assert_ptr_nonnull(f);
    ck_assert(!lab_future_done(f)); /* gate 3 is shut: the task cannot be over */
    ck_assert_int_eq(lab_future_result_timeout(f, 0.02, NULL), ETIMEDOUT);
    gate_open_now(3);
    long value = 0;
    ck_assert_int_eq(lab_future_result(f, &value), 0);
    ck_assert_int_eq(value, 30);
    ck_assert(lab_future_done(f) && !lab_future_running(f));
    lab_future_free(f);
    lab_pool_free(pool);
}
END_TEST

START_TEST(a_failing_task_is_a_status_not_a_crash)
{
    lab_pool *pool = lab_pool_new(2, "worker");
    lab_future *odd = lab_pool_submit(pool, fail_if_odd, (void *)&numbers[3]);
    lab_future *even = lab_pool_submit(pool, fail_if_odd, (void *)&numbers[4]);
    long value = 0;
    ck_assert_int_eq(lab_future_result(odd, &value), ENOENT);
    ck_assert_int_eq(lab_future_error(odd), ENOENT);
    ck_assert_int_eq(lab_future_result(even, &value), 0);
    ck_assert_int_eq(value, 4);
    lab_future_free(odd);
    lab_future_free(even);
    lab_pool_free(pool);
}
END_TEST

START_TEST(workers_are_named_and_start_lazily)
{
    gates_close_all();
    lab_pool *pool = lab_pool_new(3, "dl");
    ck_assert_int_eq(lab_pool_max_workers(pool), 3);
    ck_assert_int_eq(lab_pool_workers_started(pool), 0);
    char name[LAB_THREAD_NAME_MAX] = "";
    lab_future *f = lab_pool_submit(pool, record_name, name);
    lab_future_result(f, NULL);
    lab_future_free(f);
    ck_assert_str_eq(name, "dl-0");
    ck_assert_int_eq(lab_pool_workers_started(pool), 1);
    /* Ten blocked tasks: the pool grows to its maximum and no further. */
    lab_future *blocked[10];
    for (int i = 0; i < 10; i++)
        blocked[i] = lab_pool_submit(pool, gated, (void *)&numbers[i]);
    ck_assert_int_eq(lab_pool_workers_started(pool), 3);
    for (int i = 0; i < 10; i++)
        gate_open_now(i);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(lab_future_result(blocked[i], NULL), 0);
        lab_future_free(blocked[i]);
    }
    ck_assert_int_eq(lab_pool_workers_started(pool), 3);
    lab_pool_free(pool);
}
END_TEST

/* A done-callback that keeps the worker busy after the result was delivered. */
static void linger(lab_future *future, void *arg)
{
    (void)future, (void)arg;
    lab_sleep(0.01);
}

/* submit -> result -> submit -> result runs on one worker. A worker that delivered its
 * result before it counted itself idle made the next submit start a second one (the
 * lingering callback holds that window open, so the old pool failed every round). */
START_TEST(one_task_at_a_time_needs_one_worker)
{
    lab_pool *pool = lab_pool_new(3, "worker");
    for (int i = 0; i < 20; i++) {
        char name[LAB_THREAD_NAME_MAX] = "";
        lab_future *f = lab_pool_submit(pool, record_name, name);
        ck_assert_ptr_nonnull(f);
        lab_future_add_done_callback(f, linger, NULL);
        ck_assert_int_eq(lab_future_result(f, NULL), 0);
        lab_future_free(f);
        ck_assert_msg(lab_pool_workers_started(pool) == 1,
                      "round %d started a second worker (%s ran it)", i, name);
    }
    lab_pool_free(pool);
}
END_TEST

START_TEST(bad_durations_are_refused)
{
    lab_pool *pool = lab_pool_new(1, "worker");
    const double bad[] = {-0.5, -1.0, NAN, INFINITY};
    for (int b = 0; b < 4; b++) {
        errno = 0;
        ck_assert_ptr_null(lab_pool_map_new_timeout(pool, fail_if_odd, (void *)numbers, 3,
                                                    sizeof numbers[0], bad[b]));
        ck_assert_int_eq(errno, EINVAL);
    }
    ck_assert_int_eq(lab_pool_workers_started(pool), 0); /* nothing was submitted */
    lab_pool_map *map =
        lab_pool_map_new_timeout(pool, fail_if_odd, (void *)numbers, 1, sizeof numbers[0], 0);
    ck_assert_ptr_nonnull(map); /* 0 is a duration: the results are only looked at */
    lab_pool_map_free(map);
    lab_pool_free(pool);
}
END_TEST

/* ThreadPoolExecutor(max_workers=None): min(32, os.cpu_count() + 4); 0 or negative:
 * ValueError (EINVAL). */
START_TEST(the_default_size_is_pythons_and_zero_is_refused)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    ck_assert_int_eq(lab_pool_default_workers(), cpus + 4 < 32 ? (int)cpus + 4 : 32);
    lab_pool *pool = lab_pool_new(lab_pool_default_workers(), NULL);
    ck_assert_int_eq(lab_pool_max_workers(pool), lab_pool_default_workers());
    char name[LAB_THREAD_NAME_MAX] = "";
    lab_future *f = lab_pool_submit(pool, record_name, name);
    lab_future_result(f, NULL);
    ck_assert_str_eq(name, "worker-0"); /* the default prefix */
    lab_future_free(f);
    lab_pool_free(pool);
    errno = 0;
    ck_assert_ptr_null(lab_pool_new(-1, "worker"));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(lab_pool_new(0, "worker"));
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(lab_pool_new_initializer(0, "worker", NULL, NULL));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- initializer (ThreadPoolExecutor(initializer=f, initargs=(arg,))) ---- */

static atomic_int initializer_calls;
static _Thread_local int initialized_with; /* in each worker: what its initializer got */

static int initialize(void *arg)
{
    atomic_fetch_add(&initializer_calls, 1);
    initialized_with = *(const int *)arg;
    return 0;
}

/* The task says what its worker's initializer got (0: it never ran there), after its gate. */
static int report_initialized(void *arg, long *value)
{
    gate_pass(*(int *)arg);
    *value = initialized_with;
    return 0;
}

START_TEST(the_initializer_runs_once_in_each_worker_before_its_first_task)
{
    gates_close_all();
    atomic_store(&initializer_calls, 0);
    static const int token = 77;
    lab_pool *pool = lab_pool_new_initializer(3, "worker", initialize, (void *)&token);
    enum { N = 9 };
    lab_future *futures[N];
    for (int i = 0; i < N; i++) /* all held at gate 0: three workers start */
        futures[i] = lab_pool_submit(pool, report_initialized, (void *)&numbers[0]);
    gate_open_now(0);
    for (int i = 0; i < N; i++) {
        long value = 0;
        ck_assert_int_eq(lab_future_result(futures[i], &value), 0);
        ck_assert_int_eq(value, token); /* its worker had run the initializer */
        lab_future_free(futures[i]);
    }
    ck_assert_int_eq(lab_pool_workers_started(pool), 3);
    ck_assert_int_eq(lab_pool_broken(pool), 0);
    lab_pool_free(pool); /* joins the workers: a late starter has run its initializer too */
    ck_assert_int_eq(atomic_load(&initializer_calls), 3); /* once per worker, not per task */
}
END_TEST

/* Fails with EACCES, once gate 0 opens (so the test can queue tasks first). */
static int failing_initializer(void *arg)
{
    (void)arg;
    atomic_fetch_add(&initializer_calls, 1);
    gate_pass(0);
    return EACCES;
}

static atomic_int callback_runs;

static void count_callback(lab_future *future, void *arg)
{
    (void)future;
    (void)arg;
    atomic_fetch_add(&callback_runs, 1);
}

/* A failing initializer breaks the pool (BrokenThreadPool): the queued tasks never run,
 * their futures fail with ENOTRECOVERABLE (a cancelled one stays cancelled), and every
 * later submit is refused with ENOTRECOVERABLE. */
START_TEST(a_failing_initializer_breaks_the_pool)
{
    gates_close_all();
    atomic_store(&initializer_calls, 0);
    atomic_store(&tasks_run, 0);
    atomic_store(&callback_runs, 0);
    lab_pool *pool = lab_pool_new_initializer(1, "worker", failing_initializer, NULL);
    lab_future *futures[3];
    for (int i = 0; i < 3; i++) {
        futures[i] = lab_pool_submit(pool, gated, (void *)&numbers[1]);
        ck_assert_ptr_nonnull(futures[i]);
        lab_future_add_done_callback(futures[i], count_callback, NULL);
    }
    ck_assert_int_eq(lab_pool_submit_detached(pool, gated, (void *)&numbers[1]), 0);
    ck_assert(lab_future_cancel(futures[2]));
    gate_open_now(0); /* the initializer fails now */
    ck_assert_int_eq(lab_future_exception_timeout(futures[0], 30), ENOTRECOVERABLE);
    ck_assert_int_eq(lab_future_result(futures[1], NULL), ENOTRECOVERABLE);
    ck_assert(!lab_future_cancelled(futures[1])); /* failed, not cancelled: as Python's */
    ck_assert_int_eq(lab_future_result(futures[2], NULL), ECANCELED);
    ck_assert_int_eq(lab_pool_broken(pool), EACCES);
    errno = 0;
    ck_assert_ptr_null(lab_pool_submit(pool, gated, (void *)&numbers[1]));
    ck_assert_int_eq(errno, ENOTRECOVERABLE);
    ck_assert_int_eq(lab_pool_submit_detached(pool, gated, (void *)&numbers[1]), ENOTRECOVERABLE);
    gate_open_now(1);
    lab_pool_free(pool);
    ck_assert_int_eq(atomic_load(&tasks_run), 0); /* nothing ran, the detached one neither */
    ck_assert_int_eq(atomic_load(&initializer_calls), 1);
    ck_assert_int_eq(atomic_load(&callback_runs), 3);
    for (int i = 0; i < 3; i++)
        lab_future_free(futures[i]);
}
END_TEST

/* ---- order ---- */

START_TEST(one_worker_runs_tasks_in_submission_order)
{
    /* Staged delays, longest first: on one worker they still end in submission order. */
    static const int ms[] = {25, 20, 15, 10, 5, 0};
    enum { N = 6 };
    lab_pool *pool = lab_pool_new(1, "worker");
    lab_future *futures[N];
    for (int i = 0; i < N; i++)
        futures[i] = lab_pool_submit(pool, sleep_ms, (void *)&ms[i]);
    lab_futures_as_completed *it = lab_futures_as_completed_new(futures, N);
    size_t index;
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
        ck_assert_uint_eq(index, i);
    }
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    lab_futures_as_completed_free(it);
    for (int i = 0; i < N; i++)
        lab_future_free(futures[i]);
    lab_pool_free(pool);
}
END_TEST

START_TEST(as_completed_follows_the_order_tasks_finish_in)
{
    /* Five workers, five tasks, each held at its own gate; the test opens the gates in
     * a scrambled order, so it decides the finishing order: as_completed must match. */
    static const int order[] = {3, 0, 4, 1, 2};
    enum { N = 5 };
    gates_close_all();
    lab_pool *pool = lab_pool_new(N, "worker");
    lab_future *futures[N];
    for (int i = 0; i < N; i++)
        futures[i] = lab_pool_submit(pool, gated, (void *)&numbers[i]);
    lab_futures_as_completed *it = lab_futures_as_completed_new(futures, N);
    size_t index;
    for (int i = 0; i < N; i++) {
        gate_open_now(order[i]); /* only this task can finish now */
        ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
        ck_assert_uint_eq(index, (size_t)order[i]);
        long value;
        ck_assert_int_eq(lab_future_result_timeout(futures[index], 0, &value), 0);
        ck_assert_int_eq(value, order[i] * 10);
    }
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), LAB_FUTURE_END);
    lab_futures_as_completed_free(it);
    for (int i = 0; i < N; i++)
        lab_future_free(futures[i]);
    lab_pool_free(pool);
}
END_TEST

START_TEST(as_completed_on_staged_delays_yields_each_once)
{
    static const int ms[] = {50, 40, 30, 20, 10};
    enum { N = 5 };
    atomic_store(&tasks_run, 0);
    lab_pool *pool = lab_pool_new(N, "worker");
    lab_future *futures[N];
    for (int i = 0; i < N; i++)
        futures[i] = lab_pool_submit(pool, sleep_ms, (void *)&ms[i]);
    lab_futures_as_completed *it = lab_futures_as_completed_new(futures, N);
    bool seen[N] = {false};
    size_t index, yielded = 0;
    while (lab_futures_as_completed_next(it, &index) == 0) {
        ck_assert(!seen[index]);
        ck_assert(lab_future_done(futures[index]));
        seen[index] = true;
        yielded++;
    }
    ck_assert_uint_eq(yielded, N);
    ck_assert_int_eq(atomic_load(&tasks_run), N);
    lab_futures_as_completed_free(it);
    for (int i = 0; i < N; i++)
        lab_future_free(futures[i]);
    lab_pool_free(pool);
}
END_TEST

START_TEST(as_completed_takes_futures_from_two_pools)
{
    gates_close_all();
    lab_pool *a = lab_pool_new(1, "a"), *b = lab_pool_new(1, "b");
    lab_future *futures[2] = {lab_pool_submit(a, gated, (void *)&numbers[0]),
                              lab_pool_submit(b, gated, (void *)&numbers[1])};
    lab_futures_as_completed *it = lab_futures_as_completed_new(futures, 2);
    size_t index;
    gate_open_now(1);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
    ck_assert_uint_eq(index, 1);
    gate_open_now(0);
    ck_assert_int_eq(lab_futures_as_completed_next(it, &index), 0);
    ck_assert_uint_eq(index, 0);
    lab_futures_as_completed_free(it);
    lab_future_free(futures[0]);
    lab_future_free(futures[1]);
    lab_pool_free(a);
    lab_pool_free(b);
}
END_TEST

START_TEST(map_yields_in_submission_order)
{
    /* Longest first on five workers: they finish in reverse, map still yields in order. */
    static const int ms[] = {50, 40, 30, 20, 10};
    lab_pool *pool = lab_pool_new(5, "worker");
    lab_pool_map *map = lab_pool_map_new(pool, sleep_ms, (void *)ms, 5, sizeof ms[0]);
    ck_assert_ptr_nonnull(map);
    long value;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(lab_pool_map_next(map, &value), 0);
        ck_assert_int_eq(value, ms[i]);
    }
    ck_assert_int_eq(lab_pool_map_next(map, &value), LAB_FUTURE_END);
    lab_pool_map_free(map);
    lab_pool_free(pool);
}
END_TEST

/* A map longer than one batch of submissions (pool.c queues them 64 at a time): every
 * result, in order, each task run once. */
START_TEST(a_long_map_yields_every_result_in_order)
{
    enum { LONG_MAP = 1000 };
    static long items[LONG_MAP];
    for (long i = 0; i < LONG_MAP; i++)
        items[i] = i * 3;
    lab_pool *pool = lab_pool_new(3, "worker");
    lab_pool_map *map = lab_pool_map_new(pool, echo, items, LONG_MAP, sizeof items[0]);
    ck_assert_ptr_nonnull(map);
    long value;
    for (long i = 0; i < LONG_MAP; i++) {
        ck_assert_int_eq(lab_pool_map_next(map, &value), 0);
        ck_assert_int_eq(value, i * 3);
    }
    ck_assert_int_eq(lab_pool_map_next(map, &value), LAB_FUTURE_END);
    ck_assert_int_le(lab_pool_workers_started(pool), 3);
    lab_pool_map_free(map);
    lab_pool_free(pool);
}
END_TEST

START_TEST(map_reports_a_failure_in_its_place)
{
    lab_pool *pool = lab_pool_new(2, "worker");
    lab_pool_map *map =
        lab_pool_map_new_timeout(pool, fail_if_odd, (void *)numbers, 4, sizeof numbers[0], 10);
    long value = -1;
    ck_assert_int_eq(lab_pool_map_next(map, &value), 0);
    ck_assert_int_eq(value, 0);
    ck_assert_int_eq(lab_pool_map_next(map, &value), ENOENT);
    ck_assert_int_eq(lab_future_error(lab_pool_map_future(map, 1)), ENOENT);
    ck_assert_int_eq(lab_pool_map_next(map, &value), 0); /* the caller may go on */
    ck_assert_int_eq(value, 2);
    ck_assert_int_eq(lab_pool_map_next(map, &value), ENOENT);
    ck_assert_int_eq(lab_pool_map_next(map, &value), LAB_FUTURE_END);
    ck_assert_ptr_null(lab_pool_map_future(map, 4));
    lab_pool_map_free(map);
    lab_pool_free(pool);
}
END_TEST

START_TEST(map_times_out_from_the_call_then_goes_on)
{
    gates_close_all();
    lab_pool *pool = lab_pool_new(2, "worker");
    double begin = lab_now();
    lab_pool_map *map =
        lab_pool_map_new_timeout(pool, gated, (void *)numbers, 2, sizeof numbers[0], 0.05);
    long value;
    ck_assert_int_eq(lab_pool_map_next(map, &value), ETIMEDOUT);
    ck_assert(lab_now() - begin >= 0.05);
    gate_open_now(0);
    gate_open_now(1);
    /* Past the map's deadline lab_pool_map_next only looks: let both items finish first. */
    lab_future_result(lab_pool_map_future(map, 0), NULL);
    lab_future_result(lab_pool_map_future(map, 1), NULL);
    ck_assert_int_eq(lab_pool_map_next(map, &value), 0); /* the same result, tried again */
    ck_assert_int_eq(value, 0);
    ck_assert_int_eq(lab_pool_map_next(map, &value), 0);
    ck_assert_int_eq(value, 10);
    lab_pool_map_free(map);
    lab_pool_free(pool);
}
END_TEST

START_TEST(freeing_a_map_early_cancels_what_has_not_started)
{
    gates_close_all();
    atomic_store(&tasks_run, 0);
    lab_pool *pool = lab_pool_new(1, "worker");
    lab_pool_map *map = lab_pool_map_new(pool, gated, (void *)numbers, 6, sizeof numbers[0]);
    while (!lab_future_running(lab_pool_map_future(map, 0)))
        lab_sleep(0.001); /* item 0 holds the only worker; 1..5 are queued */
    lab_pool_map_free(map);
    for (int i = 0; i < 6; i++)
        gate_open_now(i);
    lab_pool_free(pool);
    ck_assert_int_eq(atomic_load(&tasks_run), 1);
}
END_TEST

/* Workers that sleep are woken for new work, several at once when a map queues several
 * tasks (submit signals only counted sleepers; a batch broadcasts): four tasks that each
 * wait (at most 5 s) until all four are running can only all succeed if all four
 * sleeping workers woke. */
static atomic_int gathered;

static int gather_four(void *arg, long *value)
{
    (void)arg;
    atomic_fetch_add(&gathered, 1);
    for (int i = 0; i < 5000 && atomic_load(&gathered) < 4; i++)
        lab_sleep(0.001);
    *value = atomic_load(&gathered) >= 4;
    return 0;
}

START_TEST(sleeping_workers_all_wake_for_a_batch)
{
    gates_close_all();
    lab_pool *pool = lab_pool_new(4, "worker");
    lab_future *warm[4];
    for (int i = 0; i < 4; i++) /* four workers started, each held at its gate */
        warm[i] = lab_pool_submit(pool, gated, (void *)&numbers[i]);
    ck_assert_int_eq(lab_pool_workers_started(pool), 4);
    for (int i = 0; i < 4; i++)
        gate_open_now(i);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(lab_future_result(warm[i], NULL), 0);
        lab_future_free(warm[i]);
    }
    lab_sleep(0.02); /* all four are back asleep by now; correct either way */
    atomic_store(&gathered, 0);
    lab_pool_map *map = lab_pool_map_new(pool, gather_four, (void *)numbers, 4, sizeof numbers[0]);
    long all_four;
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(lab_pool_map_next(map, &all_four), 0);
        ck_assert_msg(all_four == 1, "task %d never saw four workers running", i);
    }
    ck_assert_int_eq(lab_pool_workers_started(pool), 4);
    lab_pool_map_free(map);
    lab_pool_free(pool);
}
END_TEST

/* ---- cancel, callbacks ---- */

START_TEST(a_queued_task_can_be_cancelled_and_never_runs)
{
    gates_close_all();
    atomic_store(&tasks_run, 0);
    lab_pool *pool = lab_pool_new(1, "worker");
    lab_future *first = lab_pool_submit(pool, gated, (void *)&numbers[0]);
    lab_future *second = lab_pool_submit(pool, gated, (void *)&numbers[1]);
    while (!lab_future_running(first))
        lab_sleep(0.001);
    ck_assert(!lab_future_cancel(first)); /* running: too late */
    ck_assert(lab_future_cancel(second)); /* still queued: called off */
    ck_assert(lab_future_cancelled(second) && lab_future_done(second));
    ck_assert_int_eq(lab_future_result(second, NULL), ECANCELED);
    gate_open_now(0);
    gate_open_now(1);
    lab_pool_free(pool); /* waits for the worker: the queue has been worked through */
    ck_assert_int_eq(atomic_load(&tasks_run), 1);
    ck_assert_int_eq(lab_future_result_timeout(first, 0, NULL), 0);
    lab_future_free(first);
    lab_future_free(second);
}
END_TEST

typedef struct callback_record {
    atomic_int calls;
    char thread[LAB_THREAD_NAME_MAX];
} callback_record;

static void note_callback(lab_future *future, void *arg)
{
    (void)future;
    callback_record *r = arg;
    if (atomic_fetch_add(&r->calls, 1) == 0)
        snprintf(r->thread, sizeof r->thread, "%s", lab_thread_current_name());
}

START_TEST(a_done_callback_runs_once_in_the_worker)
{
    gates_close_all();
    lab_pool *pool = lab_pool_new(1, "worker");
    callback_record before = {0}, after = {0};
    lab_future *f = lab_pool_submit(pool, gated, (void *)&numbers[0]);
    lab_future_add_done_callback(f, note_callback, &before);
    gate_open_now(0);
    lab_pool_shutdown(pool, true); /* the task, and its callbacks, are over */
    ck_assert_int_eq(atomic_load(&before.calls), 1);
    ck_assert_str_eq(before.thread, "worker-0");
    lab_future_add_done_callback(f, note_callback, &after);
    ck_assert_int_eq(atomic_load(&after.calls), 1);
    ck_assert_str_eq(after.thread, "main");
    lab_future_free(f);
    lab_pool_free(pool);
    ck_assert_int_eq(atomic_load(&before.calls), 1);
}
END_TEST

/* ---- shutdown ---- */

START_TEST(shutdown_with_wait_waits_for_every_task)
{
    static const int ms[] = {30, 30, 30, 30};
    atomic_store(&tasks_run, 0);
    lab_pool *pool = lab_pool_new(2, "worker");
    lab_future *futures[4];
    double begin = lab_now();
    for (int i = 0; i < 4; i++)
        futures[i] = lab_pool_submit(pool, sleep_ms, (void *)&ms[i]);
    lab_pool_shutdown(pool, true);
    /* Two rounds of 30 ms on two workers: at least 60 ms, and everything is over. */
    ck_assert(lab_now() - begin >= 0.06);
    ck_assert_int_eq(atomic_load(&tasks_run), 4);
    for (int i = 0; i < 4; i++) {
        ck_assert(lab_future_done(futures[i]));
        lab_future_free(futures[i]);
    }
    lab_pool_shutdown(pool, true); /* again: harmless */
    lab_pool_free(pool);
}
END_TEST

START_TEST(shutdown_without_wait_returns_and_the_queue_still_runs)
{
    gates_close_all();
    atomic_store(&tasks_run, 0);
    lab_pool *pool = lab_pool_new(1, "worker");
    lab_future *futures[3];
    for (int i = 0; i < 3; i++)
        futures[i] = lab_pool_submit(pool, gated, (void *)&numbers[i]);
    lab_pool_shutdown(pool, false); /* returns although every task is held at its gate */
    ck_assert_int_eq(atomic_load(&tasks_run), 0);
    ck_assert(!lab_future_done(futures[2]));
    for (int i = 0; i < 3; i++)
        gate_open_now(i);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(lab_future_result(futures[i], NULL), 0);
        lab_future_free(futures[i]);
    }
    lab_pool_free(pool);
    ck_assert_int_eq(atomic_load(&tasks_run), 3);
}
END_TEST

/* shutdown(wait=False, cancel_futures=True): the queued futures are cancelled (their
 * callbacks run), the running one ends normally, nothing queued runs. */
START_TEST(shutdown_cancel_futures_cancels_only_what_has_not_started)
{
    gates_close_all();
    atomic_store(&tasks_run, 0);
    atomic_store(&callback_runs, 0);
    lab_pool *pool = lab_pool_new(1, "worker");
    lab_future *futures[3];
    for (int i = 0; i < 3; i++) {
        futures[i] = lab_pool_submit(pool, gated, (void *)&numbers[i]);
        lab_future_add_done_callback(futures[i], count_callback, NULL);
    }
    ck_assert_int_eq(lab_pool_submit_detached(pool, gated, (void *)&numbers[3]), 0);
    double give_up = lab_now() + 10;
    while (!lab_future_running(futures[0]) && lab_now() < give_up) /* the first one starts */
        lab_sleep(0.001);
    ck_assert(lab_future_running(futures[0]));
    ck_assert_uint_eq(lab_pool_shutdown_cancel(pool, false), 3); /* 2 futures + 1 detached */
    ck_assert(lab_future_cancelled(futures[1]) && lab_future_cancelled(futures[2]));
    ck_assert_int_eq(lab_future_exception(futures[2]), ECANCELED);
    ck_assert_int_eq(atomic_load(&callback_runs), 2); /* run by the cancel, in this thread */
    ck_assert(!lab_future_done(futures[0]));
    errno = 0;
    ck_assert_ptr_null(lab_pool_submit(pool, gated, (void *)&numbers[0]));
    ck_assert_int_eq(errno, ESHUTDOWN);
    for (int i = 0; i < 4; i++)
        gate_open_now(i);
    long value = -1;
    ck_assert_int_eq(lab_future_result(futures[0], &value), 0);
    ck_assert_int_eq(value, 0);
    lab_pool_free(pool);
    ck_assert_int_eq(atomic_load(&tasks_run), 1);
    ck_assert_int_eq(atomic_load(&callback_runs), 3);
    ck_assert_uint_eq(lab_pool_shutdown_cancel(pool = lab_pool_new(2, "worker"), true), 0);
    lab_pool_free(pool);
    for (int i = 0; i < 3; i++)
        lab_future_free(futures[i]);
}
END_TEST

/* ---- exit: the queued tasks still run, as at CPython's interpreter exit ---- */

/* Writes one byte on stdout (unbuffered: nothing is lost whatever exit does), after a nap. */
static int nap_then_mark(void *arg, long *value)
{
    (void)arg;
    lab_sleep(0.01);
    if (write(STDOUT_FILENO, "+", 1) != 1)
        return EIO;
    *value = 0;
    return 0;
}

static void submit_then_end(void *how)
{
    lab_pool *pool = lab_pool_new(2, "worker");
    for (int i = 0; i < 6; i++)
        lab_future_free(lab_pool_submit(pool, nap_then_mark, NULL)); /* fire and forget */
    for (int i = 0; i < 4; i++)
        lab_pool_submit_detached(pool, nap_then_mark, NULL);
    if (strcmp(how, "main_exit") == 0)
        lab_main_exit(0);
    exit(0); /* what returning from main does */
}

static void assert_every_task_ran_at(const char *how)
{
    child_run run = run_in_child(submit_then_end, (void *)how, 30);
    ck_assert_msg(run.exit_code == 0 && !run.timed_out, "%s: exit %d", how, run.exit_code);
    ck_assert_msg(strcmp(run.out, "++++++++++") == 0, "%s: ran \"%s\"", how, run.out);
    child_run_free(&run);
}

START_TEST(tasks_still_queued_at_main_exit_run_to_the_end)
{
    assert_every_task_ran_at("main_exit");
}
END_TEST

/* The same at a plain exit() (or a return from main). The workers end, but nobody joins
 * them (lab_main_exit would have detached them): ThreadSanitizer calls that a thread leak,
 * so this test is tagged "misuse" and make tsan leaves it out. */
START_TEST(tasks_still_queued_at_exit_run_to_the_end)
{
    assert_every_task_ran_at("exit");
}
END_TEST

static void *exit_now(void *code)
{
    exit(*(const int *)code);
}

static int exit_from_task(void *arg, long *value)
{
    (void)value;
    exit(*(const int *)arg);
}

/* exit() from a daemon thread (the Ctrl-C thread of interrupt.h is one) or from a pool's
 * task ends the program at once: the hook does not wait for a task that never ends, nor
 * run what is queued. */
static void exit_from_a_daemon(void *where)
{
    static const int codes[] = {3, 4};
    lab_pool *pool = lab_pool_new(1, "worker");
    lab_future_free(lab_pool_submit(pool, gated, (void *)&numbers[0])); /* never opens */
    lab_pool *other = lab_pool_new(1, "other");
    if (strcmp(where, "daemon") == 0)
        lab_thread_start(exit_now, (void *)&codes[0], LAB_THREAD_DAEMON, "signals");
    else
        lab_future_free(lab_pool_submit(other, exit_from_task, (void *)&codes[1]));
    lab_future_free(lab_pool_submit(other, nap_then_mark, NULL)); /* queued behind it */
    lab_sleep(60);                                                /* the exit comes first */
    _exit(1);
}

START_TEST(exit_from_a_daemon_thread_or_a_task_does_not_wait)
{
    gates_close_all();
    static const char *const wheres[] = {"daemon", "task"};
    for (int k = 0; k < 2; k++) {
        child_run run = run_in_child(exit_from_a_daemon, (void *)wheres[k], 20);
        ck_assert_msg(!run.timed_out && run.exit_code == 3 + k, "%s: exit %d%s", wheres[k],
                      run.exit_code, run.timed_out ? " (timed out)" : "");
        if (k == 1)
            ck_assert_str_eq(run.out, ""); /* the task queued behind never ran */
        child_run_free(&run);
    }
}
END_TEST

START_TEST(submit_after_shutdown_is_refused)
{
    lab_pool *pool = lab_pool_new(2, "worker");
    lab_pool_shutdown(pool, false);
    errno = 0;
    ck_assert_ptr_null(lab_pool_submit(pool, fail_if_odd, (void *)&numbers[0]));
    ck_assert_int_eq(errno, ESHUTDOWN);
    errno = 0;
    ck_assert_ptr_null(
        lab_pool_map_new_timeout(pool, fail_if_odd, (void *)numbers, 3, sizeof numbers[0], 1));
    ck_assert_int_eq(errno, ESHUTDOWN);
    ck_assert_int_eq(lab_pool_workers_started(pool), 0);
    lab_pool_free(pool);
}
END_TEST

/* A task may submit to its own pool: it holds no pool lock while it runs. */
static lab_pool *nesting_pool;

static int submit_a_child(void *arg, long *value)
{
    lab_future *child = lab_pool_submit(nesting_pool, fail_if_odd, arg);
    int outcome = lab_future_result(child, value);
    lab_future_free(child);
    return outcome;
}

START_TEST(a_task_may_submit_to_its_own_pool)
{
    nesting_pool = lab_pool_new(2, "worker");
    lab_future *parent = lab_pool_submit(nesting_pool, submit_a_child, (void *)&numbers[6]);
    long value = 0;
    ck_assert_int_eq(lab_future_result(parent, &value), 0);
    ck_assert_int_eq(value, 6);
    lab_future_free(parent);
    lab_pool_free(nesting_pool);
}
END_TEST

/* ---- volume ---- */

#define TINY_TASKS 100000

static atomic_int tiny_callbacks[TINY_TASKS];
static long tiny_args[TINY_TASKS];

static int echo(void *arg, long *value)
{
    *value = *(long *)arg;
    return 0;
}

static void count_tiny(lab_future *future, void *arg)
{
    (void)future;
    atomic_fetch_add(&tiny_callbacks[(long *)arg - tiny_args], 1);
}

START_TEST(a_hundred_thousand_tiny_tasks_on_two_workers_lose_nothing)
{
    lab_pool *pool = lab_pool_new(2, "worker");
    lab_future **futures = lab_calloc(TINY_TASKS, sizeof *futures);
    for (long i = 0; i < TINY_TASKS; i++) {
        tiny_args[i] = i;
        atomic_store(&tiny_callbacks[i], 0);
        futures[i] = lab_pool_submit(pool, echo, &tiny_args[i]);
        lab_future_add_done_callback(futures[i], count_tiny, &tiny_args[i]);
    }
    lab_pool_shutdown(pool, true);
    for (long i = 0; i < TINY_TASKS; i++) {
        long value = -1;
        ck_assert_int_eq(lab_future_result_timeout(futures[i], 0, &value), 0);
        ck_assert_int_eq(value, i);
        ck_assert_int_eq(atomic_load(&tiny_callbacks[i]), 1); /* completed exactly once */
        lab_future_free(futures[i]);
    }
    ck_assert_int_le(lab_pool_workers_started(pool), 2);
    free(futures);
    lab_pool_free(pool);
}
END_TEST

/* Fire and forget: detached tasks have no future; each still runs exactly once, the
 * joining shutdown waits for all of them, and after it a detached submit is refused. */
static atomic_int detached_runs[TINY_TASKS];

static int count_detached(void *arg, long *value)
{
    atomic_fetch_add(&detached_runs[(long *)arg - tiny_args], 1);
    *value = 0;
    return (long *)arg - tiny_args == 7 ? EIO : 0; /* a failure nobody hears of */
}

START_TEST(detached_tasks_run_once_and_shutdown_waits_for_them)
{
    lab_pool *pool = lab_pool_new(2, "worker");
    for (long i = 0; i < TINY_TASKS; i++) {
        tiny_args[i] = i;
        atomic_store(&detached_runs[i], 0);
    }
    for (long i = 0; i < TINY_TASKS; i++)
        ck_assert_int_eq(lab_pool_submit_detached(pool, count_detached, &tiny_args[i]), 0);
    ck_assert_int_le(lab_pool_workers_started(pool), 2);
    lab_pool_shutdown(pool, true);
    for (long i = 0; i < TINY_TASKS; i++)
        ck_assert_int_eq(atomic_load(&detached_runs[i]), 1);
    ck_assert_int_eq(lab_pool_submit_detached(pool, count_detached, &tiny_args[0]), ESHUTDOWN);
    ck_assert_int_eq(atomic_load(&detached_runs[0]), 1);
    lab_pool_free(pool);
}
END_TEST

/* Detached and future-bearing tasks share one queue, in submission order (one worker). */
static int record_order(void *arg, long *value)
{
    static atomic_int next;
    int *slot = arg;
    *slot = atomic_fetch_add(&next, 1);
    *value = *slot;
    return 0;
}

START_TEST(detached_and_plain_tasks_keep_submission_order)
{
    lab_pool *pool = lab_pool_new(1, "worker");
    int ran_at[6];
    lab_future *futures[3];
    for (int i = 0; i < 6; i++) {
        if (i % 2 == 0)
            futures[i / 2] = lab_pool_submit(pool, record_order, &ran_at[i]);
        else
            ck_assert_int_eq(lab_pool_submit_detached(pool, record_order, &ran_at[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(lab_future_result(futures[i], NULL), 0);
    lab_pool_free(pool); /* the last detached task is over too */
    for (int i = 1; i < 6; i++)
        ck_assert_int_eq(ran_at[i], ran_at[i - 1] + 1);
    for (int i = 0; i < 3; i++)
        lab_future_free(futures[i]);
}
END_TEST

/* Four threads submit at once: nothing is lost, nothing runs twice. */
static lab_pool *shared_pool;
static atomic_int shared_runs[4000];

static int count_run(void *arg, long *value)
{
    atomic_fetch_add(&shared_runs[*(int *)arg], 1);
    *value = 0;
    return 0;
}

static int submitter_ids[4000];

static void *submit_a_thousand(void *arg)
{
    int base = *(int *)arg;
    lab_future *futures[1000];
    for (int i = 0; i < 1000; i++)
        futures[i] = lab_pool_submit(shared_pool, count_run, &submitter_ids[base + i]);
    lab_futures_wait(futures, 1000, LAB_FUTURES_ALL_COMPLETED, NULL);
    for (int i = 0; i < 1000; i++)
        lab_future_free(futures[i]);
    return NULL;
}

START_TEST(concurrent_submitters_lose_nothing)
{
    shared_pool = lab_pool_new(3, "worker");
    for (int i = 0; i < 4000; i++) {
        submitter_ids[i] = i;
        atomic_store(&shared_runs[i], 0);
    }
    static const int bases[4] = {0, 1000, 2000, 3000};
    lab_thread *threads[4];
    for (int t = 0; t < 4; t++)
        threads[t] = lab_thread_start(submit_a_thousand, (void *)&bases[t], LAB_THREAD_NOT_DAEMON,
                                      "sub-%d", t);
    for (int t = 0; t < 4; t++)
        lab_thread_join(threads[t]);
    lab_pool_free(shared_pool);
    for (int i = 0; i < 4000; i++)
        ck_assert_int_eq(atomic_load(&shared_runs[i]), 1);
}
END_TEST

static Suite *pool_suite(void)
{
    Suite *suite = suite_create("pool");
    TCase *basics = tcase_create("basics");
    tcase_set_timeout(basics, 15);
    tcase_add_test(basics, submit_returns_at_once_and_result_waits);
    tcase_add_test(basics, a_failing_task_is_a_status_not_a_crash);
    tcase_add_test(basics, workers_are_named_and_start_lazily);
    tcase_add_test(basics, one_task_at_a_time_needs_one_worker);
    tcase_add_test(basics, bad_durations_are_refused);
    tcase_add_test(basics, the_default_size_is_pythons_and_zero_is_refused);
    tcase_add_test(basics, the_initializer_runs_once_in_each_worker_before_its_first_task);
    tcase_add_test(basics, a_failing_initializer_breaks_the_pool);
    tcase_add_test(basics, a_queued_task_can_be_cancelled_and_never_runs);
    tcase_add_test(basics, a_done_callback_runs_once_in_the_worker);
    tcase_add_test(basics, a_task_may_submit_to_its_own_pool);
    suite_add_tcase(suite, basics);

    TCase *order = tcase_create("order");
    tcase_set_timeout(order, 15);
    tcase_add_loop_test(order, one_worker_runs_tasks_in_submission_order, 0, 3);
    tcase_add_loop_test(order, as_completed_follows_the_order_tasks_finish_in, 0, 5);
    tcase_add_test(order, as_completed_on_staged_delays_yields_each_once);
    tcase_add_test(order, as_completed_takes_futures_from_two_pools);
    tcase_add_test(order, map_yields_in_submission_order);
    tcase_add_test(order, a_long_map_yields_every_result_in_order);
    tcase_add_loop_test(order, sleeping_workers_all_wake_for_a_batch, 0, 3);
    tcase_add_test(order, map_reports_a_failure_in_its_place);
    tcase_add_test(order, map_times_out_from_the_call_then_goes_on);
    tcase_add_test(order, freeing_a_map_early_cancels_what_has_not_started);
    suite_add_tcase(suite, order);

    TCase *shutdown = tcase_create("shutdown and volume");
    tcase_set_timeout(shutdown, 60);
    tcase_add_test(shutdown, shutdown_with_wait_waits_for_every_task);
    tcase_add_test(shutdown, shutdown_without_wait_returns_and_the_queue_still_runs);
    tcase_add_test(shutdown, submit_after_shutdown_is_refused);
    tcase_add_test(shutdown, shutdown_cancel_futures_cancels_only_what_has_not_started);
    tcase_add_test(shutdown, tasks_still_queued_at_main_exit_run_to_the_end);
    tcase_add_test(shutdown, exit_from_a_daemon_thread_or_a_task_does_not_wait);
    tcase_add_test(shutdown, a_hundred_thousand_tiny_tasks_on_two_workers_lose_nothing);
    tcase_add_loop_test(shutdown, detached_tasks_run_once_and_shutdown_waits_for_them, 0, 3);
    tcase_add_test(shutdown, detached_and_plain_tasks_keep_submission_order);
    tcase_add_loop_test(shutdown, concurrent_submitters_lose_nothing, 0, 3);
    suite_add_tcase(suite, shutdown);

    TCase *plain_exit = tcase_create("exit with a live pool");
    tcase_set_tags(plain_exit, "misuse"); /* unjoined workers: a thread leak to TSan */
    tcase_set_timeout(plain_exit, 60);
    tcase_add_test(plain_exit, tasks_still_queued_at_exit_run_to_the_end);
    suite_add_tcase(suite, plain_exit);
    return suite;
}

LAB_TEST_MAIN(pool_suite)
