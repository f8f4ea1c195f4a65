/* test_procpool.c — the process pool against multiprocessing.Pool: tasks run in other
 * processes with copied arguments; apply, apply_async (ready, get, get with a timeout),
 * map in order; close/join and terminate; every result arrives exactly once under
 * contention; a worker that aborts, exits or is killed is reported and replaced; no child
 * is ever left behind (every pid gone, waitpid finds no child). */
#include "support.h"

#include "clock.h"
#include "procpool.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- tasks (run in the workers) ---- */

static int64_t my_pid(const void *arg, size_t size)
{
    (void)arg, (void)size;
    return getpid();
}

static int64_t square(const void *arg, size_t size)
{
    (void)size;
    int64_t n = *(const int64_t *)arg;
    return n * n;
}

static int touched; /* a global: each process has its own */

static int64_t touch_a_global(const void *arg, size_t size)
{
    (void)arg, (void)size;
    touched += 1;
    return touched;
}

/* Sleep arg class seconds, then return it times 10 (the tutorials' loiter). */
static int64_t loiter(const void *arg, size_t size)
{
    (void)size;
    double seconds = *(const double *)arg;
    lab_sleep(seconds);
    return (int64_t)(seconds * 1000) * 10;
}

static int64_t crash_with_abort(const void *arg, size_t size)
{
    (void)arg, (void)size;
    abort();
}

static int64_t exit_with_3(const void *arg, size_t size)
{
    (void)arg, (void)size;
    _exit(3);
}

typedef struct pair {
    int64_t a, b;
} pair;

static int64_t add_pair(const void *arg, size_t size)
{
    if (size != sizeof(pair))
        return -1;
    const pair *p = arg;
    return p->a + p->b;
}

/* ---- helpers (test thread only) ---- */

/* Whether no process with this pid exists any more (reaped: not even a zombie). */
static bool gone(pid_t pid)
{
    return kill(pid, 0) == -1 && errno == ESRCH;
}

/* Assert that this test process has no child at all: all reaped. */
static void assert_no_child_left(void)
{
    int status;
    errno = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    ck_assert_msg(pid == -1 && errno == ECHILD, "a child is left: waitpid -> %d (%s)", (int)pid,
                  strerror(errno));
}

/* ---- semantics ---- */

START_TEST(new_refuses_fewer_than_one_process)
{
    errno = 0;
    ck_assert_ptr_null(lab_procpool_new(0)); /* Python: ValueError */
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_null(lab_procpool_new(-3));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_ge(lab_procpool_cpu_count(), 1);
    assert_no_child_left();
}
END_TEST

START_TEST(apply_runs_in_another_process_with_its_own_memory)
{
    lab_procpool *pool = lab_procpool_new(2);
    ck_assert_ptr_nonnull(pool);
    ck_assert_int_eq(lab_procpool_processes(pool), 2);
    pid_t pids[4];
    ck_assert_uint_eq(lab_procpool_pids(pool, pids, 4), 2);
    int64_t value = 0;
    ck_assert_int_eq(lab_procpool_apply(pool, my_pid, NULL, 0, &value), 0);
    ck_assert_int_ne(value, getpid());
    ck_assert(value == pids[0] || value == pids[1]);
    ck_assert_int_eq(lab_procpool_apply(pool, touch_a_global, NULL, 0, &value), 0);
    ck_assert_int_ge(value, 1);   /* the worker's copy changed */
    ck_assert_int_eq(touched, 0); /* ours did not */
    int64_t n = 12;
    ck_assert_int_eq(lab_procpool_apply(pool, square, &n, sizeof n, &value), 0);
    ck_assert_int_eq(value, 144);
    lab_procpool_close(pool);
    ck_assert_int_eq(lab_procpool_join(pool), 0);
    lab_procpool_free(pool);
    ck_assert(gone(pids[0]) && gone(pids[1]));
    assert_no_child_left();
}
END_TEST

