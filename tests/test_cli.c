/* test_cli.c — strict option parsing: every bad input refused with one clear message. */
#include "support.h"

#include "cli.h"
#include "clock.h"
#include "rng.h"
#include "say.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int threads;
static int timeout;
static double seconds;
static bool daemon_flag;
static int mode;
static const char *label;
static const char *const modes[] = {"window", "loop", NULL};

static const lab_option options[] = {
    LAB_INT("threads", &threads, 1, 1000, "N", "threads to start"),
    LAB_INT("timeout", &timeout, 0, 60, "S", "give up after S seconds; 0 waits forever"),
    LAB_DOUBLE("seconds", &seconds, 0, 60, "S", "how long to sleep"),
    LAB_FLAG("daemon", &daemon_flag, "be a daemon"),
    LAB_CHOICE("mode", &mode, modes, "how to update"),
    LAB_STRING("label", &label, "TEXT", "a label"),
    LAB_END,
};

static const char *refuse_daemon_with_loop(void)
{
    return daemon_flag && mode == 1 ? "--daemon does not go with --mode=loop" : NULL;
}

static const lab_demo demo = {
    .name = "probe",
    .summary = "a demo that only exists in this test",
    .python = "nothing",
    .details = "Details for --help.",
    .options = options,
    .check = refuse_daemon_with_loop,
};

static lab_cli_common common;
static char error[256];

static void reset(void)
{
    threads = 10, timeout = 5, seconds = 1.5, daemon_flag = false, mode = 0, label = NULL;
    memset(&common, 0, sizeof common);
    error[0] = '\0';
}

/* Parse a NULL-terminated list of arguments after the program name. */
static int parse(const char *first, ...)
{
    char *argv[32] = {"probe"};
    int argc = 1;
    va_list list;
    va_start(list, first);
    for (const char *a = first; a != NULL && argc < 31; a = va_arg(list, const char *))
        argv[argc++] = (char *)a;
    va_end(list);
    reset();
    return lab_cli_parse_args(&demo, argc, argv, &common, error, sizeof error);
}

#define ASSERT_REFUSED(expected_message, ...)          \
    do {                                               \
        ck_assert_int_eq(parse(__VA_ARGS__, NULL), 2); \
        ck_assert_str_eq(error, expected_message);     \
    } while (0)

START_TEST(good_values_land_in_their_targets)
{
    ck_assert_int_eq(
        parse("--threads", "7", "--seconds=0.25", "--daemon", "--mode=loop", "--label", "x", NULL),
        0);
    ck_assert_int_eq(threads, 7);
    ck_assert_double_eq(seconds, 0.25);
    ck_assert(daemon_flag);
    ck_assert_int_eq(mode, 1);
    ck_assert_str_eq(label, "x");
    ck_assert_int_eq(timeout, 5); /* untouched: the default stays */
}
END_TEST

START_TEST(common_options_are_parsed)
{
    ck_assert_int_eq(parse("--speed", "50", "--seed", "123", "--quiet", NULL), 0);
    ck_assert_double_eq(common.speed, 50);
    ck_assert_uint_eq(common.seed, 123);
    ck_assert(common.seed_given && common.quiet && !common.help);
    ck_assert_int_eq(parse("-h", NULL), 0);
    ck_assert(common.help);
    ck_assert_int_eq(parse("--about", NULL), 0);
    ck_assert(common.about);
}
END_TEST

START_TEST(bounds_are_inclusive_and_abbreviations_work)
{
    ck_assert_int_eq(parse("--threads", "1", NULL), 0);
    ck_assert_int_eq(parse("--threads", "1000", NULL), 0);
    ck_assert_int_eq(threads, 1000);
    ck_assert_int_eq(parse("--timeout", "0", NULL), 0);
    ck_assert_int_eq(parse("--thr", "3", NULL), 0); /* unambiguous prefix, as GNU tools allow */
    ck_assert_int_eq(threads, 3);
}
END_TEST

START_TEST(unknown_options_and_stray_arguments)
{
    ASSERT_REFUSED("unknown option '--bogus'", "--bogus");
    ASSERT_REFUSED("unknown option '--bogus=3'", "--bogus=3");
    ASSERT_REFUSED("unknown option '-x'", "-x");
    ASSERT_REFUSED("ambiguous option '--t': spell it out", "--t", "5");
    ASSERT_REFUSED("unexpected argument 'extra' (options start with --)", "extra");
    ASSERT_REFUSED("unexpected argument '5' (options start with --)", "--daemon", "5");
    ASSERT_REFUSED("--daemon takes no value (got '--daemon=yes')", "--daemon=yes");
    ASSERT_REFUSED("--quiet takes no value (got '--quiet=1')", "--quiet=1");
}
END_TEST

