/* test_demo_procpool.c — the process pool demo: the sum is right three ways, apply /
 * apply_async / map give the right results in order, the crashing task is reported with
 * SIGABRT and the pool goes on, terminate cancels every slow task and leaves no worker
 * process; the workers really are other processes; bad input is a usage error. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What every run must show, whatever the machine's speed. */
static void assert_the_story(const child_run *run, int processes)
{
    assert_exit_ok(run);
    assert_result_text(run, "sums_ok", "yes");
    assert_result_text(run, "apply", "ok");
    assert_result_text(run, "map", "in_order");
    assert_result_text(run, "crash", "reported");
    ck_assert_int_eq(result_int(run, "crash_signal"), 6); /* SIGABRT */
    assert_result_text(run, "goes_on", "yes");
    ck_assert_int_eq(result_int(run, "cancelled"), 4); /* every slow task, none left hanging */
    ck_assert_int_eq(result_int(run, "children_left"), 0);
    ck_assert_int_eq(result_int(run, "processes"), processes);
    ck_assert(result_double(run, "speedup_gil") > 0);
    ck_assert(result_double(run, "speedup_processes") > 0);
    ck_assert_int_eq(count_lines_with(run->out, "map(square, [1..5]) = [1, 4, 9, 16, 25]"), 1);
    ck_assert_int_eq(count_lines_with(run->out, "apply(square, 9) = 81"), 1);
}

/* The squares are said by the workers, never by main; the task after the crash runs in
 * another process than the one that aborted (it is dead). */
static void assert_workers_are_other_processes(const child_run *run)
{
    int workers = 0, aborted = -1, after = -1;
    for (const char *line = run->out; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        const char *text = strstr(line, "| pid ");
        if (text != NULL && (end == NULL || text < end)) {
            const char *name = strstr(line, "] ");
            ck_assert_msg(name != NULL && strncmp(name + 2, "worker-", 7) == 0,
                          "not a worker: %.60s", line);
            int pid = 0;
            char said[64] = "";
            sscanf(text, "| pid %d: %63[^\n]", &pid, said);
            if (strcmp(said, "abort()") == 0)
                aborted = pid;
            if (strcmp(said, "9 * 9") == 0)
                after = pid;
            workers++;
        }
        line = end != NULL ? end + 1 : NULL;
    }
    ck_assert_int_ge(workers, 1 + 1 + 5 + 1 + 1); /* apply, apply_async, map, crash, apply */
    ck_assert_int_gt(aborted, 0);
    ck_assert_int_gt(after, 0);
    ck_assert_int_ne(after, aborted);
}

START_TEST(the_whole_story_holds_every_run)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run = run_demo("procpool", "--work", "2000000", "--speed", "20", NULL);
        assert_the_story(&run, (int)result_int(&run, "cores")); /* the default: one per CPU */
        assert_workers_are_other_processes(&run);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(any_number_of_processes)
{
    const char *counts[] = {"1", "3", "5"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        child_run run = run_demo("procpool", "--processes", counts[i], "--work", "1000000",
                                 "--speed", "50", NULL);
        assert_the_story(&run, atoi(counts[i]));
        assert_workers_are_other_processes(&run);
        char said[64];
        snprintf(said, sizeof said, "a pool of %s worker processes", counts[i]);
        ck_assert_int_eq(count_lines_with(run.out, said), 1);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(bad_input_is_a_usage_error)
{
    assert_usage_error("procpool", "--processes", "-1", NULL);
    assert_usage_error("procpool", "--processes", "65", NULL);
    assert_usage_error("procpool", "--processes", "two", NULL);
    assert_usage_error("procpool", "--work", "999", NULL);
    assert_usage_error("procpool", "--work", "2000000001", NULL);
    assert_usage_error("procpool", "--work", "1e6", NULL);
    assert_usage_error("procpool", "--bogus", NULL);
}
END_TEST

START_TEST(help_says_what_it_shows)
{
    child_run run = run_demo("procpool", "--help", NULL);
    assert_exit_ok(&run);
    ck_assert(strstr(run.out, "multiprocessing.Pool") != NULL);
    ck_assert(strstr(run.out, "--processes") != NULL);
    child_run_free(&run);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("demo: procpool");
    TCase *tc = tcase_create("procpool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_whole_story_holds_every_run);
    tcase_add_test(tc, any_number_of_processes);
    tcase_add_test(tc, bad_input_is_a_usage_error);
    tcase_add_test(tc, help_says_what_it_shows);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(make_suite)
