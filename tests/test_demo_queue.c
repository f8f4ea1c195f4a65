/* test_demo_queue.c — every item got exactly once in every part, kind and bound; the three
 * orders; join before shutdown; --no-join loses buns; a fractional --buns refused. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kinds[] = {"fifo", "lifo", "priority"};

/* The invariants of any correct run: all put items got, none lost, none twice. */
static void assert_nothing_lost(const child_run *run, long long maxsize)
{
    assert_exit_ok(run);
    long long produced = result_int(run, "produced");
    ck_assert_msg(produced > 0, "nothing produced:\n%s", run->out);
    ck_assert_int_eq(result_int(run, "consumed"), produced);
    ck_assert_int_eq(result_int(run, "lost"), 0);
    ck_assert_int_eq(result_int(run, "duplicated"), 0);
    ck_assert_int_eq(result_int(run, "maxsize"), maxsize);
    long long seen = result_int(run, "max_size_seen");
    ck_assert(seen >= 1);
    if (maxsize > 0)
        ck_assert_msg(seen <= maxsize, "max_size_seen=%lld with maxsize %lld", seen, maxsize);
}

START_TEST(all_parts_lose_nothing_for_every_kind_and_seed)
{
    for (int k = 0; k < 3; k++) {
        for (int seed = 1; seed <= 4; seed++) {
            char kind[32], seed_text[16];
            snprintf(kind, sizeof kind, "--kind=%s", kinds[k]);
            snprintf(seed_text, sizeof seed_text, "%d", seed);
            child_run run =
                run_demo("queue", kind, "--seed", seed_text, "--speed", "200", "--quiet", NULL);
            assert_nothing_lost(&run, 0);
            /* order: 5, writer/reader: 2 to 5, buns: 9, timeout: 2 (the third put times out) */
            long long produced = result_int(&run, "produced");
            ck_assert(produced >= 5 + 2 + 9 + 2 && produced <= 5 + 5 + 9 + 2);
            assert_result_text(&run, "timeouts", "Full,Empty,3");
            ck_assert_msg(strncmp(run.out, "result: ", 8) == 0, "--quiet printed more:\n%s",
                          run.out);
            child_run_free(&run);
        }
    }
}
END_TEST

/* Every run on a shelf of 2: nothing lost, never more than 2; returns how often a line
 * had to wait for room. */
static long bounded_run_waits(const child_run *run)
{
    assert_nothing_lost(run, 2);
    ck_assert_int_eq(result_int(run, "produced"), 15);
    return count_lines_with(run->out, "the queue is full (2): waiting for room");
}

START_TEST(a_bounded_shelf_never_holds_more_and_the_lines_wait)
{
    static const char *const kinds_args[] = {"--kind=fifo", "--kind=lifo", "--kind=priority"};
    for (int k = 0; k < 3; k++) { /* the bound holds for every kind */
        child_run run = run_demo("queue", "--part=buns", kinds_args[k], "--maxsize", "2", "--buns",
                                 "15", "--speed", "100", NULL);
        bounded_run_waits(&run);
        child_run_free(&run);
    }
    /* 3 buns a second against 1 eaten a second: the shelf of 2 fills up */
    const char *args[] = {"--part=buns", "--maxsize", "2", "--buns", "15", "--speed", "100", NULL};
    ck_assert_msg(run_until_bug_shows("queue", args, bounded_run_waits) > 0,
                  "no line ever waited for room on a shelf of 2 in %d runs", BUG_TRIES);
}
END_TEST

START_TEST(writer_and_reader_pass_the_same_random_count)
{
    for (int seed = 1; seed <= 6; seed++) {
        char seed_text[16];
        snprintf(seed_text, sizeof seed_text, "%d", seed);
        child_run run =
            run_demo("queue", "--part=writer", "--seed", seed_text, "--speed", "200", NULL);
        assert_nothing_lost(&run, 0);
        long long loops = result_int(&run, "produced");
        ck_assert(loops >= 2 && loops <= 5);
        ck_assert_int_eq(count_lines_with(run.out, "| produced object "), loops);
        ck_assert_int_eq(count_lines_with(run.out, "| consumed object "), loops);
        ck_assert_int_eq(count_lines_with(run.out, "| All done"), 1);
        /* the same seed draws the same count */
        child_run again = run_demo("queue", "--part=writer", "--seed", seed_text, "--speed", "1000",
                                   "--quiet", NULL);
        ck_assert_int_eq(result_int(&again, "produced"), loops);
        child_run_free(&again);
        child_run_free(&run);
    }
}
END_TEST

/* The order part for one kind and bound: the order= key and how many puts said Full. */
static void check_order(const char *kind, const char *maxsize, const char *expected_order,
                        int fulls)
{
    char kind_arg[32];
    snprintf(kind_arg, sizeof kind_arg, "--kind=%s", kind);
    child_run run = run_demo("queue", "--part=order", kind_arg, "--maxsize", maxsize, NULL);
    assert_nothing_lost(&run, atoll(maxsize));
    char order[64];
    ck_assert_str_eq(result_text(&run, "order", order, sizeof order), expected_order);
    ck_assert_int_eq(result_int(&run, "produced"), 5 - fulls);
    ck_assert_int_eq(count_lines_with(run.out, ": Full, size now"), fulls);
    child_run_free(&run);
}

START_TEST(the_kind_decides_the_order)
{
    check_order("fifo", "0", "1,2,3,4,5", 0);
    check_order("lifo", "0", "5,4,3,2,1", 0);
    check_order("priority", "0", "2,4,1,3,5", 0); /* priorities 3 1 4 1 5: ties in put order */
    check_order("fifo", "3", "1,2,3", 2);         /* put_nowait on a full queue: Full */
    check_order("lifo", "3", "3,2,1", 2);
    check_order("priority", "3", "2,1,3", 2);
}
END_TEST