START_TEST(missing_and_empty_values)
{
    ASSERT_REFUSED("--threads needs a value", "--threads");
    ASSERT_REFUSED("--threads needs a value", "--threads=");
    ASSERT_REFUSED("--seconds needs a value", "--seconds", "");
    ASSERT_REFUSED("--label needs a value", "--label", "");
    ASSERT_REFUSED("--speed needs a value", "--speed");
}
END_TEST

START_TEST(non_numbers_and_trailing_garbage)
{
    ASSERT_REFUSED("--threads: '5x' is not a whole number", "--threads", "5x");
    ASSERT_REFUSED("--threads: 'abc' is not a whole number", "--threads", "abc");
    ASSERT_REFUSED("--threads: '1.5' is not a whole number", "--threads", "1.5");
    ASSERT_REFUSED("--threads: ' 5' is not a whole number", "--threads", " 5");
    ASSERT_REFUSED("--threads: '5 ' is not a whole number", "--threads", "5 ");
    ASSERT_REFUSED("--threads: '0x10' is not a whole number", "--threads", "0x10");
    ASSERT_REFUSED("--seconds: '2s' is not a number", "--seconds", "2s");
    ASSERT_REFUSED("--seconds: 'nan' is not a finite number", "--seconds", "nan");
    ASSERT_REFUSED("--seconds: 'inf' is not a finite number", "--seconds", "inf");
    ASSERT_REFUSED("--seed: 'twelve' is not a whole number", "--seed", "twelve");
}
END_TEST

START_TEST(negative_zero_and_huge_values)
{
    ASSERT_REFUSED("--threads: -5 is out of range (1 to 1000)", "--threads", "-5");
    ASSERT_REFUSED("--threads: 0 is out of range (1 to 1000)", "--threads", "0");
    ASSERT_REFUSED("--threads: 100000000 is out of range (1 to 1000)", "--threads", "100000000");
    ASSERT_REFUSED("--threads: 99999999999999999999999 is out of range (1 to 1000)", "--threads",
                   "99999999999999999999999");
    ASSERT_REFUSED("--seconds: -1 is out of range (0 to 60)", "--seconds", "-1");
    ASSERT_REFUSED("--seconds: 1e999 is out of range (0 to 60)", "--seconds", "1e999");
    ASSERT_REFUSED("--speed: 0 is out of range (0.001 to 10000)", "--speed", "0");
    ASSERT_REFUSED("--speed: 1e6 is out of range (0.001 to 10000)", "--speed", "1e6");
    ASSERT_REFUSED("--seed: -1 is out of range (0 to 9223372036854775807)", "--seed", "-1");
}
END_TEST

START_TEST(choices_must_be_one_of_the_list)
{
    ASSERT_REFUSED("--mode: 'bogus' is not one of: window, loop", "--mode=bogus");
    ASSERT_REFUSED("--mode: 'Loop' is not one of: window, loop", "--mode", "Loop");
}
END_TEST

START_TEST(parsing_twice_starts_afresh)
{
    ck_assert_int_eq(parse("--bogus", NULL), 2);
    ck_assert_int_eq(parse("--threads", "4", NULL), 0);
    ck_assert_int_eq(threads, 4);
}
END_TEST

/* ---- lab_init: what a user of a demo sees ---- */

static char *child_args[16];

static void init_with_child_args(void *unused)
{
    (void)unused;
    int argc = 0;
    while (child_args[argc] != NULL)
        argc++;
    lab_init(&demo, argc, child_args);
    lab_result("threads=%d speed=%g", threads, lab_speed());
}

static child_run run_init(const char *first, ...)
{
    memset(child_args, 0, sizeof child_args);
    child_args[0] = "probe";
    int n = 1;
    va_list list;
    va_start(list, first);
    for (const char *a = first; a != NULL && n < 15; a = va_arg(list, const char *))
        child_args[n++] = (char *)a;
    va_end(list);
    reset();
    return run_in_child(init_with_child_args, NULL, 10);
}

