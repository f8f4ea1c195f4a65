/* test_demo_mutex.c — with the mutex nothing is ever lost, and the trace shows one holder
 * at a time. */
#include "support.h"

#include <stdio.h>
#include <string.h>

START_TEST(window_mode_is_exact_every_run)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        child_run run = run_demo("mutex", "--speed", "50", "--quiet", NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "expected"), 0);
        ck_assert_int_eq(result_int(&run, "actual"), 0);
        ck_assert_int_eq(result_int(&run, "lost"), 0);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(loop_mode_is_exact_every_run)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        child_run run = run_demo("mutex", "--mode=loop", "--threads", "4", "--iterations", "200000",
                                 "--quiet", NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "expected"), 800000);
        ck_assert_int_eq(result_int(&run, "actual"), 800000);
        ck_assert_int_eq(result_int(&run, "lost"), 0);
        child_run_free(&run);
    }
}
END_TEST

/* The thread name in a say() line: "[  0.050] t3         | ..." */
static void name_of(const char *line, char *name, size_t size)
{
    snprintf(name, size, "%.10s", line + 10);
}

START_TEST(trace_shows_one_lock_holder_at_a_time)
{
    child_run run = run_demo("mutex", "--threads", "8", "--speed", "50", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(count_lines_with(run.out, "lock start"), 8);
    ck_assert_int_eq(count_lines_with(run.out, "lock end"), 8);
    /* "got the lock" and "releasing" are both said while holding the lock, so they must
     * alternate, each pair from one thread, and the values must count down 8, 7, ... 1. */
    char holder[16] = "";
    int expected_read = 8;
    for (const char *line = run.out; line != NULL && *line != '\0';
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        char name[16];
        int value;
        if (sscanf(line + 20, " | got the lock, read n = %d", &value) == 1) {
            ck_assert_msg(holder[0] == '\0', "two holders at once:\n%s", run.out);
            ck_assert_int_eq(value, expected_read--);
            name_of(line, holder, sizeof holder);
        } else if (strncmp(line + 20, " | wrote n = ", 13) == 0) {
            name_of(line, name, sizeof name);
            ck_assert_str_eq(name, holder);
            holder[0] = '\0';
        }
    }
    ck_assert_int_eq(expected_read, 0);
    child_run_free(&run);
}
END_TEST

/* The one conflict of the demo's own, as in race (the generic bad input of every option
 * is test_every_demo's). */
START_TEST(window_mode_refuses_millions_of_iterations)
{
    assert_usage_error("mutex", "--iterations", "101", NULL); /* window mode: 0.1 s each */
    assert_usage_error("mutex", "--mode=window", "--iterations", "1000000", NULL);
}
END_TEST

static Suite *mutex_demo_suite(void)
{
    Suite *suite = suite_create("demo: mutex");
    TCase *tc = tcase_create("mutex");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, window_mode_is_exact_every_run);
    tcase_add_test(tc, loop_mode_is_exact_every_run);
    tcase_add_test(tc, trace_shows_one_lock_holder_at_a_time);
    tcase_add_test(tc, window_mode_refuses_millions_of_iterations);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(mutex_demo_suite)