START_TEST(arguments_are_copied_at_submission)
{
    lab_procpool *pool = lab_procpool_new(1);
    ck_assert_ptr_nonnull(pool);
    pair p = {.a = 40, .b = 2};
    lab_procpool_result *r;
    ck_assert_int_eq(lab_procpool_apply_async(pool, add_pair, &p, sizeof p, &r), 0);
    p.a = 1000; /* too late to matter: the task has its own copy */
    int64_t value = 0;
    ck_assert_int_eq(lab_procpool_result_get(r, &value), 0);
    ck_assert_int_eq(value, 42);
    lab_procpool_result_free(r);
    char big[LAB_PROCPOOL_ARG_MAX + 1] = {0};
    ck_assert_int_eq(lab_procpool_apply_async(pool, add_pair, big, sizeof big, &r), EINVAL);
    ck_assert_int_eq(lab_procpool_apply_async(pool, NULL, &p, sizeof p, &r), EINVAL);
    ck_assert_int_eq(lab_procpool_apply_async(pool, add_pair, NULL, sizeof p, &r), EINVAL);
    ck_assert_int_eq(lab_procpool_apply(pool, add_pair, big, LAB_PROCPOOL_ARG_MAX, &value), 0);
    ck_assert_int_eq(value, -1); /* a full-size argument arrives with its size */
    lab_procpool_free(pool);
    assert_no_child_left();
}
END_TEST

START_TEST(apply_async_ready_and_get_with_a_timeout)
{
    lab_procpool *pool = lab_procpool_new(2);
    ck_assert_ptr_nonnull(pool);
    double slow = 0.3;
    lab_procpool_result *r;
    ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &slow, sizeof slow, &r), 0);
    ck_assert(!lab_procpool_result_ready(r)); /* 0.3 s of sleep cannot be over yet */
    int64_t value = -1;
    const double bad[] = {-1, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(lab_procpool_result_get_timeout(r, bad[i], &value), EINVAL);
    double begin = lab_now();
    ck_assert_int_eq(lab_procpool_result_get_timeout(r, 0, &value), ETIMEDOUT); /* polls */
    ck_assert(lab_now() - begin < 0.2);
    ck_assert_int_eq(lab_procpool_result_get_timeout(r, 0.02, &value), ETIMEDOUT);
    ck_assert_int_eq(value, -1); /* untouched on error */
    ck_assert_int_eq(lab_procpool_result_get_timeout(r, 30, &value), 0);
    ck_assert_int_eq(value, 3000);
    ck_assert(lab_procpool_result_ready(r));
    ck_assert_int_eq(lab_procpool_result_get(r, &value), 0); /* get again: the same */
    ck_assert_int_eq(value, 3000);
    ck_assert_int_eq(lab_procpool_result_wait_status(r), -1);
    ck_assert_int_ne(lab_procpool_result_pid(r), 0);
    lab_procpool_result_free(r);
    lab_procpool_close(pool);
    ck_assert_int_eq(lab_procpool_join(pool), 0);
    lab_procpool_free(pool);
    assert_no_child_left();
}
END_TEST

START_TEST(map_returns_results_in_argument_order)
{
    enum { N = 12 };
    lab_procpool *pool = lab_procpool_new(3);
    ck_assert_ptr_nonnull(pool);
    /* The first ones sleep longest: they finish last, and still come first. */
    double naps[N];
    for (int i = 0; i < N; i++)
        naps[i] = 0.001 * (N - i) * 3;
    int64_t values[N];
    int errors[N];
    ck_assert_int_eq(lab_procpool_map(pool, loiter, naps, sizeof naps[0], N, values, errors), 0);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(errors[i], 0);
        ck_assert_int_eq(values[i], (int64_t)(naps[i] * 1000) * 10);
    }
    ck_assert_int_eq(lab_procpool_map(pool, loiter, naps, sizeof naps[0], 0, values, NULL), 0);
    lab_procpool_free(pool);
    assert_no_child_left();
}
END_TEST