START_TEST(usage_errors_exit_2_with_one_line_and_a_hint)
{
    child_run run = run_init("--threads", "5x", NULL);
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_str_eq(run.out, "");
    ck_assert_str_eq(run.err, "probe: --threads: '5x' is not a whole number\n"
                              "usage: probe [options]   ('probe --help' lists them)\n");
    child_run_free(&run);
}
END_TEST

START_TEST(conflicting_flags_are_a_usage_error)
{
    child_run run = run_init("--daemon", "--mode=loop", NULL);
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(run.err, "probe: --daemon does not go with --mode=loop\n"));
    child_run_free(&run);
}
END_TEST

START_TEST(help_lists_every_option_and_exits_0)
{
    child_run run = run_init("--help", NULL);
    ck_assert_int_eq(run.exit_code, 0);
    ck_assert_str_eq(run.err, "");
    const char *expected[] = {"usage: probe [options]",
                              "a demo that only exists in this test",
                              "Details for --help.",
                              "--threads N",
                              "(1 to 1000; default 10)",
                              "--seconds S",
                              "(0 to 60; default 1.5)",
                              "--daemon",
                              "--mode=window|loop",
                              "(default window)",
                              "--label TEXT",
                              "--speed X",
                              "--seed N",
                              "--quiet",
                              "--about",
                              "--help",
                              "Exit status"};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ck_assert_msg(strstr(run.out, expected[i]) != NULL, "--help lacks '%s':\n%s", expected[i],
                      run.out);
    child_run_free(&run);
}
END_TEST

START_TEST(about_prints_the_summary)
{
    child_run run = run_init("--about", NULL);
    ck_assert_int_eq(run.exit_code, 0);
    ck_assert_str_eq(run.out, "a demo that only exists in this test\n");
    child_run_free(&run);
}
END_TEST

START_TEST(seed_is_said_at_start_and_ends_the_result)
{
    child_run run = run_init("--seed", "99", NULL);
    assert_exit_ok(&run);
    ck_assert_ptr_nonnull(strstr(run.out, "seed 99"));
    ck_assert_int_eq(result_int(&run, "seed"), 99);
    child_run_free(&run);
    run = run_init(NULL); /* no --seed: a fresh one, still printed */
    assert_exit_ok(&run);
    ck_assert(result_has(&run, "seed"));
    child_run_free(&run);
}
END_TEST

START_TEST(speed_comes_from_the_flag_or_the_environment)
{
    setenv("LAB_SPEED", "25", 1);
    child_run run = run_init(NULL);
    ck_assert_double_eq(result_double(&run, "speed"), 25);
    child_run_free(&run);
    run = run_init("--speed", "4", NULL); /* the flag wins */
    ck_assert_double_eq(result_double(&run, "speed"), 4);
    child_run_free(&run);
    setenv("LAB_SPEED", "fast", 1);
    run = run_init(NULL);
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(run.err, "probe: LAB_SPEED: 'fast' is not a number\n"));
    child_run_free(&run);
    unsetenv("LAB_SPEED");
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *suite = suite_create("cli");
    TCase *parsing = tcase_create("parsing");
    tcase_add_test(parsing, good_values_land_in_their_targets);
    tcase_add_test(parsing, common_options_are_parsed);
    tcase_add_test(parsing, bounds_are_inclusive_and_abbreviations_work);
    tcase_add_test(parsing, unknown_options_and_stray_arguments);
    tcase_add_test(parsing, missing_and_empty_values);
    tcase_add_test(parsing, non_numbers_and_trailing_garbage);
    tcase_add_test(parsing, negative_zero_and_huge_values);
    tcase_add_test(parsing, choices_must_be_one_of_the_list);
    tcase_add_test(parsing, parsing_twice_starts_afresh);
    suite_add_tcase(suite, parsing);
    TCase *init = tcase_create("lab_init");
    tcase_set_timeout(init, 15);
    tcase_add_test(init, usage_errors_exit_2_with_one_line_and_a_hint);
    tcase_add_test(init, conflicting_flags_are_a_usage_error);
    tcase_add_test(init, help_lists_every_option_and_exits_0);
    tcase_add_test(init, about_prints_the_summary);
    tcase_add_test(init, seed_is_said_at_start_and_ends_the_result);
    tcase_add_test(init, speed_comes_from_the_flag_or_the_environment);
    suite_add_tcase(suite, init);
    return suite;
}

LAB_TEST_MAIN(cli_suite)
