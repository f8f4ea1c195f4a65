/* test_demo_race.c — without a lock, updates get lost: never more than done, and in a few
 * runs of the tight loop on two CPUs, some are lost. */
#include "support.h"

#include <string.h>

/* Every run: never more increments than were done; returns how many were lost. */
static long loop_run_lost(const child_run *run)
{
    assert_exit_ok(run);
    long long expected = result_int(run, "expected");
    long long actual = result_int(run, "actual");
    ck_assert_int_eq(expected, 4000000);
    ck_assert_msg(actual <= expected, "more increments than were done: %lld > %lld", actual,
                  expected);
    ck_assert_int_eq(result_int(run, "lost"), expected - actual);
    return (long)(expected - actual);
}

START_TEST(tight_loop_loses_updates_in_some_run)
{
    const char *args[] = {"--mode=loop", "--threads", "4", "--iterations",
                          "1000000",     "--quiet",   NULL};
    ck_assert_msg(run_until_bug_shows("race", args, loop_run_lost) > 0,
                  "%d runs of 4 x 1000000 unlocked increments lost nothing", BUG_TRIES);
}
END_TEST

/* Every run of 20 threads in a 10 ms window: bounds and one read and one write per thread;
 * returns how many updates were lost. */
static long window_run_lost(const child_run *run)
{
    assert_exit_ok(run);
    long long actual = result_int(run, "actual");
    ck_assert_int_eq(result_int(run, "expected"), 0);
    /* each thread wrote (what it read) - 1, so the last write is below the start */
    ck_assert(actual >= 0 && actual <= 19);
    ck_assert_int_eq(result_int(run, "lost"), actual);
    ck_assert_int_eq(count_lines_with(run->out, "| read n = "), 20);
    ck_assert_int_eq(count_lines_with(run->out, "| wrote n = "), 20);
    return (long)actual;
}

START_TEST(window_mode_keeps_its_bounds_and_loses_updates)
{
    const char *args[] = {"--threads", "20", "--speed", "10", NULL};
    ck_assert_msg(run_until_bug_shows("race", args, window_run_lost) > 0,
                  "%d runs of 20 threads in a 10 ms window lost nothing", BUG_TRIES);
}
END_TEST

/* The one conflict of race's own: window mode sleeps 0.1 s per update (the generic bad
 * input of every option is test_every_demo's). */
START_TEST(window_mode_refuses_millions_of_iterations)
{
    assert_usage_error("race", "--iterations", "101", NULL);
    assert_usage_error("race", "--mode=window", "--iterations", "1000000", NULL);
}
END_TEST

static Suite *race_demo_suite(void)
{
    Suite *suite = suite_create("demo: race");
    TCase *tc = tcase_create("race");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tight_loop_loses_updates_in_some_run);
    tcase_add_test(tc, window_mode_keeps_its_bounds_and_loses_updates);
    tcase_add_test(tc, window_mode_refuses_millions_of_iterations);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(race_demo_suite)
