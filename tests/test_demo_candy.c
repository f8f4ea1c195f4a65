/* test_demo_candy.c — the candy machine: the counts always add up and the tray never leaves
 * 0..max, over many seeds; full and empty trays both happen; a plain sem_t overfills. */
#include "support.h"

#include <stdio.h>
#include <string.h>

static child_run run_candy(int seed, const char *max, bool plain)
{
    char seed_text[16];
    snprintf(seed_text, sizeof seed_text, "%d", seed);
    const char *args[] = {
        "--speed", "100", "--seed", seed_text, "--max", max, plain ? "--plain" : NULL, NULL};
    return run_demo_argv("candy", args, RUN_TIMEOUT);
}

/* The checks every run passes, bounded tray or not. */
static void assert_counts_add_up(const child_run *run)
{
    long long max = result_int(run, "max");
    long long refills_ok = result_int(run, "refills_ok"),
              refills_full = result_int(run, "refills_full");
    long long buys_ok = result_int(run, "buys_ok"), buys_empty = result_int(run, "buys_empty");
    long long final = result_int(run, "final");
    ck_assert_int_eq(final, max + refills_ok - buys_ok);
    /* the tutorial's loop counts: 2-5 refills, and that many to max + 1 more buys */
    long long refills = refills_ok + refills_full, buys = buys_ok + buys_empty;
    ck_assert_int_ge(refills, 2);
    ck_assert_int_le(refills, 5);
    ck_assert_int_ge(buys, refills);
    ck_assert_int_le(buys, refills + max + 1);
    /* the story says what the counts say */
    ck_assert_int_eq(count_lines_with(run->out, "| Refilling candy..."), refills);
    ck_assert_int_eq(count_lines_with(run->out, "| full, skipping"), refills_full);
    ck_assert_int_eq(count_lines_with(run->out, "| Buying candy..."), buys);
    ck_assert_int_eq(count_lines_with(run->out, "| Empty, skipping"), buys_empty);
}

START_TEST(counts_add_up_and_the_tray_stays_in_bounds_over_many_seeds)
{
    long long full_refills = 0, empty_buys = 0;
    for (int seed = 1; seed <= 30; seed++) {
        child_run run = run_candy(seed, "5", false);
        assert_exit_ok(&run);
        assert_counts_add_up(&run);
        long long final = result_int(&run, "final");
        ck_assert_int_ge(final, 0);
        ck_assert_int_le(final, 5);
        ck_assert_int_le(result_int(&run, "most"), 5);
        ck_assert_int_eq(count_lines_with(run.out, "MORE THAN"), 0);
        full_refills += result_int(&run, "refills_full");
        empty_buys += result_int(&run, "buys_empty");
        /* every run shows both refusals, whatever the seed (the lesson, every time) */
        ck_assert_msg(result_int(&run, "refills_full") >= 1 && result_int(&run, "buys_empty") >= 1,
                      "seed %d: a refusal is missing:\n%s", seed, run.out);
        child_run_free(&run);
    }
    /* 30 seeds show both of the tutorial's messages */
    ck_assert_int_gt(full_refills, 0);
    ck_assert_int_gt(empty_buys, 0);
}
END_TEST

START_TEST(other_tray_sizes_keep_the_invariant)
{
    static const char *const sizes[] = {"1", "2", "10"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int seed = 1; seed <= 5; seed++) {
            child_run run = run_candy(seed, sizes[i], false);
            assert_exit_ok(&run);
            assert_counts_add_up(&run);
            long long max = result_int(&run, "max");
            ck_assert_int_le(result_int(&run, "final"), max);
            ck_assert_int_le(result_int(&run, "most"), max);
            child_run_free(&run);
        }
    }
}
END_TEST

START_TEST(a_seed_repeats_the_choices)
{
    child_run first = run_candy(7, "5", false), second = run_candy(7, "5", false);
    assert_exit_ok(&first);
    assert_exit_ok(&second);
    /* how many refills and buys is the seed's choice (the outcome of each is the scheduler's) */
    ck_assert_int_eq(result_int(&first, "refills_ok") + result_int(&first, "refills_full"),
                     result_int(&second, "refills_ok") + result_int(&second, "refills_full"));
    ck_assert_int_eq(result_int(&first, "buys_ok") + result_int(&first, "buys_empty"),
                     result_int(&second, "buys_ok") + result_int(&second, "buys_empty"));
    child_run_free(&first);
    child_run_free(&second);
}
END_TEST

/* Every --plain run: the counts add up, nothing is ever "full"; returns the bars past 5. */
static long plain_run_overfilled(const child_run *run)
{
    assert_exit_ok(run);
    assert_counts_add_up(run);
    char text[16];
    ck_assert_str_eq(result_text(run, "tray", text, sizeof text), "plain");
    ck_assert_int_eq(result_int(run, "refills_full"), 0); /* sem_post never says "full" */
    long long most = result_int(run, "most");
    if (most > 5)
        ck_assert_int_gt(count_lines_with(run->out, "MORE THAN THE TRAY HOLDS"), 0);
    return most > 5 ? (long)(most - 5) : 0;
}

START_TEST(a_plain_sem_t_tray_overfills)
{
    const char *args[] = {"--speed", "100", "--max", "5", "--plain", NULL};
    ck_assert_msg(run_until_bug_shows("candy", args, plain_run_overfilled) > 0,
                  "%d runs of --plain never put a sixth bar in a tray for 5", BUG_TRIES);
}
END_TEST

static Suite *candy_demo_suite(void)
{
    Suite *suite = suite_create("demo: candy");
    TCase *tc = tcase_create("candy");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, counts_add_up_and_the_tray_stays_in_bounds_over_many_seeds);
    tcase_add_test(tc, other_tray_sizes_keep_the_invariant);
    tcase_add_test(tc, a_seed_repeats_the_choices);
    tcase_add_test(tc, a_plain_sem_t_tray_overfills);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(candy_demo_suite)
