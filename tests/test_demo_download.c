/* test_demo_download.c — the three runs download and verify the same files; their times
 * respect what the sleeps guarantee (sequential >= the sum of the latencies, threads >= the
 * longest, a pool of W >= sum / W) and the overlapping runs are far below sequential; a 404
 * is reported, not fatal; the progress bar; the temporary directory is removed; an unknown
 * --fail code is a usage error. The speed-up figures themselves are in tests/bench/bench_download.sh. */
#include "support.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

START_TEST(three_runs_within_their_guaranteed_bounds)
{
    child_run run = run_demo("download", "--speed", "20", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "files"), 20);
    ck_assert_int_eq(result_int(&run, "failed"), 0);
    ck_assert_int_eq(result_int(&run, "verified"), 20);
    int workers = (int)result_int(&run, "workers");
    double sum = result_double(&run, "latency_sum"), longest = result_double(&run, "latency_max");
    double sequential = result_double(&run, "sequential");
    double threads = result_double(&run, "threads");
    double pool = result_double(&run, "pool");
    /* Lower bounds the sleeps guarantee (0.01: the key's rounding). */
    ck_assert_msg(sequential >= sum - 0.01, "sequential %.2f < sum of latencies %.2f", sequential,
                  sum);
    ck_assert_msg(threads >= longest - 0.01, "threads %.2f < longest latency %.2f", threads,
                  longest);
    ck_assert_msg(pool >= sum / workers - 0.01, "pool %.2f < sum / workers %.2f", pool,
                  sum / workers);
    /* Overlapping waits: far below one after the other. */
    ck_assert_msg(threads < sequential / 3, "threads %.2f vs sequential %.2f", threads, sequential);
    ck_assert_msg(pool < sequential * 0.75, "pool %.2f vs sequential %.2f", pool, sequential);
    ck_assert_int_eq(count_lines_with(run.out, " OK ("), 60); /* 20 per run */
    ck_assert_int_eq(count_lines_with(run.out, "dl-"), 20);   /* one thread per file */
    child_run_free(&run);
}
END_TEST

START_TEST(one_worker_is_no_faster_than_sequential_waits)
{
    child_run run = run_demo("download", "--workers", "1", "--files", "6", "--speed", "40", NULL);
    assert_exit_ok(&run);
    ck_assert(result_double(&run, "pool") >= result_double(&run, "latency_sum") - 0.01);
    ck_assert_int_eq(count_lines_with(run.out, "by worker-0"), 6);
    ck_assert_int_eq(count_lines_with(run.out, "by worker-1"), 0);
    child_run_free(&run);
}
END_TEST

START_TEST(a_404_is_reported_and_the_rest_still_arrive)
{
    child_run run = run_demo("download", "--fail", "BR,us", "--speed", "40", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "failed"), 2);
    ck_assert_int_eq(result_int(&run, "verified"), 18);
    ck_assert_int_eq(count_lines_with(run.out, "*** Error for BR: HTTP 404"), 3); /* once per run */
    ck_assert_int_eq(count_lines_with(run.out, "*** Error for US: HTTP 404"), 3);
    ck_assert_int_eq(count_lines_with(run.out, " OK ("), 54);
    child_run_free(&run);
}
END_TEST

START_TEST(the_progress_bar_redraws_one_line)
{
    child_run run = run_demo("download", "--progress=bar", "--files", "5", "--fail", "ID",
                             "--speed", "40", NULL);
    assert_exit_ok(&run);
    int redraws = 0;
    for (const char *p = run.out; (p = strstr(p, "\r[")) != NULL; p++)
        redraws++;
    ck_assert_int_eq(redraws, 5);
    ck_assert_ptr_nonnull(strstr(run.out, "]  5/5 "));
    ck_assert_int_eq(count_lines_with(run.out, "] ["), 0); /* no "[ 1/5]" lines in bar mode */
    ck_assert_int_eq(count_lines_with(run.out, "*** Error for ID"),
                     3); /* the pool's after the bar */
    child_run_free(&run);
}
END_TEST

START_TEST(without_a_terminal_the_pool_run_prints_lines)
{
    child_run run = run_demo("download", "--files", "5", "--speed", "40", NULL);
    assert_exit_ok(&run);
    ck_assert_ptr_null(strstr(run.out, "\r"));
    ck_assert_ptr_nonnull(strstr(run.out, "[ 1/5] "));
    ck_assert_ptr_nonnull(strstr(run.out, "[ 5/5] "));
    child_run_free(&run);
}
END_TEST

