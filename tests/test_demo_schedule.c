/* test_demo_schedule.c — --schedule, --step and --explore on the demos that support them:
 * a schedule replays byte for byte; the explorer finds race's lost update and the
 * schedule it prints reproduces it; it finds nothing in mutex within its bound; the broken
 * signalling variants are found; --step through a pseudo-terminal prints a schedule that
 * replays the same run; bad input is a usage error. */
#include "support.h"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGV 24

/* Run name with the arguments of a space-separated line (no quoting needed here). */
static child_run run_line(const char *name, const char *line)
{
    static char copy[8192];
    snprintf(copy, sizeof copy, "%s", line);
    const char *args[MAX_ARGV + 1];
    int n = 0;
    for (char *word = strtok(copy, " "); word != NULL && n < MAX_ARGV; word = strtok(NULL, " "))
        args[n++] = word;
    args[n] = NULL;
    return run_demo_argv(name, args, RUN_TIMEOUT);
}

/* Remove " cpu=<number>" (event's CPU time is measured, not scheduled). */
static void drop_cpu(char *text)
{
    char *p;
    while ((p = strstr(text, " cpu=")) != NULL) {
        char *end = p + 5;
        while (*end != ' ' && *end != '\n' && *end != '\0')
            end++;
        memmove(p, end, strlen(end) + 1);
    }
    while ((p = strstr(text, "; 0.00 s of CPU")) != NULL) /* its story line says it too */
        memmove(p, p + 15, strlen(p + 15) + 1);
}

static const struct {
    const char *demo, *args;
} replays[] = {
    {"race", "--threads 5 --schedule=default"},
    {"race", "--mode=loop --threads 2 --iterations 3 --schedule=main,main,main,t1,t0"},
    {"race", "--mode=loop --threads 3 --iterations 2 --schedule=random:3 --seed 7"},
    {"mutex", "--threads 3 --schedule=random:2 --seed 3"},
    {"mutex", "--threads 2 --schedule=t0,t0,main,main,main,t1"},
    {"semaphore", "--people 5 --stalls 2 --schedule=random:2 --seed 4"},
    {"semaphore", "--people 4 --stalls 2 --no-limit --schedule=random:3 --seed 2"},
    {"condition", "--customers 4 --batch 2 --schedule=random:2 --seed 5"},
    {"condition", "--customers 3 --if --notify=all --schedule=default"},
    {"event", "--cars 2 --cycles 1 --schedule=random:2 --seed 6"},
    {"event", "--cars 2 --cycles 1 --impatient --schedule=random:2 --seed 6"},
    {"candy", "--plain --schedule=random:2 --seed 8"},
    {"barrier", "--threads 3 --schedule=random:3 --seed 9"},
};

START_TEST(the_same_schedule_prints_the_same_run)
{
    const char *demo = replays[_i].demo, *args = replays[_i].args;
    child_run first = run_line(demo, args);
    assert_exit_ok(&first);
    ck_assert_msg(result_has(&first, "seed"), "%s %s: no result line", demo, args);
    ck_assert_int_eq(count_lines_with(first.out, "| schedule: "), 1);
    for (int again = 0; again < 2; again++) {
        child_run second = run_line(demo, args);
        assert_exit_ok(&second);
        if (strcmp(demo, "event") == 0) {
            drop_cpu(first.out);
            drop_cpu(second.out);
        }
        ck_assert_msg(strcmp(first.out, second.out) == 0, "%s %s: two runs differ:\n%s\n---\n%s",
                      demo, args, first.out, second.out);
        child_run_free(&second);
    }
    child_run_free(&first);
}
END_TEST

START_TEST(virtual_time_makes_a_long_run_quick_and_exact)
{
    /* 10 threads x 0.3 s (the default window) under one lock: 3 s of class time, virtual */
    child_run run = run_line("mutex", "--schedule=default");
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "lost"), 0);
    ck_assert_int_eq(
        count_lines_with(run.out, "[  3.000] t9         | wrote n = 0, releasing the lock"), 1);
    ck_assert_msg(run.seconds < 10, "a controlled run took %.1f s", run.seconds);
    child_run_free(&run);
}
END_TEST

/* The schedule= key of the explorer's result line, for a replay. */
static const char *explored_schedule(const child_run *run, char *buffer, size_t size)
{
    ck_assert_int_eq(result_int(run, "failed"), 1);
    return result_text(run, "schedule", buffer, size);
}

