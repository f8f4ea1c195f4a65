/* test_demo_deadlock.c — --fix=none deadlocks every run, and the instrumented lock finds the
 * cycle and ends it; --fix=order and --fix=trylock never deadlock; money is conserved in
 * every mode; --timeout 0 really hangs. (Bad input: the matrix of test_every_demo.) Under ThreadSanitizer, --fix=none is also reported
 * as a lock-order inversion (its tellers lock the two accounts in both orders). */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* The run ended as designed. broken: --fix=none, which TSan must catch when it is there. */
static void assert_ran(const child_run *run, bool broken)
{
#if defined(__SANITIZE_THREAD__)
    if (broken) {
        ck_assert_msg(!run->timed_out && run->signal == 0, "stdout:\n%s", run->out);
        ck_assert_msg(
            strstr(run->err, "ThreadSanitizer: lock-order-inversion") != NULL &&
                count_lines_with(run->err, "WARNING: ThreadSanitizer") ==
                    count_lines_with(run->err, "WARNING: ThreadSanitizer: lock-order-inversion"),
            "want the inversion reported, and nothing else; stderr:\n%s", run->err);
        return;
    }
#else
    (void)broken;
#endif
    assert_exit_ok(run);
}

static void assert_money_conserved(const child_run *run, long long total)
{
    ck_assert_int_eq(result_int(run, "total_before"), total);
    ck_assert_int_eq(result_int(run, "total_after"), total);
}

static void assert_no_deadlock(const child_run *run)
{
    char text[16];
    ck_assert_str_eq(result_text(run, "deadlock", text, sizeof text), "no");
    ck_assert_int_eq(result_int(run, "deadlocks"), 0);
    ck_assert_int_eq(count_lines_with(run->out, "(EDEADLK)"), 0); /* no wait-for picture */
}