START_TEST(close_refuses_new_work_and_join_waits_for_the_queue)
{
    lab_procpool *pool = lab_procpool_new(2);
    ck_assert_ptr_nonnull(pool);
    ck_assert_int_eq(lab_procpool_join(pool), EINVAL); /* Python: ValueError, still running */
    pid_t pids[2];
    ck_assert_uint_eq(lab_procpool_pids(pool, pids, 2), 2);
    enum { QUEUED = 6 };
    lab_procpool_result *r[QUEUED];
    double nap = 0.02;
    for (int i = 0; i < QUEUED; i++)
        ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &nap, sizeof nap, &r[i]), 0);
    lab_procpool_close(pool);
    lab_procpool_close(pool); /* again: nothing */
    lab_procpool_result *late;
    ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &nap, sizeof nap, &late), ESHUTDOWN);
    int64_t value;
    ck_assert_int_eq(lab_procpool_apply(pool, loiter, &nap, sizeof nap, &value), ESHUTDOWN);
    ck_assert_int_eq(lab_procpool_join(pool), 0);
    ck_assert_int_eq(lab_procpool_join(pool), 0); /* again: at once */
    for (int i = 0; i < QUEUED; i++) {            /* the queue was done before the workers went */
        ck_assert(lab_procpool_result_ready(r[i]));
        ck_assert_int_eq(lab_procpool_result_get(r[i], &value), 0);
        ck_assert_int_eq(value, 200);
        lab_procpool_result_free(r[i]);
    }
    ck_assert_uint_eq(lab_procpool_pids(pool, pids + 0, 0), 0);
    ck_assert(gone(pids[0]) && gone(pids[1]));
    assert_no_child_left();
    lab_procpool_free(pool);
}
END_TEST

START_TEST(terminate_cancels_the_work_and_leaves_no_child)
{
    lab_procpool *pool = lab_procpool_new(3);
    ck_assert_ptr_nonnull(pool);
    pid_t pids[3];
    ck_assert_uint_eq(lab_procpool_pids(pool, pids, 3), 3);
    enum { TASKS = 7 };
    lab_procpool_result *r[TASKS];
    double forever = 3600; /* an hour: only terminate ends these */
    for (int i = 0; i < TASKS; i++)
        ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &forever, sizeof forever, &r[i]),
                         0);
    lab_sleep(0.05); /* let some start */
    double begin = lab_now();
    lab_procpool_terminate(pool);
    ck_assert_msg(lab_now() - begin < 5.0, "terminate took %.3f s", lab_now() - begin);
    for (int i = 0; i < 3; i++)
        ck_assert_msg(gone(pids[i]), "worker %d is still there", (int)pids[i]);
    assert_no_child_left();
    for (int i = 0; i < TASKS; i++) {
        ck_assert(lab_procpool_result_ready(r[i])); /* never left hanging */
        ck_assert_int_eq(lab_procpool_result_get_timeout(r[i], 0, NULL), ECANCELED);
        int status = lab_procpool_result_wait_status(r[i]);
        if (status != -1) /* it was running: killed by terminate's SIGKILL */
            ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        lab_procpool_result_free(r[i]);
    }
    lab_procpool_result *late;
    ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &forever, sizeof forever, &late),
                     ESHUTDOWN);
    ck_assert_int_eq(lab_procpool_join(pool), 0);
    lab_procpool_terminate(pool); /* again: nothing left to do */
    lab_procpool_free(pool);
}
END_TEST

/* A thread blocked in get() on a task that would take an hour is let go by terminate. */
typedef struct getter {
    lab_procpool_result *r;
    int rc;
} getter;

static void *get_it(void *arg)
{
    getter *g = arg;
    g->rc = lab_procpool_result_get(g->r, NULL);
    return NULL;
}

START_TEST(terminate_lets_a_blocked_get_go)
{
    lab_procpool *pool = lab_procpool_new(1);
    ck_assert_ptr_nonnull(pool);
    double forever = 3600;
    getter g = {.rc = -1};
    ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &forever, sizeof forever, &g.r), 0);
    lab_thread *t = lab_thread_start(get_it, &g, LAB_THREAD_NOT_DAEMON, "getter");
    lab_sleep(0.05); /* let it block (if it has not, it gets ECANCELED all the same) */
    lab_procpool_terminate(pool);
    ck_assert(lab_thread_join_timeout(t, 10, NULL) == 0); /* bounded: never a hang */
    ck_assert_int_eq(g.rc, ECANCELED);
    lab_procpool_result_free(g.r);
    lab_procpool_free(pool);
    assert_no_child_left();
}
END_TEST