static const struct {
    const char *demo, *args, *key;
} bugs[] = {
    {"race", "--mode=loop --threads 2 --iterations 2", "lost"},
    {"race", "--threads 3", "lost"},
    {"semaphore", "--no-limit --people 3 --stalls 2", "max_inside"},
    {"condition", "--if --notify=all --customers 3", "violations"},
    {"event", "--impatient --cars 1 --cycles 1", "max_running_on_red"},
    {"candy", "--plain", "most"},
    {"barrier", "--threads 3 --no-barrier", "early_starts"},
};

START_TEST(explore_finds_the_bug_and_its_schedule_reproduces_it)
{
    const char *demo = bugs[_i].demo;
    char line[4400], schedule[4096];
    snprintf(line, sizeof line, "%s --explore", bugs[_i].args);
    child_run found = run_line(demo, line);
    assert_exit_ok(&found);
    ck_assert_int_eq(count_lines_with(found.out, "explore: the shortest replay found"), 1);
    explored_schedule(&found, schedule, sizeof schedule);
    ck_assert_int_le(result_int(&found, "preemptions"), 2);
    ck_assert_int_le(result_int(&found, "runs"), 500);
    /* the printed command line is the replay */
    char command[4200];
    snprintf(command, sizeof command, "--seed 1 --schedule=%s\n", schedule);
    ck_assert_msg(strstr(found.out, command) != NULL, "no replay command in:\n%s", found.out);

    snprintf(line, sizeof line, "%s --seed 1 --schedule=%s", bugs[_i].args, schedule);
    for (int replay = 0; replay < 2; replay++) {
        child_run again = run_line(demo, line);
        assert_exit_ok(&again);
        long long value = result_int(&again, bugs[_i].key);
        long long bound = strcmp(bugs[_i].key, "max_inside") == 0 ? 2
                          : strcmp(bugs[_i].key, "most") == 0     ? 5
                                                                  : 0;
        ck_assert_msg(value > bound, "%s %s: replay shows %s=%lld", demo, line, bugs[_i].key,
                      value);
        child_run_free(&again);
    }
    child_run_free(&found);
}
END_TEST

START_TEST(explore_finds_no_lost_update_in_mutex_within_its_bound)
{
    static const char *const lines[] = {"--threads 2 --explore",
                                        "--mode=loop --threads 2 --iterations 2 --explore"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        child_run run = run_line("mutex", lines[i]);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "failed"), 0);
        ck_assert_int_eq(result_int(&run, "bound"), 2);
        assert_result_text(&run, "complete", "yes");
        ck_assert_int_gt(result_int(&run, "runs"), 10);
        ck_assert_int_eq(
            count_lines_with(run.out, "schedules with at most 2 preemptions: lost == 0 held"), 1);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(explore_of_a_fixed_variant_says_what_it_tried)
{
    child_run run = run_line("semaphore", "--people 3 --stalls 2 --explore=40");
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "failed"), 0);
    ck_assert_int_eq(result_int(&run, "runs"), 40);
    assert_result_text(&run, "complete", "no");
    ck_assert_int_eq(count_lines_with(run.out, "not a proof"), 1);
    child_run_free(&run);
}
END_TEST

/* ---- --step through a pseudo-terminal ---------------------------------------------------- */

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Drive `race <args> --step` through a pseudo-terminal, answering each prompt from
 * answers (then Enter); returns everything it printed (stdout and stderr mixed, \r
 * removed). Bounded: killed after 20 s. */
