/* test_demo_fork.c — a forked child's write never reaches the parent, a thread's always does;
 * the child really is another process and its exit status arrives; forking while another
 * thread holds a mutex leaves that mutex locked for good in the child. */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* The pids in the story: the parent's, the child's own and its parent's, and fork()'s return. */
static void assert_two_processes(const child_run *run)
{
    int parent = -1, child = -1, childs_parent = -1, returned = -1;
    for (const char *line = run->out; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        const char *text = strstr(line, "| ");
        if (text != NULL && (end == NULL || text < end)) {
            sscanf(text, "| pid %d, counter = 0: fork()", &parent);
            sscanf(text, "| I am pid %d, child of %d:", &child, &childs_parent);
            sscanf(text, "| fork() returned %d:", &returned);
        }
        line = end != NULL ? end + 1 : NULL;
    }
    ck_assert_msg(parent > 0 && child > 0, "pids not found in:\n%s", run->out);
    ck_assert_int_ne(child, parent);
    ck_assert_int_eq(childs_parent, parent);
    ck_assert_int_eq(returned, child);
}

START_TEST(child_writes_stay_in_the_child_thread_writes_are_shared)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        child_run run = run_demo("fork", "--speed", "50", NULL);
        assert_exit_ok(&run);
        assert_result_text(&run, "parent_sees_child_write", "no");
        assert_result_text(&run, "parent_sees_thread_write", "yes");
        ck_assert_int_eq(result_int(&run, "child_counter"), 1);
        ck_assert_int_eq(result_int(&run, "parent_counter_after_fork"), 0);
        ck_assert_int_eq(result_int(&run, "child_exit_status"), 3);
        assert_result_text(&run, "child_got_lock", "yes");
        assert_two_processes(&run);
        ck_assert_int_eq(count_lines_with(run.out, "child      | "), 3);
        ck_assert_int_eq(count_lines_with(run.out, "adder      | counter += 1 -> 1"), 1);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(the_exit_status_arrives)
{
    const char *statuses[] = {"0", "1", "42", "255"};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        child_run run = run_demo("fork", "--exit-status", statuses[i], "--speed", "50", NULL);
        assert_exit_ok(&run); /* the child's status is reported, not passed on */
        assert_result_text(&run, "child_exit_status", statuses[i]);
        char said[64];
        snprintf(said, sizeof said, "exited with status %s", statuses[i]);
        ck_assert_int_eq(count_lines_with(run.out, said), 1);
        child_run_free(&run);
    }
}
END_TEST

/* The broken variant is caught every time: the holder owns data_lock at the fork, and in the
 * child nobody can ever release it. */
START_TEST(a_lock_held_at_fork_stays_locked_in_the_child)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run = run_demo("fork", "--fork-while-locked", "--speed", "50", NULL);
        assert_exit_ok(&run);
        assert_result_text(&run, "child_got_lock", "no");
        assert_result_text(&run, "parent_sees_child_write", "no");
        assert_result_text(&run, "parent_sees_thread_write", "yes");
        ck_assert_int_eq(count_lines_with(run.out, "still locked after 1 s"), 1);
        ck_assert_int_eq(count_lines_with(run.out, "main       | locked data_lock"), 1);
        assert_two_processes(&run);
        child_run_free(&run);
    }
}
END_TEST

/* test_every_demo's matrix refuses min - 1, 10 x max + 1, garbage, missing values, values
 * given to flags...; these are what it does not generate: one past the largest exit status,
 * and another demo's option, which fork does not have. */
START_TEST(input_the_matrix_does_not_try_is_a_usage_error)
{
    assert_usage_error("fork", "--exit-status", "256", NULL);
    assert_usage_error("fork", "--threads", "2", NULL);
}
END_TEST

static Suite *fork_demo_suite(void)
{
    Suite *suite = suite_create("demo: fork");
    TCase *tc = tcase_create("fork");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, child_writes_stay_in_the_child_thread_writes_are_shared);
    tcase_add_test(tc, the_exit_status_arrives);
    tcase_add_test(tc, a_lock_held_at_fork_stays_locked_in_the_child);
    tcase_add_test(tc, input_the_matrix_does_not_try_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(fork_demo_suite)