START_TEST(free_without_close_terminates)
{
    lab_procpool *pool = lab_procpool_new(2);
    ck_assert_ptr_nonnull(pool);
    pid_t pids[2];
    ck_assert_uint_eq(lab_procpool_pids(pool, pids, 2), 2);
    double forever = 3600;
    lab_procpool_result *r;
    ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &forever, sizeof forever, &r), 0);
    lab_procpool_free(pool); /* as `with Pool() as p:` ends: terminate */
    ck_assert(gone(pids[0]) && gone(pids[1]));
    assert_no_child_left();
    ck_assert_int_eq(lab_procpool_result_get(r, NULL),
                     ECANCELED); /* the handle outlives the pool */
    lab_procpool_result_free(r);
}
END_TEST

/* ---- workers that die ---- */

START_TEST(a_task_that_aborts_or_exits_is_reported_and_the_pool_goes_on)
{
    lab_procpool *pool = lab_procpool_new(2);
    ck_assert_ptr_nonnull(pool);
    for (int round = 0; round < 3; round++) {
        lab_procpool_result *r;
        ck_assert_int_eq(lab_procpool_apply_async(pool, crash_with_abort, NULL, 0, &r), 0);
        ck_assert_int_eq(lab_procpool_result_get_timeout(r, 30, NULL), EOWNERDEAD);
        int status = lab_procpool_result_wait_status(r);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
        pid_t dead = lab_procpool_result_pid(r);
        ck_assert_int_ne(dead, 0);
        ck_assert(gone(dead)); /* reaped: not even a zombie */
        lab_procpool_result_free(r);

        ck_assert_int_eq(lab_procpool_apply_async(pool, exit_with_3, NULL, 0, &r), 0);
        ck_assert_int_eq(lab_procpool_result_get_timeout(r, 30, NULL), EOWNERDEAD);
        status = lab_procpool_result_wait_status(r);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
        lab_procpool_result_free(r);

        int64_t n = round, value = 0; /* and the pool still works */
        ck_assert_int_eq(lab_procpool_apply(pool, square, &n, sizeof n, &value), 0);
        ck_assert_int_eq(value, n * n);
    }
    ck_assert_int_eq(lab_procpool_started(pool), 2 + 6); /* one replacement per death */
    lab_procpool_close(pool);
    ck_assert_int_eq(lab_procpool_join(pool), 0);
    lab_procpool_free(pool);
    assert_no_child_left();
}
END_TEST

START_TEST(a_worker_killed_from_outside_is_reported_and_replaced)
{
    lab_procpool *pool = lab_procpool_new(1);
    ck_assert_ptr_nonnull(pool);
    double long_nap = 3600;
    lab_procpool_result *r;
    ck_assert_int_eq(lab_procpool_apply_async(pool, loiter, &long_nap, sizeof long_nap, &r), 0);
    pid_t pid;
    ck_assert_uint_eq(lab_procpool_pids(pool, &pid, 1), 1);
    lab_sleep(0.05);
    ck_assert_int_eq(kill(pid, SIGKILL), 0); /* kill -9, as an OOM killer would */
    ck_assert_int_eq(lab_procpool_result_get_timeout(r, 30, NULL), EOWNERDEAD);
    int status = lab_procpool_result_wait_status(r);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ck_assert_int_eq(lab_procpool_result_pid(r), pid);
    lab_procpool_result_free(r);
    ck_assert(gone(pid));

    /* An idle worker killed: nobody's task fails; it is replaced. */
    int64_t value = 0, n = 7;
    ck_assert_int_eq(lab_procpool_apply(pool, square, &n, sizeof n, &value), 0);
    ck_assert_uint_eq(lab_procpool_pids(pool, &pid, 1), 1);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    double give_up = lab_now() + 10;
    while (lab_procpool_started(pool) < 3 && lab_now() < give_up)
        lab_sleep(0.005);
    ck_assert_int_eq(lab_procpool_started(pool), 3);
    ck_assert_int_eq(lab_procpool_apply(pool, square, &n, sizeof n, &value), 0);
    ck_assert_int_eq(value, 49);
    ck_assert(gone(pid));
    lab_procpool_free(pool);
    assert_no_child_left();
}
END_TEST

