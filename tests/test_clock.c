/* test_clock.c — the speed factor scales every sleep and deadline, and nothing else. */
#include "support.h"

#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

START_TEST(default_speed_is_class_pace)
{
    ck_assert_double_eq(lab_speed(), 1.0);
    ck_assert_double_eq(lab_real_seconds(1.5), 1.5);
}
END_TEST

START_TEST(sleep_is_divided_by_the_speed)
{
    lab_set_speed(20);
    double begin = lab_now();
    lab_sleep(2.0); /* 0.1 real seconds at 20x */
    double took = lab_now() - begin;
    ck_assert_msg(took >= 0.1, "slept %.3f s, less than 2.0 / 20", took);
    ck_assert_msg(took < 1.0, "slept %.3f s: the factor was not applied", took);
}
END_TEST

START_TEST(speed_below_one_slows_down)
{
    lab_set_speed(0.5);
    double begin = lab_now();
    lab_sleep(0.05);
    ck_assert(lab_now() - begin >= 0.1);
}
END_TEST

START_TEST(conversions_are_inverse)
{
    lab_set_speed(8);
    ck_assert_double_eq_tol(lab_real_seconds(4), 0.5, 1e-12);
    ck_assert_double_eq_tol(lab_class_seconds(0.5), 4, 1e-12);
    ck_assert_double_eq_tol(lab_class_seconds(lab_real_seconds(1.234)), 1.234, 1e-12);
}
END_TEST

START_TEST(bad_factors_are_ignored)
{
    lab_set_speed(3);
    lab_set_speed(0);
    lab_set_speed(-2);
    lab_set_speed(1.0 / 0.0);
    ck_assert_double_eq(lab_speed(), 3);
}
END_TEST

START_TEST(zero_sleep_returns_at_once)
{
    double begin = lab_now();
    lab_sleep(0);
    ck_assert(lab_now() - begin < 0.05);
}
END_TEST

/* A negative, NaN or infinite sleep is a programming error: it aborts, naming the caller
 * (the message is checked below; here it would only clutter the suite's output). */
static void silence_stderr(void)
{
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0)
        dup2(null, STDERR_FILENO);
}

START_TEST(negative_sleep_aborts)
{
    silence_stderr();
    lab_sleep(-1);
}
END_TEST

START_TEST(nan_sleep_aborts)
{
    silence_stderr();
    lab_sleep(NAN);
}
END_TEST

START_TEST(infinite_sleep_aborts)
{
    silence_stderr();
    lab_sleep(INFINITY);
}
END_TEST

static void sleep_minus_one(void *unused)
{
    (void)unused;
    printf("%d", __LINE__ + 2);
    fflush(stdout);
    lab_sleep(-1);
}

START_TEST(bad_sleep_names_the_value_and_the_callers_line)
{
    child_run run = run_in_child(sleep_minus_one, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    char expected[256];
    snprintf(expected, sizeof expected, "fatal: lab_sleep(-1.000) at tests/test_clock.c:%s: %s\n",
             run.out, strerror(EINVAL));
    ck_assert_str_eq(run.err, expected);
    child_run_free(&run);
}
END_TEST

START_TEST(the_rule_for_time)
{
    ck_assert_int_eq(lab_clock_check_duration(0), 0);
    ck_assert_int_eq(lab_clock_check_duration(1e300), 0);
    ck_assert_int_eq(lab_clock_check_duration(-1e-9), EINVAL);
    ck_assert_int_eq(lab_clock_check_duration(NAN), EINVAL);
    ck_assert_int_eq(lab_clock_check_duration(INFINITY), EINVAL);
    ck_assert_int_eq(lab_clock_check_duration(-INFINITY), EINVAL);
}
END_TEST

START_TEST(timespec_arithmetic_is_normalised_and_capped)
{
    struct timespec t = lab_timespec_from_seconds(1.75);
    ck_assert_int_eq(t.tv_sec, 1);
    ck_assert_int_eq(t.tv_nsec, 750000000L);
    struct timespec sum = lab_timespec_add(t, lab_timespec_from_seconds(0.5));
    ck_assert_int_eq(sum.tv_sec, 2);
    ck_assert_int_eq(sum.tv_nsec, 250000000L);
    ck_assert_int_eq(lab_timespec_from_seconds(-3).tv_sec, 0);
    ck_assert_int_eq(lab_timespec_from_seconds(NAN).tv_sec, 0);
    ck_assert_int_eq(lab_timespec_from_seconds(INFINITY).tv_sec, (time_t)LAB_CLOCK_LONGEST_WAIT);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct timespec later = lab_timespec_after(CLOCK_REALTIME, 1e30); /* cut, never overflows */
    ck_assert(later.tv_sec > now.tv_sec);
    ck_assert(later.tv_sec <= now.tv_sec + (time_t)LAB_CLOCK_LONGEST_WAIT + 1);
    ck_assert_int_lt(later.tv_nsec, 1000000000L);
}
END_TEST

START_TEST(deadline_is_scaled_and_in_the_future)
{
    lab_set_speed(10);
    struct timespec deadline = lab_deadline(5); /* 0.5 real seconds away */
    double left = lab_seconds_until(&deadline);
    ck_assert_msg(left > 0.4 && left <= 0.5, "deadline %.3f s away", left);
    ck_assert_int_lt(deadline.tv_nsec, 1000000000L);
    struct timespec past = lab_deadline(-1);
    ck_assert(lab_seconds_until(&past) <= 0);
}
END_TEST

START_TEST(elapsed_counts_up_from_program_start)
{
    double first = lab_elapsed();
    ck_assert(first >= 0);
    lab_sleep(0.01);
    ck_assert(lab_elapsed() > first);
}
END_TEST

static Suite *clock_suite(void)
{
    Suite *suite = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, default_speed_is_class_pace);
    tcase_add_test(tc, sleep_is_divided_by_the_speed);
    tcase_add_test(tc, speed_below_one_slows_down);
    tcase_add_test(tc, conversions_are_inverse);
    tcase_add_test(tc, bad_factors_are_ignored);
    tcase_add_test(tc, zero_sleep_returns_at_once);
    tcase_add_test(tc, bad_sleep_names_the_value_and_the_callers_line);
    tcase_add_test(tc, the_rule_for_time);
    tcase_add_test(tc, timespec_arithmetic_is_normalised_and_capped);
    tcase_add_test_raise_signal(tc, negative_sleep_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, nan_sleep_aborts, SIGABRT);
    tcase_add_test_raise_signal(tc, infinite_sleep_aborts, SIGABRT);
    tcase_add_test(tc, deadline_is_scaled_and_in_the_future);
    tcase_add_test(tc, elapsed_counts_up_from_program_start);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(clock_suite)
