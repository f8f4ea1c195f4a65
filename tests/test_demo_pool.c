/* test_demo_pool.c — the executor lessons: map always in submission order, as_completed
 * hands out every task once (1..5 when the pool is big enough), the loiter timeline
 * follows from 3 workers, wait's two modes, callbacks in the worker and in main; the
 * --wait-each mistake serialises; --part picks one lesson; --wait-each fits one lesson only.
 * Timing checks are lower bounds that the sleeps guarantee, or "far below serial". */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a comma-separated list of numbers from the result key; returns how many. */
static int result_list(const child_run *run, const char *key, double *numbers, int max)
{
    char text[256];
    result_text(run, key, text, sizeof text);
    int count = 0;
    for (char *p = text; *p != '\0' && count < max;) {
        char *end;
        numbers[count++] = strtod(p, &end);
        ck_assert_msg(end != p && (*end == ',' || *end == '\0'), "%s=%s is not a list of numbers",
                      key, text);
        p = *end == ',' ? end + 1 : end;
    }
    return count;
}

/* The list is 1..5 in some order, each once. */
static void assert_permutation_of_1_to_5(const child_run *run, const char *key)
{
    double order[8];
    ck_assert_int_eq(result_list(run, key, order, 8), 5);
    bool seen[6] = {false};
    for (int i = 0; i < 5; i++) {
        int n = (int)order[i];
        ck_assert_msg(n >= 1 && n <= 5 && !seen[n], "%s has %d twice or out of range", key, n);
        seen[n] = true;
    }
}

START_TEST(all_lessons_keep_their_guarantees)
{
    child_run run = run_demo("pool", "--speed", "20", NULL);
    assert_exit_ok(&run);
    /* as_completed and map */
    assert_permutation_of_1_to_5(&run, "as_completed_order");
    assert_result_text(&run, "map_order", "5,4,3,2,1"); /* submission order, whatever the timing */
    ck_assert(result_double(&run, "as_completed_elapsed") >= 4.99);
    ck_assert(result_double(&run, "map_elapsed") >= 4.99);
    ck_assert_int_le(result_int(&run, "as_completed_workers"), 5);
    /* loiter: 3 workers, so loiter(4) waits for two tasks to end, one of them >= 1 s */
    assert_result_text(&run, "loiter_results", "0,10,20,30,40");
    double started[5], got[5];
    ck_assert_int_eq(result_list(&run, "loiter_started", started, 5), 5);
    ck_assert_int_eq(result_list(&run, "loiter_got", got, 5), 5);
    ck_assert_msg(started[4] >= 1.0, "loiter(4) started at %.1f s, before a worker was free",
                  started[4]);
    for (int n = 1; n < 5; n++)
        ck_assert_msg(got[n] >= got[n - 1], "result %d reached the caller before result %d", n,
                      n - 1);
    ck_assert(got[4] >= 4.95);
    ck_assert(result_double(&run, "loiter_elapsed") >= 4.99);
    ck_assert_int_le(result_int(&run, "loiter_workers"), 3);
    /* wait: nothing ends before 2 s; the 4 s task cannot start before 2 s, so all >= 6 s */
    ck_assert(result_double(&run, "wait_first_elapsed") >= 1.99);
    ck_assert(result_double(&run, "wait_all_elapsed") >= 5.99);
    char first[32];
    ck_assert(strlen(result_text(&run, "wait_first", first, sizeof first)) > 0);
    ck_assert_int_le(result_int(&run, "wait_workers"), 2);
    /* callback: the second one is added after the end, so it runs at once in main */
    ck_assert_int_eq(result_int(&run, "callback_calls"), 2);
    ck_assert_int_eq(result_int(&run, "callback_result"), 2);
    char threads[64];
    result_text(&run, "callback_threads", threads, sizeof threads);
    ck_assert_msg(strlen(threads) > 5 && strcmp(threads + strlen(threads) - 5, ",main") == 0,
                  "callback_threads=%s", threads);
    ck_assert_int_eq(
        count_lines_with(run.out, "done-callback: the future is done, its result is 2"), 2);
    /* failures: the status is the exception; a timeout changes nothing; queued ones cancelled */
    assert_result_text(&run, "failures_exception", "ENOENT");
    assert_result_text(&run, "failures_timeout", "TimeoutError");
    ck_assert_int_eq(result_int(&run, "failures_b"), 2);
    assert_result_text(&run, "failures_cancelled", "C,D");
    child_run_free(&run);
}
END_TEST