/* ---- contention: every result exactly once ---- */

enum { SUBMITTERS = 4, EACH = 100 };

static int64_t tag(const void *arg, size_t size)
{
    (void)size;
    return *(const int64_t *)arg * 7 + 1;
}

typedef struct submitter {
    lab_procpool *pool;
    int number;
    int wrong, failed; /* written by the submitter, read after the join */
} submitter;

static void *submit_and_collect(void *arg)
{
    submitter *s = arg;
    lab_procpool_result *r[EACH];
    for (int i = 0; i < EACH; i++) {
        int64_t id = s->number * EACH + i;
        if (lab_procpool_apply_async(s->pool, tag, &id, sizeof id, &r[i]) != 0) {
            r[i] = NULL;
            s->failed++;
        }
    }
    for (int i = 0; i < EACH; i++) {
        int64_t value = 0;
        if (r[i] == NULL)
            continue;
        if (lab_procpool_result_get_timeout(r[i], 60, &value) != 0)
            s->failed++;
        else if (value != (s->number * EACH + i) * 7 + 1)
            s->wrong++;
        lab_procpool_result_free(r[i]);
    }
    return NULL;
}

START_TEST(every_result_arrives_exactly_once)
{
    lab_procpool *pool = lab_procpool_new(3);
    ck_assert_ptr_nonnull(pool);
    submitter s[SUBMITTERS];
    lab_thread *threads[SUBMITTERS];
    for (int i = 0; i < SUBMITTERS; i++) {
        s[i] = (submitter){.pool = pool, .number = i};
        threads[i] =
            lab_thread_start(submit_and_collect, &s[i], LAB_THREAD_NOT_DAEMON, "submitter-%d", i);
    }
    /* map from the test thread at the same time */
    int64_t args[EACH], values[EACH];
    for (int i = 0; i < EACH; i++)
        args[i] = 1000 + i;
    ck_assert_int_eq(lab_procpool_map(pool, tag, args, sizeof args[0], EACH, values, NULL), 0);
    for (int i = 0; i < SUBMITTERS; i++)
        lab_thread_join(threads[i]);
    for (int i = 0; i < EACH; i++)
        ck_assert_int_eq(values[i], args[i] * 7 + 1);
    for (int i = 0; i < SUBMITTERS; i++) {
        ck_assert_int_eq(s[i].failed, 0);
        ck_assert_int_eq(s[i].wrong, 0);
    }
    ck_assert_int_eq(lab_procpool_started(pool), 3); /* nobody died */
    lab_procpool_close(pool);
    ck_assert_int_eq(lab_procpool_join(pool), 0);
    lab_procpool_free(pool);
    assert_no_child_left();
}
END_TEST

static Suite *procpool_suite(void)
{
    Suite *suite = suite_create("procpool");
    TCase *semantics = tcase_create("semantics");
    tcase_set_timeout(semantics, 20);
    tcase_add_test(semantics, new_refuses_fewer_than_one_process);
    tcase_add_test(semantics, apply_runs_in_another_process_with_its_own_memory);
    tcase_add_test(semantics, arguments_are_copied_at_submission);
    tcase_add_test(semantics, apply_async_ready_and_get_with_a_timeout);
    tcase_add_test(semantics, map_returns_results_in_argument_order);
    tcase_add_test(semantics, close_refuses_new_work_and_join_waits_for_the_queue);
    tcase_add_test(semantics, terminate_cancels_the_work_and_leaves_no_child);
    tcase_add_test(semantics, terminate_lets_a_blocked_get_go);
    tcase_add_test(semantics, free_without_close_terminates);
    suite_add_tcase(suite, semantics);
    TCase *deaths = tcase_create("deaths");
    tcase_set_timeout(deaths, 30);
    tcase_add_test(deaths, a_task_that_aborts_or_exits_is_reported_and_the_pool_goes_on);
    tcase_add_test(deaths, a_worker_killed_from_outside_is_reported_and_replaced);
    suite_add_tcase(suite, deaths);
    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 60);
    tcase_add_loop_test(contention, every_result_arrives_exactly_once, 0, 3);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(procpool_suite)