START_TEST(fix_none_deadlocks_every_run_and_ends_cleanly)
{
    for (int attempt = 0; attempt < 6; attempt++) {
        char seed[16];
        snprintf(seed, sizeof seed, "%d", attempt);
        child_run run = run_demo("deadlock", "--speed", "20", "--seed", seed, NULL);
        assert_ran(&run, true);
        char text[16];
        ck_assert_str_eq(result_text(&run, "deadlock", text, sizeof text), "yes");
        ck_assert_str_eq(result_text(&run, "fix", text, sizeof text), "none");
        /* Usually one; a victim that retries at once can meet the same cycle again (back-off
         * makes a repeat unlikely, only a lock order makes it impossible). */
        long long deadlocks = result_int(&run, "deadlocks");
        ck_assert_int_ge(deadlocks, 1);
        ck_assert_int_eq(result_int(&run, "transfers_done"),
                         2); /* the victim retried and finished */
        ck_assert_int_ge(result_int(&run, "retries"), deadlocks);
        assert_money_conserved(&run, 15000);
        /* The picture, the same whichever teller found it. */
        ck_assert_msg(
            strstr(run.out, "| deadlock: t1 holds [hepang], waits for [luoziyao] (held by t2)\n") &&
                strstr(run.out,
                       "|           t2 holds [luoziyao], waits for [hepang] (held by t1)\n"),
            "no wait-for picture in:\n%s", run.out);
        ck_assert_int_eq(count_lines_with(run.out, "gives up (EDEADLK)"),
                         deadlocks); /* one victim each */
        ck_assert_int_eq(count_lines_with(run.out, "EDEADLK: backing out"), deadlocks);
        ck_assert_int_eq(count_lines_with(run.out, "| moved 4000: "), 2);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(a_ring_of_three_tellers_is_a_cycle_of_three)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run =
            run_demo("deadlock", "--threads", "3", "--accounts", "3", "--speed", "20", NULL);
        assert_ran(&run, true);
        ck_assert_int_ge(result_int(&run, "deadlocks"),
                         1); /* usually 1; a quick retry can meet it again */
        ck_assert_int_eq(result_int(&run, "transfers_done"), 3);
        assert_money_conserved(&run, 25000);
        const char *picture[] = {
            "| deadlock: t1 holds [hepang], waits for [luoziyao] (held by t2)\n",
            "|           t2 holds [luoziyao], waits for [xiaoming] (held by t3)\n",
            "|           t3 holds [xiaoming], waits for [hepang] (held by t1)\n",
        };
        for (int i = 0; i < 3; i++)
            ck_assert_msg(strstr(run.out, picture[i]) != NULL, "no '%s' in:\n%s", picture[i],
                          run.out);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(fix_none_under_load_finds_deadlocks_and_still_finishes)
{
    child_run run = run_demo("deadlock", "--threads", "4", "--accounts", "3", "--transfers", "60",
                             "--speed", "100", "--quiet", NULL);
    assert_ran(&run, true);
    char text[16];
    ck_assert_str_eq(result_text(&run, "deadlock", text, sizeof text),
                     "yes"); /* the first round is a ring */
    ck_assert_int_eq(result_int(&run, "transfers_done"), 60);
    assert_money_conserved(&run, 25000);
    child_run_free(&run);
}
END_TEST

START_TEST(the_fixes_never_deadlock_in_the_tutorial)
{
    child_run run = run_demo("deadlock", "--fix=order", "--speed", "20", NULL);
    assert_ran(&run, false);
    assert_no_deadlock(&run);
    ck_assert_int_eq(result_int(&run, "transfers_done"), 2);
    ck_assert_int_eq(result_int(&run, "retries"), 0); /* nobody ever had to back out */
    assert_money_conserved(&run, 15000);
    child_run_free(&run);

    run = run_demo("deadlock", "--fix=trylock", "--speed", "20", NULL);
    assert_ran(&run, false);
    assert_no_deadlock(&run);
    ck_assert_int_eq(result_int(&run, "transfers_done"), 2);
    /* Both hold their own account when they first try the other's: the first try fails. */
    ck_assert_int_ge(result_int(&run, "retries"), 1);
    ck_assert_int_ge(count_lines_with(run.out, "| busy: backing out, releasing "), 1);
    assert_money_conserved(&run, 15000);
    child_run_free(&run);
}
END_TEST

START_TEST(the_fixes_hold_under_load)
{
    const char *fixes[] = {"--fix=order", "--fix=trylock"};
    for (int f = 0; f < 2; f++) {
        for (int attempt = 0; attempt < 4; attempt++) {
            char seed[16];
            snprintf(seed, sizeof seed, "%d", 100 + attempt);
            child_run run = run_demo("deadlock", fixes[f], "--threads", "8", "--accounts", "4",
                                     "--transfers", "300", "--speed", "200", "--seed", seed, NULL);
            assert_ran(&run, false);
            assert_no_deadlock(&run);
            ck_assert_int_eq(result_int(&run, "transfers_done"), 300);
            assert_money_conserved(&run, 30000);
            child_run_free(&run);
        }
    }
}
END_TEST

START_TEST(timeout_0_hangs_for_real)
{
    const char *args[] = {"--timeout", "0", "--speed", "20", NULL};
    child_run run = run_demo_argv("deadlock", args, 1.5);
    ck_assert_msg(run.timed_out, "it ended (exit %d):\n%s", run.exit_code, run.out);
    ck_assert_int_eq(count_lines_with(run.out, "| now locking "),
                     2);                          /* both wait for the other... */
    ck_assert_ptr_null(strstr(run.out, "moved")); /* ... and nobody ever moves */
    ck_assert_ptr_null(strstr(run.out, "result:"));
    child_run_free(&run);
}
END_TEST

static Suite *deadlock_demo_suite(void)
{
    Suite *suite = suite_create("demo: deadlock");
    TCase *broken = tcase_create("fix=none"); /* under TSan: caught as a lock-order inversion */
    tcase_set_timeout(broken, 60);
    tcase_add_test(broken, fix_none_deadlocks_every_run_and_ends_cleanly);
    tcase_add_test(broken, a_ring_of_three_tellers_is_a_cycle_of_three);
    tcase_add_test(broken, fix_none_under_load_finds_deadlocks_and_still_finishes);
    tcase_add_test(broken, timeout_0_hangs_for_real);
    suite_add_tcase(suite, broken);
    TCase *fixed = tcase_create("fixes");
    tcase_set_timeout(fixed, 60);
    tcase_add_test(fixed, the_fixes_never_deadlock_in_the_tutorial);
    tcase_add_test(fixed, the_fixes_hold_under_load);
    suite_add_tcase(suite, fixed);
    return suite;
}

LAB_TEST_MAIN(deadlock_demo_suite)
