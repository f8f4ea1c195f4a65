/* test_every_demo.c — what every demo owes its user, checked for each demo of the build
 * (the list the Makefile writes to build/<variant>/demos.list):
 *   - a matrix of bad input, derived from the demo's own --help: unknown flags, stray
 *     arguments, missing values, non-numbers, trailing garbage, values below and above each
 *     option's range (far out, and at the edges: max + 1, min - 1, a hair past max and
 *     min), bogus choices, values given to flags -> exit 2, one error line naming
 *     the demo plus a usage line on stderr, nothing on stdout;
 *   - --help: exit 0, on stdout; --about: one line;
 *   - Ctrl-C at class pace ends the demo promptly;
 *   - when the system refuses new threads, the demo says so and exits 1.
 */
#include "support.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEMOS   64
#define MAX_OPTIONS 24

static char demo_names[MAX_DEMOS][32];
static int demo_count;

/* Read the build's list of demos, next to the demo programs. */
static void load_demo_list(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s", demo_path("demos.list"));
    FILE *list = fopen(path, "r");
    ck_assert_msg(list != NULL, "cannot read %s (built by 'make demos')", path);
    demo_count = 0;
    while (demo_count < MAX_DEMOS && fscanf(list, "%31s", demo_names[demo_count]) == 1)
        demo_count++;
    fclose(list);
    ck_assert_int_gt(demo_count, 0);
}

/* One option as --help describes it. */
typedef struct help_option {
    char name[40];
    enum { FLAG, CHOICE, VALUE, RANGED } kind;
    double min, max;
} help_option;

/* Find "(min to max;" in text[0..length): the range --help prints for a number. */
static bool find_range(const char *text, size_t length, double *min, double *max)
{
    for (const char *p = memchr(text, '(', length); p != NULL && p < text + length;
         p = memchr(p + 1, '(', length - (size_t)(p + 1 - text)))
        if (sscanf(p, "(%lf to %lf;", min, max) == 2)
            return true;
    return false;
}

/* Parse the "  --name ..." entries of --help's "Options:" section. */
static int options_from_help(const char *help, help_option *options)
{
    const char *line = strstr(help, "\nOptions:\n");
    const char *end = strstr(help, "\nCommon options:\n");
    int count = 0;
    while (line != NULL && line < end && count < MAX_OPTIONS) {
        line = strstr(line + 1, "\n  --");
        if (line == NULL || line > end)
            break;
        const char *next = strstr(line + 1, "\n  --"); /* this option's text ends there */
        if (next == NULL || next > end)
            next = end;
        help_option *option = &options[count++];
        sscanf(line + 5, "%39[a-z0-9-]", option->name);
        const char *label_end = line + 5 + strlen(option->name);
        bool has_meta =
            label_end[0] == ' ' && label_end[1] >= 'A' && label_end[1] <= 'Z'; /* "--threads N" */
        if (label_end[0] == '=')
            option->kind = CHOICE;
        else if (!has_meta)
            option->kind = FLAG;
        else if (find_range(line, (size_t)(next - line), &option->min, &option->max))
            option->kind = RANGED;
        else
            option->kind = VALUE;
    }
    return count;
}

static child_run run_args(const char *demo, const char *const *args)
{
    return run_demo_argv(demo, args, 10.0);
}

/* The demo must refuse these arguments: exit 2, no stdout, "<demo>: ..." + usage on stderr. */
static void expect_refused(const char *demo, const char *const *args)
{
    child_run run = run_args(demo, args);
    char shown[160] = "";
    for (int i = 0; args[i] != NULL; i++)
        snprintf(shown + strlen(shown), sizeof shown - strlen(shown), " %s", args[i]);
    ck_assert_msg(run.exit_code == 2, "%s%s: exit %d (signal %d), want 2\nstderr: %s", demo, shown,
                  run.exit_code, run.signal, run.err);
    ck_assert_msg(run.out[0] == '\0', "%s%s printed on stdout:\n%s", demo, shown, run.out);
    char prefix[48];
    snprintf(prefix, sizeof prefix, "%s: ", demo);
    ck_assert_msg(strncmp(run.err, prefix, strlen(prefix)) == 0 &&
                      count_lines_with(run.err, "") == 2 && strstr(run.err, "\nusage: ") != NULL,
                  "%s%s: want '%s<reason>' and a usage line on stderr, got:\n%s", demo, shown,
                  prefix, run.err);
    child_run_free(&run);
}

