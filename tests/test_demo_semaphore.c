/* test_demo_semaphore.c — the toilet: never more inside than stalls, everybody served, over
 * many runs and seeds; without the semaphore the limit breaks. */
#include "support.h"

#include <stdio.h>
#include <string.h>

/* The most "enters: N inside" says in the story; also counts the enters. */
static int most_inside_in_story(const char *out, int *enters)
{
    int most = 0;
    *enters = 0;
    for (const char *at = strstr(out, "| enters: "); at != NULL;
         at = strstr(at + 1, "| enters: ")) {
        int n = 0;
        if (sscanf(at, "| enters: %d inside", &n) == 1) {
            (*enters)++;
            if (n > most)
                most = n;
        }
    }
    return most;
}

START_TEST(never_more_inside_than_stalls_over_many_seeds)
{
    int reached_the_limit = 0;
    for (int seed = 1; seed <= 12; seed++) {
        char seed_text[16];
        snprintf(seed_text, sizeof seed_text, "%d", seed);
        child_run run = run_demo("semaphore", "--speed", "50", "--seed", seed_text, NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "stalls"), 3); /* the prose's 3, not the code's 5 */
        ck_assert_int_eq(result_int(&run, "people"), 22);
        ck_assert_int_eq(result_int(&run, "served"), 22);
        long long max_inside = result_int(&run, "max_inside");
        ck_assert_int_le(max_inside, 3);
        ck_assert_int_ge(max_inside, 1);
        reached_the_limit += max_inside == 3;
        int enters = 0;
        ck_assert_int_le(most_inside_in_story(run.out, &enters), 3);
        ck_assert_int_eq(enters, 22);
        ck_assert_int_eq(count_lines_with(run.out, "| leaves after "), 22);
        ck_assert_int_eq(count_lines_with(run.out, "MORE THAN THE STALLS"), 0);
        char text[32];
        ck_assert_str_eq(result_text(&run, "extra_release", text, sizeof text), "refused");
        child_run_free(&run);
    }
    /* 22 people arriving together for 3 stalls: the stalls fill up */
    ck_assert_int_gt(reached_the_limit, 0);
}
END_TEST

/* The second part: a plain Semaphore(0) counts rolls; 6 released with no acquire before
 * them, 4 acquired, 2 left: more releases than acquires is accepted (and meaningful), where
 * the BoundedSemaphore of the first part refused one release too many. */
START_TEST(a_plain_semaphore_counts_past_its_acquires)
{
    static const char *const variants[] = {NULL, "--no-limit"};
    for (int v = 0; v < 2; v++) {
        child_run run = run_demo("semaphore", "--speed", "50", "--people", "4", variants[v], NULL);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "rolls_released"), 6);
        ck_assert_int_eq(result_int(&run, "rolls_taken"), 4);
        ck_assert_int_eq(result_int(&run, "rolls_left"), 2);
        ck_assert_int_eq(
            count_lines_with(run.out, "cleaner    | puts 3 rolls on the shelf: release(3)"), 2);
        ck_assert_int_eq(count_lines_with(run.out, "main       | takes roll "), 4);
        ck_assert_int_eq(count_lines_with(run.out, "6 released, 4 acquired: 2 rolls left"), 1);
        /* every roll is taken after a restock put it there: the 4th only after the second */
        const char *second = strstr(strstr(run.out, "puts 3 rolls") + 1, "puts 3 rolls");
        ck_assert_ptr_nonnull(second);
        ck_assert_ptr_nonnull(strstr(second, "takes roll 4"));
        ck_assert_ptr_null(strstr(second, "takes roll 3"));
        char text[32];
        ck_assert_str_eq(result_text(&run, "extra_release", text, sizeof text), "refused");
        child_run_free(&run);
    }
}
END_TEST

START_TEST(other_sizes_keep_the_invariant)
{
    static const char *const sizes[][2] = {{"5", "22"}, {"1", "10"}, {"4", "3"}, {"10", "60"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        child_run run = run_demo("semaphore", "--speed", "50", "--quiet", "--stalls", sizes[i][0],
                                 "--people", sizes[i][1], NULL);
        assert_exit_ok(&run);
        long long stalls = result_int(&run, "stalls");
        long long people = result_int(&run, "people");
        ck_assert_int_eq(result_int(&run, "served"), people);
        ck_assert_int_le(result_int(&run, "max_inside"), stalls < people ? stalls : people);
        ck_assert_msg(strncmp(run.out, "result: ", 8) == 0 &&
                          strchr(run.out, '\n') == strrchr(run.out, '\n'),
                      "--quiet printed more than the result line:\n%s", run.out);
        child_run_free(&run);
    }
}
END_TEST

/* Every --no-limit run: everybody served; returns how far past the 3 stalls it went. */
static long no_limit_run_over_the_limit(const child_run *run)
{
    assert_exit_ok(run);
    char text[32];
    ck_assert_str_eq(result_text(run, "limit", text, sizeof text), "none");
    ck_assert_int_eq(result_int(run, "served"), 10); /* everyone still gets served */
    long long max_inside = result_int(run, "max_inside");
    if (max_inside > 3)
        ck_assert_int_gt(count_lines_with(run->out, "MORE THAN THE STALLS"), 0);
    return max_inside > 3 ? (long)(max_inside - 3) : 0;
}

START_TEST(without_the_semaphore_the_limit_breaks)
{
    const char *args[] = {"--no-limit", "--speed", "50", "--people", "10", NULL};
    ck_assert_msg(run_until_bug_shows("semaphore", args, no_limit_run_over_the_limit) > 0,
                  "%d runs of 10 people and no semaphore never had more than 3 inside", BUG_TRIES);
}
END_TEST

static Suite *semaphore_demo_suite(void)
{
    Suite *suite = suite_create("demo: semaphore");
    TCase *tc = tcase_create("semaphore");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, never_more_inside_than_stalls_over_many_seeds);
    tcase_add_test(tc, other_sizes_keep_the_invariant);
    tcase_add_test(tc, a_plain_semaphore_counts_past_its_acquires);
    tcase_add_test(tc, without_the_semaphore_the_limit_breaks);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(semaphore_demo_suite)
