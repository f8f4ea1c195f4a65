/* test_say.c — one call, one whole line: prefixed with class seconds, never torn, in time
 * order, wrapped to LAB_COLUMNS under the prefix, quiet when asked; colours by order of
 * appearance from a palette readable on light and dark screens, on a terminal unless
 * NO_COLOR, or as --color says. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "rng.h"
#include "say.h"
#include "thread.h"

#include <math.h>
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
    ck_assert_int_eq(run.out[8], ']'); /* "[%7.3f]": the column stays put */
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

static void story_after_the_result(void *unused)
{
    (void)unused;
    lab_rng_set_seed(7);
    say("before");
    lab_result("done=1");
    say("a daemon still talking at exit"); /* must not land after the result line */
    lab_print("nor this");
}

START_TEST(nothing_is_printed_after_the_result_line)
{
    child_run run = run_in_child(story_after_the_result, NULL, 10);
    assert_exit_ok(&run);
    ck_assert_int_eq(count_lines_with(run.out, "before"), 1);
    ck_assert_int_eq(count_lines_with(run.out, "daemon"), 0);
    ck_assert_int_eq(count_lines_with(run.out, "nor this"), 0);
    const char *last = strstr(run.out, "result: done=1 seed=7\n");
    ck_assert_msg(last != NULL && last[strlen("result: done=1 seed=7\n")] == '\0', "%s", run.out);
    child_run_free(&run);
}
END_TEST

/* Columns of one output line: escapes take none, a UTF-8 sequence one (or two for the
 * CJK block the tests print). */
static int line_columns(const char *line, size_t length)
{
    int total = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == '\033') {
            while (i < length && line[i] != 'm')
                i++;
        } else if (c >= 0xe4 && c <= 0xe9) { /* U+4000..U+9FFF: wide */
            total += 2;
            i += 2;
        } else if ((c & 0xc0) != 0x80) {
            total++;
        }
    }
    return total;
}

/* Assert every line of text fits LAB_COLUMNS, except a result: line. */
static void assert_all_fit(const char *text)
{
    for (const char *line = text; *line != '\0';) {
        const char *end = strchr(line, '\n');
        ck_assert_ptr_nonnull(end);
        if (strncmp(line, "result: ", 8) != 0)
            ck_assert_msg(line_columns(line, (size_t)(end - line)) <= LAB_COLUMNS, "too wide: %.*s",
                          (int)(end - line), line);
        line = end + 1;
    }
}

static void say_a_very_long_line(void *unused)
{
    (void)unused;
    char text[3000];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    say("%s", text);
    lab_print("%s", text);
    lab_result("%s", text);
}

START_TEST(long_lines_are_cut_short_and_marked)
{
    child_run run = run_in_child(say_a_very_long_line, NULL, 10);
    assert_exit_ok(&run);
    assert_all_fit(run.out);
    ck_assert_int_eq(count_lines_with(run.out, "..."), 3); /* say, lab_print, lab_result */
    const char *result = strstr(run.out, "\nresult: ");
    ck_assert_ptr_nonnull(result);
    ck_assert_int_eq(strlen(result + 1), LAB_LINE_MAX); /* never wrapped, cut at the same size */
    int xs = 0;
    for (const char *p = run.out; p < result; p++)
        xs += *p == 'x';
    ck_assert_int_eq(xs, 2 * (LAB_LINE_MAX - 4)); /* the text is cut before it is wrapped */
    child_run_free(&run);
}
END_TEST

static const char *const sentence =
    "the lighter turns the light green, and every car that waited at the red light drives "
    "on while the next cars arrive, see the green light and do not stop at all; then the "
    "light turns red again";

static void say_long_sentences(void *unused)
{
    (void)unused;
    lab_thread_set_current_name("car-MINT");
    say("%s", sentence);
    say("中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中"
        "文中文中文中文中文中文中文中文");
    lab_print("    %s", sentence);
    lab_print("a table\nof lines");
    lab_result("long=%s",
               "yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes"
               " yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes yes");
}