/* The failures lesson alone: Python's words for each outcome, in the order they happen. */
START_TEST(failures_show_exception_cancel_and_timeout)
{
    child_run run = run_demo("pool", "--part=failures", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(count_lines_with(run.out, "C.cancel() while C waits in the queue: True"), 1);
    ck_assert_int_eq(count_lines_with(run.out, "A.exception() = ENOENT"), 1);
    ck_assert_int_eq(count_lines_with(run.out, "B.result(timeout=0.5): TimeoutError"), 1);
    ck_assert_int_eq(count_lines_with(run.out, "cancelled D: True, B: False"), 1);
    ck_assert_int_eq(count_lines_with(run.out, "B.result() = 2; C.result(): CancelledError; "
                                               "D.result(): CancelledError"),
                     1);
    ck_assert_int_eq(count_lines_with(run.out, "Sleeping 1 second"), 0); /* C and D never ran */
    assert_result_text(&run, "failures_cancelled", "C,D");
    child_run_free(&run);
}
END_TEST

/* Every run: each task once, five at once far below their 15 s in a row; returns 1 when
 * the results came back in the order 1..5. */
static long as_completed_run_in_order(const child_run *run)
{
    assert_exit_ok(run);
    assert_permutation_of_1_to_5(run, "as_completed_order");
    ck_assert(result_double(run, "as_completed_elapsed") < 10);
    ck_assert_int_eq(count_lines_with(run->out, "as_completed -> Done Sleeping"), 5);
    char order[64];
    return strcmp(result_text(run, "as_completed_order", order, sizeof order), "1,2,3,4,5") == 0;
}

START_TEST(as_completed_yields_1_to_5_with_five_workers)
{
    const char *args[] = {"--part=as_completed", "--speed", "20", NULL};
    ck_assert_msg(run_until_bug_shows("pool", args, as_completed_run_in_order) > 0,
                  "as_completed never yielded 1,2,3,4,5 in %d runs", BUG_TRIES);
}
END_TEST

START_TEST(wait_each_serialises_the_pool)
{
    child_run run = run_demo("pool", "--part=as_completed", "--wait-each", "--speed", "20", NULL);
    assert_exit_ok(&run);
    /* each task ended before the next was submitted: submission order, 15 s in all */
    assert_result_text(&run, "as_completed_order", "5,4,3,2,1");
    ck_assert(result_double(&run, "as_completed_elapsed") >= 14.99);
    ck_assert_int_eq(count_lines_with(run.out, "waiting for its result before submitting the next"),
                     5);
    child_run_free(&run);
}
END_TEST

START_TEST(two_workers_are_too_few_for_five_tasks)
{
    child_run run =
        run_demo("pool", "--part=as_completed", "--workers", "2", "--speed", "20", NULL);
    assert_exit_ok(&run);
    assert_permutation_of_1_to_5(&run, "as_completed_order");
    /* 5 and 4 first; 1 cannot start before 7 s: the whole takes at least 8 s */
    ck_assert(result_double(&run, "as_completed_elapsed") >= 7.99);
    ck_assert_int_le(result_int(&run, "as_completed_workers"), 2);
    child_run_free(&run);
}
END_TEST

START_TEST(a_part_prints_only_its_own_keys)
{
    static const char *const parts[] = {"as_completed", "map",      "loiter",
                                        "wait",         "callback", "failures"};
    static const char *const keys[] = {"as_completed_order", "map_order",
                                       "loiter_results",     "wait_first",
                                       "callback_calls",     "failures_exception"};
    for (int p = 0; p < 6; p++) {
        char option[32];
        snprintf(option, sizeof option, "--part=%s", parts[p]);
        child_run run = run_demo("pool", option, "--speed", "40", "--quiet", NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(count_lines_with(run.out, ""), 1); /* --quiet: only the result line */
        for (int k = 0; k < 6; k++)
            ck_assert_msg(result_has(&run, keys[k]) == (k == p), "--part=%s and key %s", parts[p],
                          keys[k]);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(the_loiter_trace_shows_each_start_and_end)
{
    child_run run = run_demo("pool", "--part=loiter", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(count_lines_with(run.out, "doing nothing for"), 5);
    ck_assert_int_eq(count_lines_with(run.out, "): done."), 5);
    ck_assert_int_eq(count_lines_with(run.out, "| result "), 5);
    ck_assert_ptr_nonnull(strstr(run.out, "result 4: 40"));
    ck_assert_int_eq(count_lines_with(run.out, "worker-3"), 0); /* never a fourth worker */
    child_run_free(&run);
}
END_TEST

/* The generic bad input is test_every_demo's; this conflict between flags is the demo's. */
START_TEST(bad_input_is_a_usage_error)
{
    assert_usage_error("pool", "--wait-each", "--part=map", NULL);
    assert_usage_error("pool", "--wait-each", "--part=loiter", NULL);
}
END_TEST

static Suite *pool_demo_suite(void)
{
    Suite *suite = suite_create("demo: pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, all_lessons_keep_their_guarantees);
    tcase_add_test(tc, as_completed_yields_1_to_5_with_five_workers);
    tcase_add_test(tc, wait_each_serialises_the_pool);
    tcase_add_test(tc, two_workers_are_too_few_for_five_tasks);
    tcase_add_test(tc, a_part_prints_only_its_own_keys);
    tcase_add_test(tc, failures_show_exception_cancel_and_timeout);
    tcase_add_test(tc, the_loiter_trace_shows_each_start_and_end);
    tcase_add_test(tc, bad_input_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(pool_demo_suite)