#define REFUSED(demo, ...) expect_refused(demo, (const char *const[]){__VA_ARGS__, NULL})

static void common_bad_input(const char *demo)
{
    REFUSED(demo, "--bogus");
    REFUSED(demo, "--bogus=1");
    REFUSED(demo, "-x");
    REFUSED(demo, "extra");
    REFUSED(demo, "--speed");
    REFUSED(demo, "--speed", "0");
    REFUSED(demo, "--speed", "-1");
    REFUSED(demo, "--speed", "fast");
    REFUSED(demo, "--speed", "2x");
    REFUSED(demo, "--speed", "1e9");
    REFUSED(demo, "--seed", "-1");
    REFUSED(demo, "--seed", "5x");
    REFUSED(demo, "--seed", "");
    REFUSED(demo, "--quiet=1");
    REFUSED(demo, "--help=1");
}

/* A step just big enough to leave a range at value: a billionth of it, at least 1e-9. */
static double hair(double value)
{
    double step = fabs(value) * 1e-9;
    return step > 1e-9 ? step : 1e-9;
}

static void option_bad_input(const char *demo, const help_option *option)
{
    char flag[64], below[96], above[96];
    snprintf(flag, sizeof flag, "--%.39s", option->name);
    switch (option->kind) {
        case FLAG:
            snprintf(below, sizeof below, "--%.39s=1", option->name);
            REFUSED(demo, below);
            break;
        case CHOICE:
            snprintf(below, sizeof below, "--%.39s=bogus", option->name);
            REFUSED(demo, below);
            REFUSED(demo, flag);
            snprintf(above, sizeof above, "--%.39s=", option->name);
            REFUSED(demo, above);
            break;
        case RANGED:
            snprintf(below, sizeof below, "%.17g", option->min - 1);
            snprintf(above, sizeof above, "%.17g", option->max * 10 + 1);
            REFUSED(demo, flag, below);
            REFUSED(demo, flag, above);
            /* the edges: max + 1 is the first whole number out; a hair past max or min is the
         * first real number out (and no whole number, which an integer option refuses) */
            snprintf(above, sizeof above, "%.17g", option->max + 1);
            REFUSED(demo, flag, above);
            snprintf(above, sizeof above, "%.17g", option->max + hair(option->max));
            REFUSED(demo, flag, above);
            snprintf(below, sizeof below, "%.17g", option->min - hair(option->min));
            REFUSED(demo, flag, below);
            REFUSED(demo, flag, "1e999");
            REFUSED(demo, flag, "nan");
            REFUSED(demo, flag, "5x");
            REFUSED(demo, flag, "abc");
            __attribute__((fallthrough)); /* and the checks of every value option */
        case VALUE:
            REFUSED(demo, flag);
            REFUSED(demo, flag, "");
            break;
    }
}

/* The parser itself, on a demo whose options are known: the matrix must not test nothing. */
START_TEST(help_parser_finds_the_options)
{
    const char *help_args[] = {"--help", NULL};
    child_run help = run_args("join", help_args);
    help_option options[MAX_OPTIONS];
    ck_assert_int_eq(options_from_help(help.out, options), 3);
    ck_assert_str_eq(options[0].name, "threads");
    ck_assert_int_eq(options[0].kind, RANGED);
    ck_assert_double_eq(options[0].max, 1000);
    ck_assert_str_eq(options[1].name, "seconds");
    ck_assert_int_eq(options[1].kind, RANGED);
    ck_assert_double_eq(options[1].min, 0);
    ck_assert_double_eq(options[1].max, 60);
    ck_assert_str_eq(options[2].name, "join-in-loop");
    ck_assert_int_eq(options[2].kind, FLAG);
    child_run_free(&help);
    help = run_args("daemon", help_args);
    ck_assert_int_eq(options_from_help(help.out, options), 3);
    ck_assert_int_eq(options[0].kind, FLAG);
    ck_assert_int_eq(options[1].kind, FLAG);
    ck_assert_int_eq(options[2].kind, CHOICE);
    child_run_free(&help);
}
END_TEST

