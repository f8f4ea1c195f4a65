/* test_demo_join.c — joined sleepers take about one sleep, far below the serial time;
 * a join with a short timeout gives up while the thread is still alive. */
#include "support.h"

#include <string.h>

START_TEST(ten_sleepers_take_one_sleep_not_ten)
{
    child_run run = run_demo("join", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "threads"), 10);
    ck_assert_double_eq(result_double(&run, "sleep"), 1.5);
    double elapsed = result_double(&run, "elapsed");
    double serial = result_double(&run, "serial_would_take");
    ck_assert_double_eq(serial, 15);
    ck_assert_msg(elapsed >= 1.49, "elapsed %.2f is shorter than one sleep", elapsed);
    ck_assert_msg(elapsed < serial / 2, "elapsed %.2f: the sleeps did not overlap", elapsed);
    ck_assert_int_eq(count_lines_with(run.out, "Sleeping 1.5 second"), 11);   /* 10 + slowpoke */
    ck_assert_int_eq(count_lines_with(run.out, "Done Sleeping"), 11);
    child_run_free(&run);
}
END_TEST

START_TEST(join_with_timeout_returns_while_the_thread_lives)
{
    child_run run = run_demo("join", "--threads", "2", "--seconds", "3", "--speed", "20", NULL);
    assert_exit_ok(&run);
    char how[32];
    ck_assert_str_eq(result_text(&run, "timed_join", how, sizeof how), "timeout");
    ck_assert_ptr_nonnull(strstr(run.out, "still alive (is_alive() = True)"));
    /* the slowpoke still finishes: the plain join waited for it */
    ck_assert_ptr_nonnull(strstr(run.out, "slowpoke has ended"));
    child_run_free(&run);
}
END_TEST

START_TEST(many_threads_still_overlap)
{
    child_run run = run_demo("join", "--threads", "200", "--seconds", "2", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "threads"), 200);
    ck_assert(result_double(&run, "elapsed") < result_double(&run, "serial_would_take") / 10);
    child_run_free(&run);
}
END_TEST

static Suite *join_demo_suite(void)
{
    Suite *suite = suite_create("demo: join");
    TCase *tc = tcase_create("join");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, ten_sleepers_take_one_sleep_not_ten);
    tcase_add_test(tc, join_with_timeout_returns_while_the_thread_lives);
    tcase_add_test(tc, many_threads_still_overlap);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(join_demo_suite)