START_TEST(long_story_lines_wrap_under_the_text)
{
    child_run run = run_in_child(say_long_sentences, NULL, 10);
    assert_exit_ok(&run);
    assert_all_fit(run.out);
    /* say(): the first line has the prefix, the others blanks and the bar in its column */
    char joined[1024] = "";
    const char *line = run.out;
    ck_assert_int_eq(strncmp(line + 10, "car-MINT   | ", 13), 0);
    snprintf(joined, sizeof joined, "%.*s", (int)(strchr(line, '\n') - line - 23), line + 23);
    int continued = 0;
    for (line = strchr(line, '\n') + 1; strncmp(line, "                     | ", 23) == 0;
         line = strchr(line, '\n') + 1) {
        const char *end = strchr(line, '\n');
        ck_assert_int_ne(line[23], ' '); /* the text starts right under the text */
        snprintf(joined + strlen(joined), sizeof joined - strlen(joined), " %.*s",
                 (int)(end - line - 23), line + 23);
        continued++;
    }
    ck_assert_int_ge(continued, 1);
    ck_assert_str_eq(joined, sentence); /* broken at spaces only: no word cut */
    /* wide characters count two columns: 60 of them make 120 columns, two lines */
    ck_assert_int_eq(line[0], '[');
    line = strchr(line, '\n') + 1;
    ck_assert_int_eq(strncmp(line, "                     | 中文", 23 + 6), 0);
    line = strchr(line, '\n') + 1;
    /* lab_print(): continuation lines under the line's own indentation plus two */
    ck_assert_int_eq(strncmp(line, "    the lighter", 15), 0);
    line = strchr(line, '\n') + 1;
    ck_assert_int_eq(strncmp(line, "      ", 6), 0);
    ck_assert_int_ne(line[6], ' ');
    ck_assert_ptr_nonnull(strstr(run.out, "\na table\nof lines\nresult: long=yes"));
    ck_assert_int_eq(count_lines_with(run.out, "result: "), 1);
    child_run_free(&run);
}
END_TEST

static void sleep_then_say(void *unused)
{
    (void)unused;
    lab_set_speed(1000);
    lab_sleep(200); /* 0.2 real seconds */
    say("later");
}

START_TEST(stamps_count_class_seconds)
{
    child_run run = run_in_child(sleep_then_say, NULL, 10);
    assert_exit_ok(&run);
    double stamp = 0;
    ck_assert_int_eq(sscanf(run.out, "[%lf]", &stamp), 1);
    ck_assert_msg(stamp >= 200, "stamp %.3f after sleeping 200 class seconds at 1000x", stamp);
    child_run_free(&run);
}
END_TEST

enum { WRITERS = 8, LINES_EACH = 10000 };

