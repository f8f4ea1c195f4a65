/* test_demo_barrier.c — with the barrier nobody starts before the last runner is at the
 * line, in every heat of every run, and exactly one thread per heat is the serial one;
 * without it, runners start early. */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* The line number (from 0) of the first or last line of text that contains needle; -1 if none. */
static int line_with(const char *text, const char *needle, bool last)
{
    int found = -1, number = 0;
    for (const char *p = text; p != NULL && *p != '\0'; number++) {
        const char *end = strchr(p, '\n');
        size_t length = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *hit = strstr(p, needle);
        if (hit != NULL && hit < p + length) {
            found = number;
            if (!last)
                return found;
        }
        p = end != NULL ? end + 1 : NULL;
    }
    return found;
}

/* In the story, every arrival of each heat comes before any start of that heat. */
static void assert_arrivals_before_starts(const child_run *run, int heats, int threads)
{
    for (int heat = 1; heat <= heats; heat++) {
        char arrived[64], off[64], bang[64];
        snprintf(arrived, sizeof arrived, "| heat %d: at the start line", heat);
        snprintf(off, sizeof off, "| heat %d: off", heat);
        snprintf(bang, sizeof bang, "| heat %d: all %d here, I'm the serial thread: BANG!", heat,
                 threads);
        ck_assert_int_eq(count_lines_with(run->out, arrived), threads);
        ck_assert_int_eq(count_lines_with(run->out, off), threads - 1);
        ck_assert_int_eq(count_lines_with(run->out, bang), 1);
        int last_arrival = line_with(run->out, arrived, true);
        int first_off = line_with(run->out, off, false), fired = line_with(run->out, bang, false);
        ck_assert_msg(last_arrival < fired && (first_off < 0 || last_arrival < first_off),
                      "heat %d: a runner was off before everyone was at the line:\n%s", heat,
                      run->out);
    }
}

START_TEST(everyone_starts_together_every_heat)
{
    for (int attempt = 0; attempt < 6; attempt++) {
        char seed[16];
        snprintf(seed, sizeof seed, "%d", 7 + attempt);
        child_run run = run_demo("barrier", "--speed", "50", "--seed", seed, NULL);
        assert_exit_ok(&run);
        char serial[64], barrier[8];
        ck_assert_int_eq(result_int(&run, "threads"), 5);
        ck_assert_int_eq(result_int(&run, "heats"), 2);
        ck_assert_str_eq(result_text(&run, "barrier", barrier, sizeof barrier), "yes");
        ck_assert_str_eq(result_text(&run, "serial_per_heat", serial, sizeof serial), "1,1");
        ck_assert_int_eq(result_int(&run, "early_starts"), 0);
        ck_assert(result_double(&run, "start_spread_ms") >= 0);
        assert_arrivals_before_starts(&run, 2, 5);
        ck_assert_int_eq(count_lines_with(run.out, ": finished,"), 10);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(many_runners_many_heats_one_serial_each)
{
    child_run run = run_demo("barrier", "--threads", "40", "--heats", "6", "--speed", "100", NULL);
    assert_exit_ok(&run);
    char serial[64];
    ck_assert_str_eq(result_text(&run, "serial_per_heat", serial, sizeof serial), "1,1,1,1,1,1");
    ck_assert_int_eq(result_int(&run, "early_starts"), 0);
    assert_arrivals_before_starts(&run, 6, 40);
    child_run_free(&run);
}
END_TEST

START_TEST(a_single_runner_is_its_own_serial_thread)
{
    child_run run = run_demo("barrier", "--threads", "1", "--heats", "3", "--speed", "100", NULL);
    assert_exit_ok(&run);
    char serial[64];
    ck_assert_str_eq(result_text(&run, "serial_per_heat", serial, sizeof serial), "1,1,1");
    ck_assert_double_eq(result_double(&run, "start_spread_ms"), 0);
    child_run_free(&run);
}
END_TEST

/* Every --no-barrier run: no serial thread, no pistol; returns the early starts. */
static long no_barrier_run_early_starts(const child_run *run)
{
    assert_exit_ok(run);
    char serial[64], barrier[8];
    ck_assert_str_eq(result_text(run, "barrier", barrier, sizeof barrier), "no");
    ck_assert_str_eq(result_text(run, "serial_per_heat", serial, sizeof serial), "0,0");
    ck_assert_int_eq(count_lines_with(run->out, "BANG"), 0);
    ck_assert(result_double(run, "start_spread_ms") >= 0);
    return (long)result_int(run, "early_starts");
}

/* Without the barrier some runner starts before the last one has arrived. */
START_TEST(without_the_barrier_runners_start_early)
{
    const char *args[] = {"--no-barrier", "--speed", "50", NULL};
    ck_assert_msg(run_until_bug_shows("barrier", args, no_barrier_run_early_starts) > 0,
                  "%d runs without a barrier and nobody started early", BUG_TRIES);
}
END_TEST

static Suite *barrier_demo_suite(void)
{
    Suite *suite = suite_create("demo: barrier");
    TCase *tc = tcase_create("barrier");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, everyone_starts_together_every_heat);
    tcase_add_test(tc, many_runners_many_heats_one_serial_each);
    tcase_add_test(tc, a_single_runner_is_its_own_serial_thread);
    tcase_add_test(tc, without_the_barrier_runners_start_early);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(barrier_demo_suite)
