/* test_say.c — one call, one whole line: prefixed, never torn, quiet when asked,
 * coloured only on a terminal and never under NO_COLOR. */
#include "support.h"

#include "checked.h"
#include "rng.h"
#include "say.h"
#include "thread.h"

#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void say_hello(void *unused)
{
    (void)unused;
    say("hello %d", 5);
    lab_thread_set_current_name("car-MINT");
    say("sees red light");
}

START_TEST(lines_carry_elapsed_time_and_thread_name)
{
    child_run run = run_in_child(say_hello, NULL, 10);
    assert_exit_ok(&run);
    double t1, t2;
    char rest1[64], rest2[64];
    ck_assert_int_eq(sscanf(run.out, "[%lf] %63[^\n]\n[%lf] %63[^\n]", &t1, rest1, &t2, rest2), 4);
    ck_assert_str_eq(rest1, "main       | hello 5");
    ck_assert_str_eq(rest2, "car-MINT   | sees red light");
    ck_assert(t1 >= 0 && t2 >= t1);
    ck_assert_int_eq(run.out[8], ']');   /* "[%7.3f]": the column stays put */
    child_run_free(&run);
}
END_TEST

static void quiet_story_loud_result(void *unused)
{
    (void)unused;
    lab_rng_set_seed(4242);
    lab_set_quiet(true);
    say("not shown");
    lab_print("not shown either");
    lab_result("answer=%d", 42);
}

START_TEST(quiet_keeps_only_the_result_line)
{
    child_run run = run_in_child(quiet_story_loud_result, NULL, 10);
    assert_exit_ok(&run);
    ck_assert_str_eq(run.out, "result: answer=42 seed=4242\n");
    ck_assert_int_eq(result_int(&run, "answer"), 42);
    child_run_free(&run);
}
END_TEST

static void say_a_very_long_line(void *unused)
{
    (void)unused;
    char text[3000];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    say("%s", text);
    lab_print("%s", text);
}

START_TEST(long_lines_are_cut_short_and_marked)
{
    child_run run = run_in_child(say_a_very_long_line, NULL, 10);
    char *second = strchr(run.out, '\n') + 1;
    ck_assert_int_eq(second - run.out, LAB_LINE_MAX);
    ck_assert_int_eq(strlen(second), LAB_LINE_MAX);
    ck_assert_ptr_nonnull(strstr(run.out, "xxx...\n"));
    child_run_free(&run);
}
END_TEST

enum { WRITERS = 8, LINES_EACH = 10000 };

static void *write_many_lines(void *arg)
{
    long id = (long)arg;
    lab_rng rng = lab_rng_stream((uint64_t)id);
    for (int k = 0; k < LINES_EACH; k++) {   /* lengths vary so that writes overlap unevenly */
        int pad = (int)lab_rng_between(&rng, 0, 200);
        say("line %d of writer %ld %.*s|", k, id, pad,
            "================================================================================"
            "================================================================================"
            "========================================");
    }
    return NULL;
}

static void many_writers(void *unused)
{
    (void)unused;
    lab_thread *threads[WRITERS];
    for (long i = 0; i < WRITERS; i++)
        threads[i] = lab_thread_start(write_many_lines, (void *)i, LAB_NOT_DAEMON, "w%ld", i);
    for (int i = 0; i < WRITERS; i++)
        lab_thread_join(threads[i]);
}

/* Check one line exactly: "[  0.003] w3         | line 17 of writer 3 =====|".
 * Returns the writer id and line number through *id and *k. */
static bool line_is_whole(const char *line, size_t length, int *id, int *k)
{
    const char *bar = strstr(line, " | ");
    if (line[0] != '[' || line[8] != ']' || bar == NULL || bar - line != 20)
        return false;
    int consumed = 0;
    if (sscanf(bar + 3, "line %d of writer %d %n", k, id, &consumed) != 2 || *id < 0 || *id >= WRITERS)
        return false;
    char name[16];
    snprintf(name, sizeof name, "w%-9d", *id);   /* the name column: 10 wide */
    if (memcmp(line + 10, name, 10) != 0)
        return false;
    const char *p = bar + 3 + consumed;
    while (p < line + length && *p == '=')
        p++;
    return p == line + length - 1 && *p == '|';
}

START_TEST(lines_never_tear_under_eight_threads)
{
    child_run run = run_in_child(many_writers, NULL, 60);
    assert_exit_ok(&run);
    static int next_line[WRITERS];
    int total = 0;
    for (char *line = run.out; *line != '\0';) {
        char *end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        int id = -1, k = -1;
        *end = '\0';   /* sscanf would otherwise measure the whole rest of the output each time */
        ck_assert_msg(line_is_whole(line, (size_t)(end - line), &id, &k), "torn line: %s", line);
        ck_assert_int_eq(k, next_line[id]);   /* each writer's lines, once each, in order */
        next_line[id]++;
        total++;
        line = end + 1;
    }
    ck_assert_int_eq(total, WRITERS * LINES_EACH);
    child_run_free(&run);
}
END_TEST

/* Run say() from a thread named "car" with stdout on a terminal; return what it printed. */
static char *say_on_a_terminal(const char *no_color)
{
    int master, slave;
    ck_assert_int_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        dup2(slave, STDOUT_FILENO);
        if (no_color != NULL)
            setenv("NO_COLOR", no_color, 1);
        else
            unsetenv("NO_COLOR");
        lab_thread_set_current_name("car");
        say("hello");
        _exit(0);
    }
    close(slave);
    static char text[512];
    size_t used = 0;
    struct pollfd fd = {master, POLLIN, 0};
    while (used < sizeof text - 1 && poll(&fd, 1, 5000) > 0) {
        ssize_t n = read(master, text + used, sizeof text - 1 - used);
        if (n <= 0)
            break;   /* EIO once the child has exited */
        used += (size_t)n;
    }
    text[used] = '\0';
    close(master);
    waitpid(pid, NULL, 0);
    return text;
}

START_TEST(colour_on_a_terminal_unless_no_color)
{
    ck_assert_ptr_nonnull(strstr(say_on_a_terminal(NULL), "\033["));
    ck_assert_ptr_null(strstr(say_on_a_terminal("1"), "\033["));
    ck_assert_ptr_nonnull(strstr(say_on_a_terminal(""), "\033["));   /* empty means unset */
    ck_assert_ptr_nonnull(strstr(say_on_a_terminal("1"), "car        | hello"));
}
END_TEST

static void say_into_a_pipe(void *unused)
{
    (void)unused;
    lab_thread_set_current_name("car");
    say("hello");
}

START_TEST(no_colour_into_a_pipe)
{
    child_run run = run_in_child(say_into_a_pipe, NULL, 10);
    ck_assert_ptr_null(strstr(run.out, "\033["));
    child_run_free(&run);
}
END_TEST

static Suite *say_suite(void)
{
    Suite *suite = suite_create("say");
    TCase *tc = tcase_create("say");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, lines_carry_elapsed_time_and_thread_name);
    tcase_add_test(tc, quiet_keeps_only_the_result_line);
    tcase_add_test(tc, long_lines_are_cut_short_and_marked);
    tcase_add_test(tc, lines_never_tear_under_eight_threads);
    tcase_add_test(tc, colour_on_a_terminal_unless_no_color);
    tcase_add_test(tc, no_colour_into_a_pipe);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(say_suite)
