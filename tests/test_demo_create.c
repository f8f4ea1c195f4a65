/* test_demo_create.c — the create demo: every way starts its threads, all finish, overlapped;
 * enumerate() lists the named threads; bare (_thread) ones are neither counted nor joined. */
#include "support.h"

#include <string.h>

START_TEST(all_four_ways_start_and_finish_their_threads)
{
    child_run run = run_demo("create", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "threads"), 6);
    ck_assert_int_eq(result_int(&run, "bare"), 2);
    ck_assert_int_eq(result_int(&run, "finished"), 8);
    double elapsed = result_double(&run, "elapsed");
    ck_assert_msg(elapsed >= 3.99 && elapsed < 16,
                  "elapsed %.2f: want the longest loop (4), not the sum (16)", elapsed);
    ck_assert_int_eq(count_lines_with(run.out, "| start loop"), 8);
    ck_assert_int_eq(count_lines_with(run.out, "| loop "), 8);
    const char *names[] = {"function-0", "function-1", "object-0",
                           "object-1",   "subclass-0", "subclass-1"};
    for (int i = 0; i < 6; i++) /* its two lines, and its place in enumerate's list */
        ck_assert_int_eq(count_lines_with(run.out, names[i]), 3);
    ck_assert_int_eq(count_lines_with(run.out, "bare-0"), 2);
    ck_assert_int_eq(count_lines_with(run.out, "bare-1"), 2);
    child_run_free(&run);
}
END_TEST

/* _thread.start_new_thread: a bare pthread is invisible to active_count() and enumerate(),
 * and main learns of its end only from a counter (no join). */
START_TEST(bare_threads_are_not_counted_listed_or_joined)
{
    child_run run = run_demo("create", "--way=bare", "--speed", "40", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "threads"), 0);
    ck_assert_int_eq(result_int(&run, "bare"), 2);
    ck_assert_int_eq(result_int(&run, "listed"), 1);   /* enumerate(): main alone */
    ck_assert_int_eq(result_int(&run, "finished"), 2); /* polled, not joined: all ended */
    ck_assert_ptr_nonnull(strstr(run.out, "active_count() = 1 (bare ones not counted)"));
    ck_assert_ptr_nonnull(strstr(run.out, "| enumerate: main\n"));
    ck_assert_int_eq(count_lines_with(run.out, "no handle to join"), 1);
    child_run_free(&run);
}
END_TEST

START_TEST(enumerate_lists_main_and_the_named_threads_in_start_order)
{
    child_run run = run_demo("create", "--speed", "40", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "listed"), 7);
    ck_assert_ptr_nonnull(strstr(run.out, "| enumerate: main function-0 object-0 subclass-0 "
                                          "function-1 object-1 subclass-1\n"));
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
        ck_assert_int_eq(count_lines_with(run.out, prefix[i]), 5); /* + enumerate's line */
        child_run_free(&run);
    }
}
END_TEST

static Suite *create_demo_suite(void)
{
    Suite *suite = suite_create("demo: create");
    TCase *tc = tcase_create("create");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, all_four_ways_start_and_finish_their_threads);
    tcase_add_test(tc, bare_threads_are_not_counted_listed_or_joined);
    tcase_add_test(tc, enumerate_lists_main_and_the_named_threads_in_start_order);
    tcase_add_test(tc, each_way_alone_runs_two_threads);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(create_demo_suite)
