/* test_demo_daemon.c — a daemon worker is cut off at exit; a non-daemon one is waited for;
 * a joined daemon is waited for; plain C's two endings: return kills, pthread_exit waits. */
#include "support.h"

#include <string.h>

/* Run daemon with its arguments; check the result line is the last line. */
static child_run run_daemon_demo(const char *a, const char *b)
{
    child_run run = run_demo("daemon", "--speed", "20", a, b, NULL);
    assert_exit_ok(&run);
    const char *last = strstr(run.out, "result: ");
    ck_assert_msg(last != NULL && strchr(last, '\n')[1] == '\0',
                  "result: is not the last line:\n%s", run.out);
    return run;
}

static bool worker_finished(const child_run *run)
{
    char value[8];
    return strcmp(result_text(run, "worker_finished", value, sizeof value), "yes") == 0;
}

START_TEST(non_daemon_worker_is_waited_for)
{
    child_run run = run_daemon_demo(NULL, NULL);
    ck_assert(worker_finished(&run));
    ck_assert_ptr_nonnull(strstr(run.out, "worker     | 1s"));
    ck_assert_ptr_nonnull(strstr(run.out, "countdown finished"));
    char daemon[8];
    ck_assert_str_eq(result_text(&run, "daemon", daemon, sizeof daemon), "no");
    child_run_free(&run);
}
END_TEST

START_TEST(daemon_worker_is_cut_off_mid_countdown)
{
    child_run run = run_daemon_demo("--daemon", NULL);
    ck_assert(!worker_finished(&run));
    ck_assert_ptr_nonnull(strstr(run.out, "worker     | task t1"));
    ck_assert_ptr_null(strstr(run.out, "countdown finished"));
    ck_assert_ptr_null(strstr(run.out, "| 1s"));
    ck_assert_ptr_nonnull(strstr(run.out, "main       | end"));
    child_run_free(&run);
}
END_TEST

START_TEST(returning_from_main_kills_even_a_non_daemon)
{
    child_run run = run_daemon_demo("--main=return", NULL);
    ck_assert(!worker_finished(&run));
    ck_assert_ptr_null(strstr(run.out, "countdown finished"));
    child_run_free(&run);
}
END_TEST

START_TEST(pthread_exit_in_main_waits_even_for_a_daemon)
{
    child_run run = run_daemon_demo("--main=pthread-exit", "--daemon");
    ck_assert(worker_finished(&run));
    ck_assert_ptr_nonnull(strstr(run.out, "countdown finished"));
    child_run_free(&run);
}
END_TEST

/* The tutorial's second example: joining a daemon waits for it like any thread. */
START_TEST(a_joined_daemon_is_waited_for)
{
    child_run run = run_daemon_demo("--daemon", "--join");
    ck_assert(worker_finished(&run));
    char value[8];
    ck_assert_str_eq(result_text(&run, "daemon", value, sizeof value), "yes");
    ck_assert_str_eq(result_text(&run, "joined", value, sizeof value), "yes");
    ck_assert_ptr_nonnull(strstr(run.out, "main       | started worker, daemon=True"));
    const char *finished = strstr(run.out, "countdown finished");
    const char *end = strstr(run.out, "main       | end");
    ck_assert_msg(finished != NULL && end != NULL && finished < end,
                  "main said 'end' before the joined worker finished:\n%s", run.out);
    child_run_free(&run);
}
END_TEST

START_TEST(the_daemon_flag_is_read_back)
{
    child_run run = run_daemon_demo(NULL, NULL);
    ck_assert_ptr_nonnull(strstr(run.out, "main       | started worker, daemon=False"));
    char value[8];
    ck_assert_str_eq(result_text(&run, "joined", value, sizeof value), "no");
    child_run_free(&run);
}
END_TEST

static Suite *daemon_demo_suite(void)
{
    Suite *suite = suite_create("demo: daemon");
    TCase *tc = tcase_create("daemon");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, non_daemon_worker_is_waited_for);
    tcase_add_test(tc, daemon_worker_is_cut_off_mid_countdown);
    tcase_add_test(tc, returning_from_main_kills_even_a_non_daemon);
    tcase_add_test(tc, pthread_exit_in_main_waits_even_for_a_daemon);
    tcase_add_test(tc, a_joined_daemon_is_waited_for);
    tcase_add_test(tc, the_daemon_flag_is_read_back);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(daemon_demo_suite)
