/* test_demo_timer.c — hello fires after its delay; a cancelled reminder never runs; a late
 * cancel is reported as too late; bad input is a usage error. */
#include "support.h"

#include <string.h>

/* Whatever the timing: exactly one of "cancel prevented it" and "it ran" holds. */
static void assert_one_winner(const child_run *run)
{
    long long fired = result_int(run, "fired");
    long long cancelled = result_int(run, "cancelled");
    ck_assert_int_eq(fired + cancelled, 2);
    ck_assert_int_eq(count_lines_with(run->out, "reminder: this line only appears"), cancelled ? 0 : 1);
    ck_assert_int_eq(count_lines_with(run->out, "hello, world"), 1);
    ck_assert_msg(result_double(run, "hello_after") >= 4.99, "hello fired early: %.2f",
                  result_double(run, "hello_after"));
}

START_TEST(cancel_in_time_prevents_the_reminder)
{
    int prevented = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run = run_demo("timer", "--speed", "20", NULL);
        assert_exit_ok(&run);
        assert_one_winner(&run);
        prevented += (int)result_int(&run, "cancelled");
        if (result_int(&run, "cancelled") == 1) {
            ck_assert_ptr_nonnull(strstr(run.out, "cancel(reminder) -> true"));
            ck_assert_int_eq(result_int(&run, "fired"), 1);
        }
        child_run_free(&run);
    }
    ck_assert_msg(prevented > 0, "cancel at 1 s never beat the 3 s reminder in 3 runs");
}
END_TEST

START_TEST(a_late_cancel_is_too_late)
{
    int late = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run = run_demo("timer", "--cancel-late", "--speed", "20", NULL);
        assert_exit_ok(&run);
        assert_one_winner(&run);
        if (result_int(&run, "cancelled") == 0) {
            late++;
            ck_assert_ptr_nonnull(strstr(run.out, "cancel(reminder) -> false: too late"));
        }
        child_run_free(&run);
    }
    ck_assert_msg(late > 0, "cancel at 4 s was never too late for the 3 s reminder in 3 runs");
}
END_TEST

START_TEST(the_hello_comes_from_the_timer_thread)
{
    child_run run = run_demo("timer", "--delay", "2", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(count_lines_with(run.out, "timer-1    | hello, world"), 1);
    ck_assert(result_double(&run, "hello_after") >= 1.99);
    ck_assert_int_eq(count_lines_with(run.out, "start() returned at once"), 1);
    child_run_free(&run);
}
END_TEST

START_TEST(quiet_prints_only_the_result)
{
    child_run run = run_demo("timer", "--speed", "50", "--quiet", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(count_lines_with(run.out, ""), 1);
    ck_assert(result_has(&run, "fired"));
    child_run_free(&run);
}
END_TEST

START_TEST(bad_input_is_a_usage_error)
{
    assert_usage_error("timer", "--delay", "0", NULL);
    assert_usage_error("timer", "--delay", "-5", NULL);
    assert_usage_error("timer", "--delay", "5s", NULL);
    assert_usage_error("timer", "--delay", "601", NULL);
    assert_usage_error("timer", "--cancel-late=yes", NULL);
    assert_usage_error("timer", "--bogus", NULL);
}
END_TEST

static Suite *timer_demo_suite(void)
{
    Suite *suite = suite_create("demo: timer");
    TCase *tc = tcase_create("timer");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, cancel_in_time_prevents_the_reminder);
    tcase_add_test(tc, a_late_cancel_is_too_late);
    tcase_add_test(tc, the_hello_comes_from_the_timer_thread);
    tcase_add_test(tc, quiet_prints_only_the_result);
    tcase_add_test(tc, bad_input_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(timer_demo_suite)