static char *step_through(const char *const *args, const char *const *answers)
{
    int fd;
    pid_t pid = forkpty(&fd, NULL, NULL, NULL);
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        const char *argv[MAX_ARGV + 2] = {demo_path("race")};
        int n = 1;
        for (int i = 0; args[i] != NULL && n < MAX_ARGV; i++)
            argv[n++] = args[i];
        argv[n++] = "--step";
        argv[n] = NULL;
        setenv("NO_COLOR", "1", 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    size_t size = 1 << 16, used = 0;
    char *text = calloc(size, 1);
    int answered = 0;
    double give_up = seconds_now() + 20;
    for (;;) {
        if (seconds_now() > give_up) {
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t got = read(fd, text + used, size - used - 1);
        if (got <= 0)
            break; /* EIO: the child is gone */
        used += (size_t)got;
        text[used] = '\0';
        if (used >= 6 && strcmp(text + used - 6, "step> ") == 0) {
            const char *answer = answers[answered] != NULL ? answers[answered++] : "";
            char reply[64];
            snprintf(reply, sizeof reply, "%s\n", answer);
            ck_assert_int_eq(write(fd, reply, strlen(reply)), (ssize_t)strlen(reply));
        }
        ck_assert_uint_lt(used, size - 1);
    }
    int status;
    waitpid(pid, &status, 0);
    close(fd);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "--step run failed:\n%s", text);
    char *out = text;
    for (char *in = text; *in != '\0'; in++)
        if (*in != '\r')
            *out++ = *in;
    *out = '\0';
    return text;
}

/* The story lines and the result line of text, without the schedule line. */
static void story_of(const char *text, char *story, size_t size)
{
    story[0] = '\0';
    char *copy = strdup(text);
    for (char *line = strtok(copy, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        const char *start = strstr(line, "[  "); /* after an echoed answer, if any */
        if (start == NULL && strncmp(line, "result: ", 8) == 0)
            start = line;
        if (start == NULL || strstr(start, "| schedule: ") != NULL)
            continue;
        strncat(story, start, size - strlen(story) - 2);
        strcat(story, "\n");
    }
    free(copy);
}

START_TEST(step_prints_a_schedule_that_replays_the_same_run)
{
    const char *args[] = {"--mode=loop", "--threads", "2", "--iterations", "2", NULL};
    /* t0 first, main starts t1 while t0 is between its read and write, then t1 */
    const char *answers[] = {"?", "t0", "main", "t1", NULL}; /* then Enter, Enter... */
    char *text = step_through(args, answers);
    ck_assert_msg(strstr(text, "-- choice 1: who moves next?") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "Each line is a thread that can run now") != NULL, "no help: %s",
                  text);
    ck_assert_msg(strstr(text, "race.c:") != NULL, "no source lines: %s", text);
    const char *replay = strstr(text, "race: replay this run with --schedule=");
    ck_assert_msg(replay != NULL, "no replay line:\n%s", text);
    char schedule[512];
    snprintf(schedule, sizeof schedule, "%.*s", (int)strcspn(replay + 38, "\n"), replay + 38);

    char line[700];
    snprintf(line, sizeof line, "--mode=loop --threads 2 --iterations 2 --schedule=%s", schedule);
    child_run again = run_line("race", line);
    assert_exit_ok(&again);
    static char stepped[1 << 16], replayed[1 << 16];
    story_of(text, stepped, sizeof stepped);
    story_of(again.out, replayed, sizeof replayed);
    ck_assert_msg(strstr(stepped, "result: ") != NULL, "%s", text);
    ck_assert_msg(strcmp(stepped, replayed) == 0, "--step:\n%s\nreplay (%s):\n%s", stepped,
                  schedule, replayed);
    ck_assert_int_gt(result_int(&again, "lost"), 0); /* t1 came between t0's read and write */
    child_run_free(&again);
    free(text);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------------------- */

START_TEST(bad_schedule_flags_are_usage_errors)
{
    assert_usage_error("race", "--schedule=", NULL);
    assert_usage_error("race", "--schedule", NULL);
    assert_usage_error("race", "--schedule=t0,,t1", NULL);
    assert_usage_error("race", "--schedule=t0,", NULL);
    assert_usage_error("race", "--schedule=t0 t1", NULL);
    assert_usage_error("race", "--schedule=random:0", NULL);
    assert_usage_error("race", "--schedule=random:11", NULL);
    assert_usage_error("race", "--schedule=random:x", NULL);
    assert_usage_error("race", "--explore=0", NULL);
    assert_usage_error("race", "--explore=-3", NULL);
    assert_usage_error("race", "--explore=10000001", NULL);
    assert_usage_error("race", "--explore=lots", NULL);
    assert_usage_error("race", "--schedule=default", "--step", NULL);
    assert_usage_error("race", "--explore", "--schedule=t0", NULL);
    assert_usage_error("race", "--schedule=t0", "--schedule=t1", NULL);
    assert_usage_error("join", "--schedule=default", NULL); /* not supported (yet) */
    child_run run = run_line("join", "--explore");
    ck_assert_ptr_nonnull(
        strstr(run.err, "join: --explore: join does not support schedule control yet"));
    child_run_free(&run);
}
END_TEST

static void step_without_a_terminal(void *unused)
{
    (void)unused;
    if (freopen("/dev/null", "r", stdin) == NULL)
        _exit(126);
    execl(demo_path("race"), "race", "--step", (char *)NULL);
    _exit(127);
}

START_TEST(step_without_a_terminal_is_a_usage_error)
{
    child_run run = run_in_child(step_without_a_terminal, NULL, 10);
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_str_eq(run.out, "");
    ck_assert_msg(strncmp(run.err, "race: --step needs a terminal", 29) == 0, "%s", run.err);
    child_run_free(&run);
}
END_TEST

START_TEST(a_schedule_naming_no_thread_is_a_usage_error)
{
    child_run run = run_line("race", "--threads 2 --schedule=main,zed");
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_int_eq(count_lines_with(run.err, ""), 1);
    ck_assert_msg(
        strstr(run.err, "race: --schedule: choice 2 names 'zed', but no thread has that name") ==
            run.err,
        "%s", run.err);
    child_run_free(&run);
    run = run_line("race", "--threads 2 --mode=loop --iterations 2 --schedule=t0,t0,t0,t0");
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_ptr_nonnull(
        strstr(run.err, "choice 4 names t0, which cannot run there (can run: main, t1)"));
    child_run_free(&run);
}
END_TEST

/* ---- the worked examples of docs/schedules.md ------------------------------------------------ */

/* The source tree: $LAB_SOURCE_DIR, or three levels above this program's directory. */
static const char *source_dir(void)
{
    static char dir[4096];
    const char *env = getenv("LAB_SOURCE_DIR");
    if (env != NULL && env[0] != '\0') {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    ck_assert_int_gt(n, 0);
    dir[n] = '\0';
    for (int level = 0; level < 4 && strrchr(dir, '/') != NULL; level++)
        *strrchr(dir, '/') = '\0'; /* test_demo_schedule, tests, <variant>, build */
    return dir;
}

/* Replace every copy of from in *text by to (any lengths): *text is reallocated. */
static void replace_all(char **text, const char *from, const char *to)
{
    size_t copies = 0, from_length = strlen(from), to_length = strlen(to);
    for (const char *p = *text; (p = strstr(p, from)) != NULL; p += from_length)
        copies++;
    char *out = malloc(strlen(*text) + copies * to_length + 1);
    ck_assert_ptr_nonnull(out);
    char *w = out;
    for (const char *r = *text, *p; ; r = p + from_length) {
        p = strstr(r, from);
        size_t keep = p != NULL ? (size_t)(p - r) : strlen(r);
        memcpy(w, r, keep);
        w += keep;
        if (p == NULL)
            break;
        memcpy(w, to, to_length);
        w += to_length;
    }
    *w = '\0';
    free(*text);
    *text = out;
}

START_TEST(the_worked_examples_are_what_the_programs_print)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/schedules.md", source_dir());
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "no %s: set LAB_SOURCE_DIR to the source tree", path);
    static char doc[1 << 17];
    size_t size = fread(doc, 1, sizeof doc - 1, file);
    doc[size] = '\0';
    fclose(file);
    int checked = 0;
    for (char *block = strstr(doc, "```text\n$ build/debug/"); block != NULL;
         block = strstr(block, "```text\n$ build/debug/")) {
        block += strlen("```text\n$ build/debug/");
        char *end = strstr(block, "\n```");
        ck_assert_ptr_nonnull(end);
        *end = '\0';
        char *output = strchr(block, '\n') + 1;
        output[-1] = '\0';
        if (strstr(block, "--step") == NULL) { /* --step is checked through a pty above */
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(block, " "), block);
            child_run run = run_line(name, block + strlen(name) + 1);
            ck_assert_msg(run.exit_code == 0, "%s: exit %d", block, run.exit_code);
            char shown[256];
            snprintf(shown, sizeof shown, "build/debug/%s", name);
            replace_all(&run.out, demo_path(name), shown);
            ck_assert_msg(
                strcmp(run.out, output) == 0 || (strlen(run.out) == strlen(output) + 1 &&
                                                 strncmp(run.out, output, strlen(output)) == 0),
                "docs/schedules.md, $ build/debug/%s:\n--- the doc says:\n%s\n--- it prints:\n%s",
                block, output, run.out);
            child_run_free(&run);
            checked++;
        }
        block = end + 4;
    }
    ck_assert_int_ge(checked, 6);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("demo_schedule");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, the_same_schedule_prints_the_same_run, 0,
                        sizeof replays / sizeof replays[0]);
    tcase_add_test(tc, virtual_time_makes_a_long_run_quick_and_exact);
    suite_add_tcase(suite, tc);
    tc = tcase_create("explore");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, explore_finds_the_bug_and_its_schedule_reproduces_it, 0,
                        sizeof bugs / sizeof bugs[0]);
    tcase_add_test(tc, explore_finds_no_lost_update_in_mutex_within_its_bound);
    tcase_add_test(tc, explore_of_a_fixed_variant_says_what_it_tried);
    suite_add_tcase(suite, tc);
    tc = tcase_create("docs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_worked_examples_are_what_the_programs_print);
    suite_add_tcase(suite, tc);
    tc = tcase_create("step");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, step_prints_a_schedule_that_replays_the_same_run);
    suite_add_tcase(suite, tc);
    tc = tcase_create("bad input");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bad_schedule_flags_are_usage_errors);
    tcase_add_test(tc, step_without_a_terminal_is_a_usage_error);
    tcase_add_test(tc, a_schedule_naming_no_thread_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(make_suite)