/* Where the last line containing needle starts, or NULL. */
static const char *last_line_with(const char *text, const char *needle)
{
    const char *found = NULL;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
        found = p;
    return found;
}

START_TEST(main_joins_the_queue_before_it_shuts_the_shop)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run = run_demo("queue", "--part=buns", "--buns", "12", "--speed", "100", NULL);
        assert_nothing_lost(&run, 0);
        ck_assert_int_eq(count_lines_with(run.out, "| made bun "), 12);
        ck_assert_int_eq(count_lines_with(run.out, "| eating bun "), 12);
        ck_assert_int_eq(count_lines_with(run.out, "going home"), 2);
        /* join returns after the last task_done, which follows the last "eating" line */
        const char *closing = strstr(run.out, "every bun eaten: closing the shop");
        ck_assert_ptr_nonnull(closing);
        ck_assert_msg(last_line_with(run.out, "| eating bun ") < closing,
                      "closed before the last bun:\n%s", run.out);
        ck_assert_msg(strstr(run.out, "going home") > closing,
                      "a customer left before closing:\n%s", run.out);
        /* FIFO: buns are numbered as they go onto the shelf and announced as they are taken,
         * so the story shows them made 1, 2, 3 ... and eaten 1, 2, 3 ..., each made before eaten */
        int made = 0, eaten = 0, number;
        for (const char *line = run.out; line != NULL;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            const char *bar = strstr(line, "| ");
            if (bar == NULL || bar > strchr(line, '\n'))
                continue;
            if (sscanf(bar, "| made bun %d", &number) == 1)
                ck_assert_msg(number == ++made, "bun %d made after bun %d:\n%s", number, made - 1,
                              run.out);
            else if (sscanf(bar, "| eating bun %d", &number) == 1) {
                ck_assert_msg(number == ++eaten, "bun %d eaten after bun %d:\n%s", number,
                              eaten - 1, run.out);
                ck_assert_msg(number <= made, "bun %d eaten before it was made:\n%s", number,
                              run.out);
            }
        }
        ck_assert_int_eq(eaten, 12);
        child_run_free(&run);
    }
}
END_TEST

/* Every --no-join run: each bun was eaten or thrown away, none twice; returns how many
 * were thrown away. */
static long no_join_run_lost(const child_run *run)
{
    assert_exit_ok(run); /* the demonstration ran as designed */
    long long produced = result_int(run, "produced");
    long long consumed = result_int(run, "consumed");
    long long lost = result_int(run, "lost");
    ck_assert_int_eq(produced, 12);
    ck_assert_int_eq(result_int(run, "duplicated"), 0);
    ck_assert_int_eq(consumed + lost, produced); /* every bun was eaten or thrown away */
    ck_assert_int_eq(count_lines_with(run->out, "thrown away"), 1);
    return (long)lost;
}

START_TEST(no_join_throws_buns_away)
{
    /* 12 buns made in 4 s, at most ~6 eaten by then: the rest are on the shelf */
    const char *args[] = {"--part=buns", "--no-join", "--buns", "12", "--speed", "50", NULL};
    ck_assert_msg(run_until_bug_shows("queue", args, no_join_run_lost) > 0,
                  "%d runs of --no-join lost no bun", BUG_TRIES);
}
END_TEST

/* The generic bad input (ranges, choices, flags) is test_every_demo's; this one is not in
 * its matrix: a fraction for a whole number. */
/* put(timeout) on a full queue and get(timeout) on an empty one give up after the whole
 * wait (Python's Full and Empty, ETIMEDOUT here); an item that comes in time ends the wait. */
START_TEST(timed_put_and_get_give_up_after_the_wait)
{
    for (int k = 0; k < 3; k++) {
        char kind[32];
        snprintf(kind, sizeof kind, "--kind=%s", kinds[k]);
        child_run run = run_demo("queue", "--part=timeout", kind, "--speed", "20", NULL);
        assert_nothing_lost(&run, 0);
        assert_result_text(&run, "timeouts", "Full,Empty,3");
        ck_assert_int_eq(result_int(&run, "produced"), 2); /* 1 and 3: 2 never went in */
        ck_assert_int_eq(result_int(&run, "max_size_seen"), 1);
        ck_assert_int_eq(count_lines_with(run.out, "put(2, timeout=1): gave up after 1."), 1);
        ck_assert_int_eq(count_lines_with(run.out, "get(timeout=1): gave up after 1."), 1);
        ck_assert_int_eq(count_lines_with(run.out, "get(timeout=5) = 3 after 0."), 1);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(bad_input_is_a_usage_error)
{
    assert_usage_error("queue", "--buns", "3.5", NULL);
}
END_TEST

static Suite *queue_demo_suite(void)
{
    Suite *suite = suite_create("demo: queue");
    TCase *tc = tcase_create("queue");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, all_parts_lose_nothing_for_every_kind_and_seed);
    tcase_add_test(tc, a_bounded_shelf_never_holds_more_and_the_lines_wait);
    tcase_add_test(tc, writer_and_reader_pass_the_same_random_count);
    tcase_add_test(tc, the_kind_decides_the_order);
    tcase_add_test(tc, main_joins_the_queue_before_it_shuts_the_shop);
    tcase_add_test(tc, no_join_throws_buns_away);
    tcase_add_test(tc, timed_put_and_get_give_up_after_the_wait);
    tcase_add_test(tc, bad_input_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(queue_demo_suite)
