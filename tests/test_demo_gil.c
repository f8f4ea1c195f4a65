/* test_demo_gil.c — the gil demo's keys are present and sane, its sums are right, and its
 * simulated GIL hands over fairly (or, with --handoff=plain, lets one thread hog it).
 * No timing ratio is asserted here: they depend on the machine and its load; the
 * benchmark (tests/bench/bench_gil.sh) reports them. */
#include "support.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WORK     "2000000"
#define INTERVAL "100000"
#define SLICES   20 /* WORK / INTERVAL: slices per CPU job, each followed by an offer of the GIL */

/* A short run; threads NULL: the default (one per core). */
static child_run run_gil(const char *threads, const char *handoff)
{
    char handoff_flag[32];
    snprintf(handoff_flag, sizeof handoff_flag, "--handoff=%s", handoff);
    const char *args[] = {
        "--work",  WORK, "--switch-interval", INTERVAL,
        "--speed", "50", handoff_flag,        threads != NULL ? "--threads" : NULL,
        threads,   NULL};
    child_run run = run_demo_argv("gil", args, RUN_TIMEOUT);
    assert_exit_ok(&run);
    return run;
}

static void assert_speedups_positive(const child_run *run)
{
    const char *keys[] = {"cpu_speedup_nogil", "cpu_speedup_gil", "io_speedup_nogil",
                          "io_speedup_gil"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(result_double(run, keys[i]) > 0, "%s is not positive:\n%s", keys[i],
                      run->out);
}

START_TEST(keys_are_present_and_sane)
{
    child_run run = run_gil(NULL, "fair");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    ck_assert_int_eq(result_int(&run, "cores"), cores);
    ck_assert_int_eq(result_int(&run, "threads"), cores < 64 ? cores : 64); /* the default */
    ck_assert_int_eq(result_int(&run, "work"), 2000000);
    ck_assert_int_eq(result_int(&run, "switch_interval"), 100000);
    char text[32];
    ck_assert_str_eq(result_text(&run, "sum", text, sizeof text), "1999999000000"); /* n(n-1)/2 */
    ck_assert_str_eq(result_text(&run, "handoff", text, sizeof text), "fair");
    /* the verdict: shown, or said plainly that this machine cannot show it now */
    result_text(&run, "lesson", text, sizeof text);
    ck_assert_msg(strcmp(text, "shown") == 0 || strcmp(text, "machine-busy") == 0 ||
                      strcmp(text, "one-core") == 0,
                  "lesson=%s", text);
    ck_assert_int_eq(
        count_lines_with(run.out, strcmp(text, "machine-busy") == 0 ? "too busy to show the lesson"
                                  : strcmp(text, "shown") == 0      ? "faster without a GIL"
                                                                    : "one core or one thread"),
        1);
    assert_speedups_positive(&run);
    ck_assert_int_ge(result_int(&run, "gil_switches"), 1);
    /* every job of every way printed its sum, and the table has its two speed-up rows */
    /* sequential, threads, threads + GIL: each --repeat times (default 3) */
    int jobs = 3 * (int)result_int(&run, "threads") * (int)result_int(&run, "repeat");
    ck_assert_int_eq(result_int(&run, "repeat"), 3);
    ck_assert_int_eq(count_lines_with(run.out, "my_flow(2000000) = 1999999000000"), jobs);
    ck_assert_int_eq(count_lines_with(run.out, "  speed-up "), 2);
    child_run_free(&run);
}
END_TEST

START_TEST(tiny_sums_follow_the_closed_form)
{
    const char *works[] = {"1", "2", "3", "1001", "65536"};
    const char *sums[] = {"0", "1", "3", "500500", "2147450880"};
    for (size_t i = 0; i < sizeof works / sizeof works[0]; i++) {
        child_run run = run_demo("gil", "--work", works[i], "--threads", "2", "--speed", "100",
                                 "--quiet", NULL);
        assert_exit_ok(&run);
        char sum[32];
        ck_assert_str_eq(result_text(&run, "sum", sum, sizeof sum), sums[i]);
        assert_speedups_positive(&run);
        child_run_free(&run);
    }
}
END_TEST

/* Fair handoff: main lets the threads go only when all are queued for the GIL, and a holder
 * that offers it to a waiting thread does not take it back before that thread has had it:
 * while two jobs are unfinished, every offer is a switch. So a job of SLICES slices means
 * at least SLICES switches, in every run. */
START_TEST(fair_handoff_switches_at_every_offer)
{
    const char *counts[] = {"2", "3", "2", "4"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        child_run run = run_gil(counts[i], "fair");
        ck_assert_int_ge(result_int(&run, "gil_switches"), SLICES);
        child_run_free(&run);
    }
}
END_TEST

/* Every run of --handoff=plain: the sum is right; returns 1 when the GIL changed hands at
 * fewer offers than a fair handoff would (the hogging shows), else 0. */
static long plain_run_hogged(const child_run *run)
{
    assert_exit_ok(run);
    char text[32];
    ck_assert_str_eq(result_text(run, "sum", text, sizeof text), "1999999000000");
    return result_int(run, "gil_switches") < SLICES;
}

/* Plain unlock-then-lock: the thread that lets go usually takes the GIL straight back. */
START_TEST(plain_handoff_lets_one_thread_hog_the_gil)
{
    const char *args[] = {"--work",  WORK, "--switch-interval", INTERVAL,
                          "--speed", "50", "--handoff=plain",   "--threads",
                          "2",       NULL};
    ck_assert_msg(run_until_bug_shows("gil", args, plain_run_hogged) > 0,
                  "plain handoff switched at every offer (>= %d times) in %d runs", SLICES,
                  BUG_TRIES);
}
END_TEST

/* test_every_demo's matrix refuses min - 1, 10 x max + 1, bogus choices...; these are the
 * edges it does not generate: one past each maximum, and a count written as a real. */
START_TEST(input_just_past_the_limits_is_a_usage_error)
{
    assert_usage_error("gil", "--threads", "65", NULL);
    assert_usage_error("gil", "--work", "2000000001", NULL);
    assert_usage_error("gil", "--work", "1e6", NULL);
}
END_TEST

static Suite *gil_demo_suite(void)
{
    Suite *suite = suite_create("demo: gil");
    TCase *tc = tcase_create("gil");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, keys_are_present_and_sane);
    tcase_add_test(tc, tiny_sums_follow_the_closed_form);
    tcase_add_test(tc, fair_handoff_switches_at_every_offer);
    tcase_add_test(tc, plain_handoff_lets_one_thread_hog_the_gil);
    tcase_add_test(tc, input_just_past_the_limits_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(gil_demo_suite)
