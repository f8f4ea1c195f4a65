/* test_demo_event.c — the traffic light: it ends by itself, cars stop at every red and are
 * all released by green, and nobody runs a red; polling burns checks; impatience runs reds. */
#include "support.h"

#include <stdio.h>
#include <string.h>

START_TEST(nobody_runs_a_red_and_every_wait_ends_on_green)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        child_run run = run_demo("event", "--speed", "50", NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "cycles"), 2);
        ck_assert_int_eq(result_int(&run, "cars"), 3);
        ck_assert_int_eq(result_int(&run, "max_running_on_red"), 0);
        long long red_waits = result_int(&run, "red_waits");
        ck_assert_int_ge(red_waits, 1); /* red lasts 5 counts; a car looks every count */
        ck_assert_int_eq(count_lines_with(run.out, "| sees red light, waiting..."), red_waits);
        ck_assert_int_eq(count_lines_with(run.out, "| green light is on, start going..."),
                         red_waits);
        ck_assert_int_eq(count_lines_with(run.out, "red light is on"), 2); /* once a cycle */
        ck_assert_int_eq(count_lines_with(run.out, "ON RED"), 0);
        ck_assert_int_gt(count_lines_with(run.out, "car-MINT   | is running"), 0);
        char mode[16];
        ck_assert_str_eq(result_text(&run, "mode", mode, sizeof mode), "wait");
        child_run_free(&run);
    }
}
END_TEST

/* A car looks at the light and says what it saw in one step, the lighter changes the light
 * and says so in one step, and a car woken by green says so only after the lighter's line
 * (the demo's story_lock). So "is running" never comes while the lighter's last word was
 * red, nor "sees red light" while it was green, and a car's "start going" follows a green
 * line said after that car's own "sees red light". */
START_TEST(lines_follow_the_order_of_events)
{
    enum { CARS = 6 };
    for (int attempt = 0; attempt < 5; attempt++) {
        child_run run = run_demo("event", "--speed", "50", "--cars", "6", NULL);
        assert_exit_ok(&run);
        bool green = false; /* the light starts red: the Event starts clear */
        int greens = 0, greens_when_stopped[CARS] = {0};
        static const char *const names[CARS] = {"car-MINT ", "car-AUDI ", "car-BENZ ",
                                                "car-FORD ", "car-JEEP ", "car-FIAT "};
        for (const char *line = run.out; line != NULL && *line != '\0';) {
            const char *end = strchr(line, '\n');
            size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
            char text[256];
            snprintf(text, sizeof text, "%.*s", (int)(length < 255 ? length : 255), line);
            int car = 0;
            while (car < CARS && strstr(text, names[car]) == NULL)
                car++;
            if (strstr(text, "lighter    | ") != NULL && strstr(text, "green light") != NULL)
                green = true, greens++;
            else if (strstr(text, "lighter    | ") != NULL &&
                     strstr(text, "red light is on") != NULL)
                green = false;
            else if (strstr(text, "| is running") != NULL)
                ck_assert_msg(green, "a car runs after the light turned red: %s", text);
            else if (strstr(text, "| sees red light") != NULL && car < CARS) {
                ck_assert_msg(!green, "a car sees red on green: %s", text);
                greens_when_stopped[car] = greens;
            } else if (strstr(text, "| green light is on, start going") != NULL && car < CARS)
                ck_assert_msg(greens > greens_when_stopped[car], "a car goes before the green: %s",
                              text);
            line = end != NULL ? end + 1 : NULL;
        }
        child_run_free(&run);
    }
}
END_TEST

START_TEST(many_cars_and_cycles_still_end_by_themselves)
{
    child_run run =
        run_demo("event", "--speed", "100", "--cars", "20", "--cycles", "3", "--quiet", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "cars"), 20);
    ck_assert_int_eq(result_int(&run, "cycles"), 3);
    ck_assert_int_eq(result_int(&run, "max_running_on_red"), 0);
    ck_assert_int_ge(result_int(&run, "red_waits"), 1);
    child_run_free(&run);
}
END_TEST

START_TEST(polling_burns_far_more_checks_than_waiting)
{
    child_run waiting = run_demo("event", "--speed", "50", "--quiet", NULL);
    child_run polling = run_demo("event", "--speed", "50", "--busy", NULL);
    assert_exit_ok(&waiting);
    assert_exit_ok(&polling);
    long long waited_checks = result_int(&waiting, "checks");
    long long polled_checks = result_int(&polling, "checks");
    /* a waiting car looks once a count; a polling one spins through the whole red */
    ck_assert_msg(polled_checks > 20 * waited_checks, "polling: %lld checks, waiting: %lld",
                  polled_checks, waited_checks);
    ck_assert_int_eq(result_int(&polling, "max_running_on_red"), 0); /* wasteful, not wrong */
    ck_assert_int_eq(count_lines_with(polling.out, "| burned "), result_int(&polling, "red_waits"));
    child_run_free(&waiting);
    child_run_free(&polling);
}
END_TEST

/* Every --impatient run: at most the 3 cars on red, each said so; returns how many at once. */
static long impatient_run_on_red(const child_run *run)
{
    assert_exit_ok(run);
    long long on_red = result_int(run, "max_running_on_red");
    ck_assert_int_le(on_red, 3);
    ck_assert_int_eq(count_lines_with(run->out, "| tired of waiting"),
                     count_lines_with(run->out, "ON RED"));
    return (long)on_red;
}

START_TEST(impatient_cars_run_the_red)
{
    const char *args[] = {"--speed", "50", "--impatient", NULL};
    ck_assert_msg(run_until_bug_shows("event", args, impatient_run_on_red) > 0,
                  "%d runs: impatient cars never ran a 5-count red with 2 counts of patience",
                  BUG_TRIES);
}
END_TEST

/* The generic bad input is test_every_demo's; this conflict is the event demo's own. */
START_TEST(two_broken_programs_at_once_are_a_usage_error)
{
    assert_usage_error("event", "--busy", "--impatient", NULL);
}
END_TEST

static Suite *event_demo_suite(void)
{
    Suite *suite = suite_create("demo: event");
    TCase *tc = tcase_create("event");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, nobody_runs_a_red_and_every_wait_ends_on_green);
    tcase_add_test(tc, lines_follow_the_order_of_events);
    tcase_add_test(tc, many_cars_and_cycles_still_end_by_themselves);
    tcase_add_test(tc, polling_burns_far_more_checks_than_waiting);
    tcase_add_test(tc, impatient_cars_run_the_red);
    tcase_add_test(tc, two_broken_programs_at_once_are_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(event_demo_suite)
