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
    ck_assert_int_eq(count_lines_with(run->out, "reminder: this line only appears"),
                     cancelled ? 0 : 1);
    ck_assert_int_eq(count_lines_with(run->out, "hello, world"), 1);
    ck_assert_msg(result_double(run, "hello_after") >= 4.99, "hello fired early: %.2f",
                  result_double(run, "hello_after"));
}

/* Every run: one winner; returns 1 when cancel() prevented the reminder, as it said. */
static long run_prevented(const child_run *run)
{
    assert_exit_ok(run);
    assert_one_winner(run);
    if (result_int(run, "cancelled") != 1)
        return 0;
    ck_assert_ptr_nonnull(strstr(run->out, "cancel(reminder) -> true"));
    ck_assert_int_eq(result_int(run, "fired"), 1);
    return 1;
}

/* Every run: one winner; returns 1 when cancel() came too late, as it said. */
static long run_too_late(const child_run *run)
{
    assert_exit_ok(run);
    assert_one_winner(run);
    if (result_int(run, "cancelled") != 0)
        return 0;
    ck_assert_ptr_nonnull(strstr(run->out, "cancel(reminder) -> false: too late"));
    return 1;
}

/* The timing is the class's (1 s before a 3 s timer), so each should show in the first run;
 * the retries only absorb a machine too loaded to keep a 50 ms margin. */
START_TEST(cancel_in_time_prevents_the_reminder)
{
    const char *args[] = {"--speed", "20", NULL};
    ck_assert_msg(run_until_bug_shows("timer", args, run_prevented) > 0,
                  "cancel at 1 s never beat the 3 s reminder in %d runs", BUG_TRIES);
}
END_TEST

START_TEST(a_late_cancel_is_too_late)
{
    const char *args[] = {"--cancel-late", "--speed", "20", NULL};
    ck_assert_msg(run_until_bug_shows("timer", args, run_too_late) > 0,
                  "cancel at 4 s was never too late for the 3 s reminder in %d runs", BUG_TRIES);
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

static Suite *timer_demo_suite(void)
{
    Suite *suite = suite_create("demo: timer");
    TCase *tc = tcase_create("timer");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, cancel_in_time_prevents_the_reminder);
    tcase_add_test(tc, a_late_cancel_is_too_late);
    tcase_add_test(tc, the_hello_comes_from_the_timer_thread);
    tcase_add_test(tc, quiet_prints_only_the_result);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(timer_demo_suite)
