/* test_demo_create.c — the create demo: every way starts its threads, all finish, overlapped. */
#include "support.h"

#include <string.h>

START_TEST(all_three_ways_start_and_finish_their_threads)
{
    child_run run = run_demo("create", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "threads"), 6);
    ck_assert_int_eq(result_int(&run, "finished"), 6);
    double elapsed = result_double(&run, "elapsed");
    ck_assert_msg(elapsed >= 3.99 && elapsed < 12, "elapsed %.2f: want the longest loop (4), not the sum (12)", elapsed);
    ck_assert_int_eq(count_lines_with(run.out, "| start loop"), 6);
    ck_assert_int_eq(count_lines_with(run.out, "done"), 6 + 1);   /* + main's "all done" */
    const char *names[] = {"function-0", "function-1", "object-0", "object-1", "subclass-0", "subclass-1"};
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(count_lines_with(run.out, names[i]), 2);
    child_run_free(&run);
}
END_TEST

START_TEST(each_way_alone_runs_two_threads)
{
    const char *ways[] = {"--way=function", "--way=object", "--way=subclass"};
    const char *prefix[] = {"function-", "object-", "subclass-"};
    for (int i = 0; i < 3; i++) {
        child_run run = run_demo("create", ways[i], "--speed", "40", NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "threads"), 2);
        ck_assert_int_eq(result_int(&run, "finished"), 2);
        ck_assert_int_eq(count_lines_with(run.out, prefix[i]), 4);
        child_run_free(&run);
    }
}
END_TEST

static Suite *create_demo_suite(void)
{
    Suite *suite = suite_create("demo: create");
    TCase *tc = tcase_create("create");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, all_three_ways_start_and_finish_their_threads);
    tcase_add_test(tc, each_way_alone_runs_two_threads);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(create_demo_suite)