START_TEST(bad_input_is_refused_by_every_demo)
{
    load_demo_list();
    const char *help_args[] = {"--help", NULL};
    for (int d = 0; d < demo_count; d++) {
        const char *demo = demo_names[d];
        child_run help = run_args(demo, help_args);
        ck_assert_msg(help.exit_code == 0 && help.err[0] == '\0', "%s --help: exit %d, stderr %s",
                      demo, help.exit_code, help.err);
        ck_assert_msg(strstr(help.out, "usage: ") == help.out, "%s --help starts with: %.40s", demo,
                      help.out);
        help_option options[MAX_OPTIONS];
        int count = options_from_help(help.out, options);
        child_run_free(&help);
        common_bad_input(demo);
        for (int i = 0; i < count; i++)
            option_bad_input(demo, &options[i]);
    }
}
END_TEST

START_TEST(about_is_one_line)
{
    load_demo_list();
    const char *args[] = {"--about", NULL};
    for (int d = 0; d < demo_count; d++) {
        child_run run = run_args(demo_names[d], args);
        ck_assert_int_eq(run.exit_code, 0);
        ck_assert_msg(count_lines_with(run.out, "") == 1 && strlen(run.out) > 10, "%s --about: %s",
                      demo_names[d], run.out);
        child_run_free(&run);
    }
}
END_TEST

/* ---- Ctrl-C ---- */

START_TEST(ctrl_c_ends_every_demo_promptly)
{
    load_demo_list();
    for (int d = 0; d < demo_count; d++) {
        pid_t pid = start_demo_quietly(demo_names[d], (const char *const[]){"--speed", "1", NULL});
        struct timespec settle = {0, 300 * 1000 * 1000}; /* let it start its threads */
        nanosleep(&settle, NULL);
        kill(pid, SIGINT);
        int status = 0;
        ck_assert_msg(wait_for_exit(pid, 3.0, &status), "%s did not end within 3 s of Ctrl-C",
                      demo_names[d]);
    }
}
END_TEST

/* ---- threads refused ---- */

/* Run demo with --threads at its maximum while the address space is too small for that
 * many thread stacks: pthread_create fails with EAGAIN. */
static void run_starved(void *demo_arg)
{
    const char *demo = demo_arg;
    struct rlimit limit = {256u << 20, 256u << 20}; /* 256 MiB: ~25 default stacks */
    setrlimit(RLIMIT_AS, &limit);
    const char *path = demo_path(demo);
    execl(path, path, "--speed", "1000", "--threads", "1000", "--quiet", (char *)NULL);
    _exit(127);
}

START_TEST(refused_threads_are_a_clear_runtime_failure)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return; /* the sanitizers reserve terabytes of address space: no RLIMIT_AS for them */
#endif
    load_demo_list();
    int tried = 0;
    const char *help_args[] = {"--help", NULL};
    for (int d = 0; d < demo_count; d++) {
        child_run help = run_args(demo_names[d], help_args);
        bool has_threads =
            strstr(help.out, "\n  --threads N ") != NULL && strstr(help.out, " to 1000;") != NULL;
        child_run_free(&help);
        if (!has_threads)
            continue;
        tried++;
        child_run run = run_in_child(run_starved, demo_names[d], 20);
        ck_assert_msg(!run.timed_out && run.exit_code == 1,
                      "%s with no room for threads: exit %d, signal %d\n%s", demo_names[d],
                      run.exit_code, run.signal, run.err);
        ck_assert_msg(strstr(run.err, "cannot start thread") != NULL, "%s: stderr %s",
                      demo_names[d], run.err);
        child_run_free(&run);
    }
    ck_assert_int_gt(tried, 0);
}
END_TEST

static Suite *every_demo_suite(void)
{
    Suite *suite = suite_create("every demo");
    TCase *input = tcase_create("input");
    tcase_set_timeout(input, 120);
    tcase_add_test(input, help_parser_finds_the_options);
    tcase_add_test(input, bad_input_is_refused_by_every_demo);
    tcase_add_test(input, about_is_one_line);
    suite_add_tcase(suite, input);
    TCase *ending = tcase_create("ending");
    tcase_set_timeout(ending, 120);
    tcase_add_test(ending, ctrl_c_ends_every_demo_promptly);
    tcase_add_test(ending, refused_threads_are_a_clear_runtime_failure);
    suite_add_tcase(suite, ending);
    return suite;
}

LAB_TEST_MAIN(every_demo_suite)
