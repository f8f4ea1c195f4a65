/* test_demo_join.c — joined sleepers take about one sleep, far below the serial time;
 * joined inside the start loop they take the serial time; a join with a short timeout
 * gives up while the thread is still alive; the set of remaining threads stays true. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
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
    ck_assert_int_eq(count_lines_with(run.out, "Sleeping 1.5 second"), 11); /* 10 + slowpoke */
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
    /* the slowpoke still finishes: the plain join waited for it, before main's summary */
    const char *done = strstr(run.out, "slowpoke   | Done Sleeping");
    const char *summary = strstr(run.out, "2 threads x 3 s took ");
    ck_assert_ptr_nonnull(done);
    ck_assert_ptr_nonnull(summary);
    ck_assert(done < summary);
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

/* The Lock-protected set of remaining threads: each line is printed in the same locked
 * step as the change it reports, so walking stdout in order (+1 per "Sleeping", -1 per
 * "Done") must give the count each "Done" line shows, whatever the schedule; the line
 * that leaves the set empty says NONE. */
static void check_remaining_lines(const child_run *run, int *nones)
{
    int running = 0;
    *nones = 0;
    for (const char *line = run->out; *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        char text[256];
        snprintf(text, sizeof text, "%.*s", (int)length, line);
        if (strstr(text, "| Sleeping ") != NULL) {
            running++;
        } else if (strstr(text, "| Done Sleeping...") != NULL) {
            running--;
            int shown = -1;
            const char *remaining = strstr(text, "(remaining ");
            if (strstr(text, "(remaining: NONE)") != NULL) {
                shown = 0;
                ++*nones;
            } else if (remaining != NULL) {
                shown = atoi(remaining + strlen("(remaining "));
            }
            ck_assert_msg(shown == running, "the set shows %d, %d are running: %s", shown, running,
                          text);
        }
        line += length + (end != NULL);
    }
    ck_assert_int_eq(running, 0);
}

START_TEST(the_set_of_remaining_threads_is_kept_under_a_lock)
{
    for (int i = 0; i < 3; i++) {
        child_run run = run_demo("join", "--speed", "20", "--threads", "12", NULL);
        assert_exit_ok(&run);
        int nones;
        check_remaining_lines(&run, &nones);
        ck_assert_int_ge(nones, 2); /* the last sleeper out, and the slowpoke */
        ck_assert_int_eq(count_lines_with(run.out, "the last one out, all DONE"), nones);
        ck_assert_int_eq(result_int(&run, "remaining"), 0);
        child_run_free(&run);
    }
}
END_TEST

/* "t.start(); t.join()" in one loop: the sleeps run in series. */
START_TEST(join_in_the_start_loop_serialises_the_threads)
{
    child_run run = run_demo("join", "--join-in-loop", "--threads", "4", "--seconds", "1",
                             "--speed", "20", NULL);
    assert_exit_ok(&run);
    char value[8];
    ck_assert_str_eq(result_text(&run, "join_in_loop", value, sizeof value), "yes");
    double elapsed = result_double(&run, "elapsed");
    ck_assert_msg(elapsed >= 3.99, "elapsed %.2f: four 1 s sleeps in series take 4 s", elapsed);
    int nones;
    check_remaining_lines(&run, &nones);
    ck_assert_int_eq(nones, 4 + 1); /* each sleeper ran alone, then the slowpoke */
    /* in series: each "Done" comes before the next "Sleeping" */
    const char *done0 = strstr(run.out, "sleeper-0  | Done");
    const char *sleep1 = strstr(run.out, "sleeper-1  | Sleeping");
    ck_assert(done0 != NULL && sleep1 != NULL && done0 < sleep1);
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
    tcase_add_test(tc, the_set_of_remaining_threads_is_kept_under_a_lock);
    tcase_add_test(tc, join_in_the_start_loop_serialises_the_threads);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(join_demo_suite)
