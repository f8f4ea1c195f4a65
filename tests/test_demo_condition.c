/* test_demo_condition.c — the shop: with wait_for every customer gets an item and nobody
 * passes the wait for nothing, in every notify mode; notify(n) wakes at most n; the `if`
 * bug shows as violations once more customers are woken than there are items. */
#include "support.h"

#include <stdio.h>
#include <string.h>

static child_run run_shop(const char *extra1, const char *extra2, const char *extra3)
{
    const char *args[] = {"--speed", "50", extra1, extra2, extra3, NULL};
    return run_demo_argv("condition", args, RUN_TIMEOUT);
}

/* What holds in every run, broken or not. */
static void assert_books_balance(const child_run *run)
{
    long long customers = result_int(run, "customers"), batch = result_int(run, "batch");
    long long released = result_int(run, "released"), violations = result_int(run, "violations");
    ck_assert_int_eq(released + violations, customers); /* everybody left, one way or the other */
    ck_assert_int_le(result_int(run, "waiters"), customers);
    ck_assert_int_eq(result_int(run, "leftover"), result_int(run, "deliveries") * batch - released);
    ck_assert_int_eq(count_lines_with(run->out, "| takes item #"), released);
    ck_assert_int_eq(count_lines_with(run->out, "| BUG: "), violations);
}

START_TEST(with_wait_for_everyone_gets_an_item_in_every_notify_mode)
{
    static const char *const modes[] = {"--notify=n", "--notify=all", "--notify=one"};
    for (size_t m = 0; m < 3; m++) {
        for (int attempt = 0; attempt < 4; attempt++) {
            child_run run = run_shop(modes[m], NULL, NULL);
            assert_exit_ok(&run);
            assert_books_balance(&run);
            ck_assert_int_eq(result_int(&run, "released"), 6);
            ck_assert_int_eq(result_int(&run, "violations"), 0);
            ck_assert_int_le(result_int(&run, "wakeups"), 6 * result_int(&run, "deliveries"));
            child_run_free(&run);
        }
    }
}
END_TEST

START_TEST(other_sizes_keep_the_invariant)
{
    static const char *const sizes[][2] = {{"10", "3"}, {"1", "1"}, {"5", "8"}, {"30", "4"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const char *args[] = {"--speed", "50",        "--customers", sizes[i][0],
                              "--batch", sizes[i][1], NULL};
        child_run run = run_demo_argv("condition", args, RUN_TIMEOUT);
        assert_exit_ok(&run);
        assert_books_balance(&run);
        ck_assert_int_eq(result_int(&run, "released"), result_int(&run, "customers"));
        ck_assert_int_eq(result_int(&run, "violations"), 0);
        child_run_free(&run);
    }
}
END_TEST

/* "delivers 2 (...); notify(batch) wakes K of W waiting": K is never above the batch. */
START_TEST(notify_n_opens_the_gate_for_at_most_a_batch)
{
    child_run run = run_shop("--customers=10", "--batch=3", NULL);
    assert_exit_ok(&run);
    int deliveries = 0;
    for (const char *at = strstr(run.out, "notify(batch) wakes "); at != NULL;
         at = strstr(at + 1, "notify(batch) wakes ")) {
        int woken = -1, waiting = -1;
        ck_assert_int_eq(sscanf(at, "notify(batch) wakes %d of %d waiting", &woken, &waiting), 2);
        ck_assert_int_le(woken, 3);
        ck_assert_int_le(woken, waiting);
        deliveries++;
    }
    ck_assert_int_eq(deliveries, result_int(&run, "deliveries"));
    ck_assert_int_ge(deliveries, 4); /* 10 customers, 3 items a delivery */
    child_run_free(&run);
}
END_TEST

/* Every --notify=all run: each extra wake-up is told; returns how many were wasted. */
static long notify_all_run_wasted(const child_run *run)
{
    assert_exit_ok(run);
    long long extra = result_int(run, "wakeups") - result_int(run, "waiters");
    ck_assert_int_eq(count_lines_with(run->out, "| woken, but the shelf is empty"), extra);
    return (long)extra;
}

START_TEST(notify_all_wakes_more_than_it_serves)
{
    const char *args[] = {"--speed", "50", "--notify=all", NULL};
    ck_assert_msg(run_until_bug_shows("condition", args, notify_all_run_wasted) > 0,
                  "%d runs: notify_all never woke a customer for an item someone else took",
                  BUG_TRIES);
}
END_TEST

/* Every --if run: caught and counted, never a crash, the books balance; returns violations. */
static long if_run_violations(const child_run *run)
{
    assert_exit_ok(run);
    assert_books_balance(run);
    return (long)result_int(run, "violations");
}

START_TEST(the_if_bug_takes_items_that_are_gone)
{
    const char *args[] = {"--speed", "50", "--if", "--notify=all", NULL};
    ck_assert_msg(run_until_bug_shows("condition", args, if_run_violations) > 0,
                  "%d runs of --if --notify=all had no violation", BUG_TRIES);
}
END_TEST

START_TEST(the_if_bug_can_hide_behind_notify_n)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run = run_shop("--if", NULL, NULL);
        assert_exit_ok(&run);
        assert_books_balance(&run);
        if (result_int(&run, "violations") == 0)
            ck_assert_int_eq(count_lines_with(run.out, "try --if --notify=all"), 1);
        child_run_free(&run);
    }
}
END_TEST

static Suite *condition_demo_suite(void)
{
    Suite *suite = suite_create("demo: condition");
    TCase *tc = tcase_create("condition");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, with_wait_for_everyone_gets_an_item_in_every_notify_mode);
    tcase_add_test(tc, other_sizes_keep_the_invariant);
    tcase_add_test(tc, notify_n_opens_the_gate_for_at_most_a_batch);
    tcase_add_test(tc, notify_all_wakes_more_than_it_serves);
    tcase_add_test(tc, the_if_bug_takes_items_that_are_gone);
    tcase_add_test(tc, the_if_bug_can_hide_behind_notify_n);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(condition_demo_suite)