/* The sequential run's per-file lines without their timestamps: "CN OK (4984 bytes, 0.49 s)". */
static void sequential_story(const char *out, char *story, size_t size)
{
    story[0] = '\0';
    const char *begin = strstr(out, "== sequential =="), *end = strstr(out, "== threads ==");
    ck_assert(begin != NULL && end != NULL);
    for (const char *line = begin; line < end; line = strchr(line, '\n') + 1) {
        char text[256];
        snprintf(text, sizeof text, "%.*s", (int)(strchr(line, '\n') - line), line);
        const char *bar = strstr(text, " | ");
        if (bar != NULL && strstr(bar, " bytes, ") != NULL && strlen(story) + strlen(bar) < size)
            strcat(story, bar);
    }
}

START_TEST(the_same_seed_gives_the_same_files_and_latencies)
{
    child_run a = run_demo("download", "--seed", "7", "--files", "8", "--speed", "40", NULL);
    child_run b = run_demo("download", "--seed", "7", "--files", "8", "--speed", "40", NULL);
    assert_exit_ok(&a);
    assert_exit_ok(&b);
    ck_assert_double_eq(result_double(&a, "latency_sum"), result_double(&b, "latency_sum"));
    char story_a[1024], story_b[1024];
    sequential_story(a.out, story_a, sizeof story_a);
    sequential_story(b.out, story_b, sizeof story_b);
    int pieces = 0;
    for (const char *p = story_a; (p = strstr(p, " OK (")) != NULL; p++)
        pieces++;
    ck_assert_int_eq(pieces, 8);
    ck_assert_str_eq(story_a, story_b);
    child_run_free(&a);
    child_run_free(&b);
}
END_TEST

static int entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        count += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return count;
}

START_TEST(the_temporary_directory_is_removed)
{
    char dir[] = "/tmp/test-download-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("TMPDIR", dir, 1); /* this test runs in its own forked process */
    child_run run = run_demo("download", "--files", "3", "--speed", "40", NULL);
    assert_exit_ok(&run);
    ck_assert_ptr_nonnull(strstr(run.out, dir)); /* it says where the files go */
    ck_assert_int_eq(entries_in(dir), 0);
    child_run_free(&run);
    rmdir(dir);
}
END_TEST

/* Ctrl-C in the middle of the run: exit status 130 (128 + SIGINT), and no files left. */
START_TEST(ctrl_c_still_removes_the_temporary_directory)
{
    char dir[] = "/tmp/test-download-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    setenv("TMPDIR", dir, 1); /* this test runs in its own forked process */
    pid_t pid = start_demo_quietly("download",
                                   (const char *const[]){"--speed", "1", NULL}); /* ~12 s of work */
    for (int i = 0; i < 500 && entries_in(dir) == 0; i++) /* until its directory exists */
        usleep(10 * 1000);
    ck_assert_int_eq(entries_in(dir), 1);
    usleep(200 * 1000); /* some files written */
    kill(pid, SIGINT);
    int status = 0;
    ck_assert_msg(wait_for_exit(pid, 5.0, &status), "download did not end within 5 s of Ctrl-C");
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %#x: want exit(130)",
                  status);
    ck_assert_int_eq(entries_in(dir), 0);
    rmdir(dir);
}
END_TEST

START_TEST(no_temporary_directory_is_a_runtime_failure)
{
    setenv("TMPDIR", "/nonexistent/threadlab", 1);
    child_run run = run_demo("download", "--files", "2", "--speed", "40", NULL);
    ck_assert_int_eq(run.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(run.err, "download: cannot create a temporary directory"));
    child_run_free(&run);
}
END_TEST

/* The generic bad input is test_every_demo's; --fail's codes are the demo's own. */
START_TEST(bad_input_is_a_usage_error)
{
    assert_usage_error("download", "--fail", "XX", NULL);
    assert_usage_error("download", "--fail", "", NULL);
    assert_usage_error("download", "--fail", "BR,", NULL);
    assert_usage_error("download", "--fail", "BRA", NULL);
    assert_usage_error("download", "--files", "3", "--fail", "FR", NULL);
}
END_TEST

static Suite *download_demo_suite(void)
{
    Suite *suite = suite_create("demo: download");
    TCase *tc = tcase_create("download");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, three_runs_within_their_guaranteed_bounds);
    tcase_add_test(tc, one_worker_is_no_faster_than_sequential_waits);
    tcase_add_test(tc, a_404_is_reported_and_the_rest_still_arrive);
    tcase_add_test(tc, the_progress_bar_redraws_one_line);
    tcase_add_test(tc, without_a_terminal_the_pool_run_prints_lines);
    tcase_add_test(tc, the_same_seed_gives_the_same_files_and_latencies);
    tcase_add_test(tc, the_temporary_directory_is_removed);
    tcase_add_test(tc, ctrl_c_still_removes_the_temporary_directory);
    tcase_add_test(tc, no_temporary_directory_is_a_runtime_failure);
    tcase_add_test(tc, bad_input_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(download_demo_suite)
