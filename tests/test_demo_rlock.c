/* test_demo_rlock.c — a plain lock taken twice by its holder never succeeds (EDEADLK, or a
 * timeout with a deadline, or a real hang without one); a recursive lock counts, must be
 * released as many times, and refuses another thread's unlock; the counter under it is exact.
 * The demo commits one error on purpose (another thread unlocks main's recursive mutex): under
 * ThreadSanitizer that is reported, and must be the only report. (Bad input: the matrix of
 * test_every_demo.) */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_ran(const child_run *run)
{
#if defined(__SANITIZE_THREAD__)
    ck_assert_msg(!run->timed_out && run->signal == 0, "stdout:\n%s", run->out);
    ck_assert_msg(
        strstr(run->err, "ThreadSanitizer: unlock of an unlocked mutex (or by a wrong thread)") !=
                NULL &&
            count_lines_with(run->err, "WARNING: ThreadSanitizer") == 1,
        "want exactly the intruder's unlock reported; stderr:\n%s", run->err);
#else
    assert_exit_ok(run);
#endif
}

START_TEST(the_tutorials_two_lessons_with_exact_keys)
{
    child_run run = run_demo("rlock", "--speed", "20", NULL);
    assert_ran(&run);
    assert_result_text(&run, "plain_second_acquire", "EDEADLK");
    ck_assert_int_eq(result_int(&run, "recursive_depth"), 2);
    assert_result_text(&run, "foreign_unlock", "EPERM");
    ck_assert_int_eq(result_int(&run, "counter"), 10);
    ck_assert_int_eq(result_int(&run, "expected"), 10);
    /* Part 1 never gets its "...2"; the only one is part 2's recursive acquire. */
    ck_assert_int_eq(count_lines_with(run.out, "| lock acquire...1"), 2);
    ck_assert_int_eq(count_lines_with(run.out, "| lock acquire...2"), 1);
    ck_assert_int_eq(count_lines_with(run.out, "| lock acquire...2 (depth 2)"), 1);
    ck_assert_int_eq(
        count_lines_with(run.out, "intruder   | pthread_mutex_unlock from here: EPERM"), 1);
    /* Each thread printed the value it made: under the lock nobody could add meanwhile. */
    for (int value = 1; value <= 10; value++) {
        char line[48];
        snprintf(line, sizeof line, "| gl_num = %d (mine: %d)", value, value);
        ck_assert_msg(count_lines_with(run.out, line) == 1, "no '%s' in:\n%s", line, run.out);
    }
    ck_assert_int_eq(count_lines_with(run.out, "| gl_num = "), 10);
    child_run_free(&run);
}
END_TEST

START_TEST(a_normal_mutex_times_out_and_the_ilock_explains)
{
    child_run run =
        run_demo("rlock", "--plain=normal", "--timeout", "0.5", "--speed", "20", "--quiet", NULL);
    assert_ran(&run);
    assert_result_text(&run, "plain_second_acquire", "timeout");
    child_run_free(&run);

    run = run_demo("rlock", "--plain=ilock", "--speed", "20", NULL);
    assert_ran(&run);
    assert_result_text(&run, "plain_second_acquire", "EDEADLK");
    ck_assert_msg(
        strstr(run.out, "| deadlock: main holds [lock], waits for [lock] (held by main)\n") != NULL,
        "%s", run.out);
    child_run_free(&run);
}
END_TEST

START_TEST(a_recursive_lock_needs_as_many_releases_as_acquires)
{
    const char *depths[] = {"1", "5", "17"};
    for (int i = 0; i < 3; i++) {
        child_run run =
            run_demo("rlock", "--depth", depths[i], "--threads", "2", "--seconds", "0", NULL);
        assert_ran(&run);
        int depth = atoi(depths[i]);
        ck_assert_int_eq(result_int(&run, "recursive_depth"), depth);
        ck_assert_int_eq(count_lines_with(run.out, "| pthread_mutex_trylock from here: EBUSY"),
                         depth - 1);
        ck_assert_int_eq(count_lines_with(run.out, "| pthread_mutex_trylock from here: got it"), 1);
        assert_result_text(&run, "foreign_unlock", "EPERM");
        child_run_free(&run);
    }
}
END_TEST

START_TEST(the_counter_under_the_recursive_lock_is_exact_every_run)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        child_run run = run_demo("rlock", "--threads", "60", "--seconds", "0", "--quiet", NULL);
        assert_ran(&run);
        ck_assert_int_eq(result_int(&run, "counter"), 60);
        ck_assert_int_eq(result_int(&run, "expected"), 60);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(without_a_deadline_the_normal_mutex_hangs_for_real)
{
    const char *args[] = {"--plain=normal", "--timeout", "0", NULL};
    child_run run = run_demo_argv("rlock", args, 1.5);
    ck_assert_msg(run.timed_out, "it ended (exit %d):\n%s", run.exit_code, run.out);
    ck_assert_int_eq(count_lines_with(run.out, "| lock acquire...1"), 1);
    ck_assert_ptr_null(strstr(run.out, "second acquire"));
    ck_assert_ptr_null(strstr(run.out, "result:"));
    child_run_free(&run);
}
END_TEST

static Suite *rlock_demo_suite(void)
{
    Suite *suite = suite_create("demo: rlock");
    TCase *runs = tcase_create("runs"); /* under TSan: the deliberate foreign unlock is reported */
    tcase_set_timeout(runs, 60);
    tcase_add_test(runs, the_tutorials_two_lessons_with_exact_keys);
    tcase_add_test(runs, a_normal_mutex_times_out_and_the_ilock_explains);
    tcase_add_test(runs, a_recursive_lock_needs_as_many_releases_as_acquires);
    tcase_add_test(runs, the_counter_under_the_recursive_lock_is_exact_every_run);
    tcase_add_test(runs, without_a_deadline_the_normal_mutex_hangs_for_real);
    suite_add_tcase(suite, runs);
    return suite;
}

LAB_TEST_MAIN(rlock_demo_suite)
