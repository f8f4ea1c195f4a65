/* test_demo_local.c — with a pthread key or a _Thread_local every thread reads back exactly
 * what it stored, in every round of every run; each thread's key value is destroyed once;
 * with one plain global (--shared) threads read back values stored by others. */
#include "support.h"

#include <stdio.h>

START_TEST(every_thread_reads_back_its_own_values)
{
    for (int attempt = 0; attempt < 8; attempt++) {
        char seed[16];
        snprintf(seed, sizeof seed, "%d", 100 + attempt);
        child_run run = run_demo("local", "--speed", "50", "--seed", seed, NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "threads"), 4);
        ck_assert_int_eq(result_int(&run, "rounds"), 3);
        ck_assert_int_eq(result_int(&run, "mixups"), 0);
        ck_assert_int_eq(result_int(&run, "destructors_run"), 4); /* one per thread that stored */
        /* 4 threads x 3 rounds x 2 storages, every one of them "its own" */
        ck_assert_int_eq(count_lines_with(run.out, ": its own"), 24);
        ck_assert_int_eq(count_lines_with(run.out, "MIXUP"), 0);
        ck_assert_int_eq(count_lines_with(run.out, "destructor: frees"), 4);
        child_run_free(&run);
    }
}
END_TEST

START_TEST(many_threads_many_rounds_no_mixup)
{
    child_run run =
        run_demo("local", "--threads", "24", "--rounds", "6", "--speed", "100", "--quiet", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "threads"), 24);
    ck_assert_int_eq(result_int(&run, "mixups"), 0);
    ck_assert_int_eq(result_int(&run, "destructors_run"), 24);
    child_run_free(&run);
}
END_TEST

/* Every --shared run: the counts agree and no key was used; returns its mixups. */
static long shared_run_mixups(const child_run *run)
{
    assert_exit_ok(run);
    char storage[16];
    ck_assert_str_eq(result_text(run, "storage", storage, sizeof storage), "shared");
    long long mixups = result_int(run, "mixups");
    ck_assert_int_eq(count_lines_with(run->out, "MIXUP"), mixups);
    ck_assert_int_eq(result_int(run, "destructors_run"), 0); /* no key was used */
    return (long)mixups;
}

/* The broken variant must be caught: in some run a thread reads another's value. */
START_TEST(a_shared_global_mixes_values_up)
{
    const char *args[] = {"--shared", "--speed", "50", NULL};
    ck_assert_msg(run_until_bug_shows("local", args, shared_run_mixups) > 0,
                  "%d runs of --shared and no thread ever read another's value", BUG_TRIES);
}
END_TEST

START_TEST(one_thread_alone_cannot_mix_up)
{
    child_run run =
        run_demo("local", "--shared", "--threads", "1", "--speed", "50", "--quiet", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "mixups"), 0);
    child_run_free(&run);
}
END_TEST

static Suite *local_demo_suite(void)
{
    Suite *suite = suite_create("demo: local");
    TCase *tc = tcase_create("local");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_thread_reads_back_its_own_values);
    tcase_add_test(tc, many_threads_many_rounds_no_mixup);
    tcase_add_test(tc, a_shared_global_mixes_values_up);
    tcase_add_test(tc, one_thread_alone_cannot_mix_up);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(local_demo_suite)