static void *write_many_lines(void *arg)
{
    long id = (long)arg;
    lab_rng rng = lab_rng_stream((uint64_t)id);
    for (int k = 0; k < LINES_EACH; k++) { /* lengths vary so that writes overlap unevenly */
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
        threads[i] =
            lab_thread_start(write_many_lines, (void *)i, LAB_THREAD_NOT_DAEMON, "w%ld", i);
    for (int i = 0; i < WRITERS; i++)
        lab_thread_join(threads[i]);
}

/* Check one record exactly, its lines joined and its blanks removed (wrapping breaks at
 * a blank, which it drops): "[0.003]w3|line17ofwriter3=====|". Returns the writer id and
 * the line number through *id and *k. */
static bool record_is_whole(const char *record, int *id, int *k)
{
    char name[16];
    double stamp;
    int consumed = 0;
    if (sscanf(record, "[%lf]%15[^|]|line%dofwriter%d%n", &stamp, name, k, id, &consumed) != 4 ||
        *id < 0 || *id >= WRITERS)
        return false;
    char expected[16];
    snprintf(expected, sizeof expected, "w%d", *id);
    if (strcmp(name, expected) != 0)
        return false;
    const char *p = record + consumed;
    while (*p == '=')
        p++;
    return p[0] == '|' && p[1] == '\0';
}

START_TEST(lines_never_tear_under_eight_threads)
{
    child_run run = run_in_child(many_writers, NULL, 60);
    assert_exit_ok(&run);
    static int next_line[WRITERS];
    static char record[4096];
    int total = 0;
    double last_stamp = 0;
    for (char *line = run.out; *line != '\0';) {
        ck_assert_int_eq(line[0], '['); /* a record starts with its stamp */
        double stamp = -1;
        ck_assert_int_eq(sscanf(line, "[%lf]", &stamp), 1);
        ck_assert_msg(stamp >= last_stamp, "stamp %.3f after %.3f", stamp, last_stamp);
        last_stamp = stamp;
        size_t used = 0;
        const char *from = line;
        do { /* this line and the text of its continuation lines, without blanks */
            char *end = strchr(line, '\n');
            ck_assert_ptr_nonnull(end);
            ck_assert_int_le(end - line, LAB_COLUMNS);
            for (const char *c = from; c < end; c++)
                if (*c != ' ' && used < sizeof record - 1)
                    record[used++] = *c;
            line = end + 1;
            from = line + 23;
        } while (strncmp(line, "                     | ", 23) == 0);
        record[used] = '\0';
        int id = -1, k = -1;
        ck_assert_msg(record_is_whole(record, &id, &k), "torn record: %s", record);
        ck_assert_int_eq(k, next_line[id]); /* each writer's lines, once each, in order */
        next_line[id]++;
        total++;
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
            break; /* EIO once the child has exited */
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
    ck_assert_ptr_nonnull(strstr(say_on_a_terminal(""), "\033[")); /* empty means unset */
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

/* The colour codes of the names in text, in order: -1 for a name without colour. */
static int colour_codes(const char *text, int *codes, int max)
{
    int count = 0;
    for (const char *line = text; *line != '\0' && count < max;) {
        const char *escape = strstr(line, "\033[38;5;");
        const char *end = strchr(line, '\n');
        if (line[0] == '[')
            codes[count++] = escape != NULL && escape < end ? atoi(escape + 7) : -1;
        line = end + 1;
    }
    return count;
}

static void many_names_speak(void *when)
{
    if (when != NULL)
        lab_set_color(*(lab_color *)when);
    say("main first");
    for (int i = 0; i < LAB_PALETTE_SIZE + 2; i++) {
        char name[16];
        snprintf(name, sizeof name, i % 2 ? "reader-%d" : "writer-%d", i);
        lab_thread_set_current_name(name);
        say("speaks");
    }
    lab_thread_set_current_name("writer-0");
    say("again");
}

START_TEST(colours_by_order_of_appearance_then_cycle)
{
    setenv("NO_COLOR", "1", 1); /* --color=always wins over NO_COLOR, as with git */
    lab_color always = LAB_COLOR_ALWAYS;
    child_run run = run_in_child(many_names_speak, &always, 10);
    unsetenv("NO_COLOR");
    assert_exit_ok(&run);
    int codes[32];
    int n = colour_codes(run.out, codes, 32);
    ck_assert_int_eq(n, LAB_PALETTE_SIZE + 4);
    ck_assert_int_eq(codes[0], -1); /* main keeps the terminal's own colour */
    for (int i = 1; i <= LAB_PALETTE_SIZE; i++)
        for (int j = 1; j < i; j++)
            ck_assert_msg(codes[i] != codes[j], "names %d and %d share colour %d", i, j, codes[i]);
    ck_assert_int_eq(codes[LAB_PALETTE_SIZE + 1], codes[1]); /* then the palette cycles */
    ck_assert_int_eq(codes[LAB_PALETTE_SIZE + 2], codes[2]);
    ck_assert_int_eq(codes[LAB_PALETTE_SIZE + 3], codes[1]); /* a name keeps its colour */
    child_run_free(&run);
}
END_TEST

/* Relative luminance (WCAG) of an xterm 256-colour cube entry. */
static double luminance_of(int code)
{
    static const int level[6] = {0, 95, 135, 175, 215, 255};
    int rgb[3] = {level[(code - 16) / 36], level[(code - 16) / 6 % 6], level[(code - 16) % 6]};
    double weight[3] = {0.2126, 0.7152, 0.0722}, sum = 0;
    for (int i = 0; i < 3; i++) {
        double c = rgb[i] / 255.0;
        sum += weight[i] * (c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
    }
    return sum;
}

START_TEST(palette_reads_on_light_and_dark_screens)
{
    lab_color always = LAB_COLOR_ALWAYS;
    child_run run = run_in_child(many_names_speak, &always, 10);
    int codes[32];
    int n = colour_codes(run.out, codes, 32);
    for (int i = 1; i < n; i++) {
        /* the cube's fixed colours, not the 16 a theme remaps (where yellow and cyan fade) */
        ck_assert_int_ge(codes[i], 16);
        ck_assert_int_le(codes[i], 231);
        double l = luminance_of(codes[i]);
        double on_white = 1.05 / (l + 0.05), on_black = (l + 0.05) / 0.05;
        ck_assert_msg(on_white >= 3.5 && on_black >= 3.5,
                      "colour %d: contrast %.2f on white, %.2f on black", codes[i], on_white,
                      on_black);
    }
    child_run_free(&run);
}
END_TEST

START_TEST(never_means_never)
{
    lab_color never = LAB_COLOR_NEVER;
    child_run run = run_in_child(many_names_speak, &never, 10);
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
    tcase_add_test(tc, nothing_is_printed_after_the_result_line);
    tcase_add_test(tc, long_lines_are_cut_short_and_marked);
    tcase_add_test(tc, long_story_lines_wrap_under_the_text);
    tcase_add_test(tc, stamps_count_class_seconds);
    tcase_add_test(tc, lines_never_tear_under_eight_threads);
    tcase_add_test(tc, colour_on_a_terminal_unless_no_color);
    tcase_add_test(tc, no_colour_into_a_pipe);
    tcase_add_test(tc, colours_by_order_of_appearance_then_cycle);
    tcase_add_test(tc, palette_reads_on_light_and_dark_screens);
    tcase_add_test(tc, never_means_never);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(say_suite)
