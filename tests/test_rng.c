/* test_rng.c — same seed, same choices; streams independent; draws within bounds. */
#include "support.h"

#include "rng.h"

#include <limits.h>

START_TEST(same_seed_and_stream_repeat_exactly)
{
    lab_rng_set_seed(42);
    lab_rng a = lab_rng_stream(3);
    lab_rng b = lab_rng_stream(3);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(lab_rng_between(&a, 0, 1000000), lab_rng_between(&b, 0, 1000000));
}
END_TEST

/* The first 20 draws of two generators differ somewhere. */
static bool sequences_differ(lab_rng a, lab_rng b)
{
    for (int i = 0; i < 20; i++)
        if (lab_rng_between(&a, 0, 1 << 30) != lab_rng_between(&b, 0, 1 << 30))
            return true;
    return false;
}

START_TEST(streams_and_seeds_differ)
{
    lab_rng_set_seed(42);
    lab_rng stream0 = lab_rng_stream(0), stream1 = lab_rng_stream(1);
    ck_assert(sequences_differ(stream0, stream1));
    lab_rng_set_seed(43);
    ck_assert(sequences_differ(stream0, lab_rng_stream(0)));
}
END_TEST

START_TEST(between_stays_in_bounds_and_reaches_both_ends)
{
    lab_rng_set_seed(7);
    lab_rng rng = lab_rng_stream(0);
    int seen[6] = {0};
    for (int i = 0; i < 6000; i++) {
        long value = lab_rng_between(&rng, 2, 7);
        ck_assert(value >= 2 && value <= 7);
        seen[value - 2]++;
    }
    for (int i = 0; i < 6; i++)
        ck_assert_msg(seen[i] > 700 && seen[i] < 1300, "value %d drawn %d times of 6000", i + 2,
                      seen[i]);
    ck_assert_int_eq(lab_rng_between(&rng, 5, 5), 5);
    ck_assert_int_eq(lab_rng_between(&rng, 9, 3), 9); /* empty range: lo */
    lab_rng_between(&rng, LONG_MIN, LONG_MAX);        /* the whole range: no division by zero */
}
END_TEST

START_TEST(uniform_stays_in_half_open_range)
{
    lab_rng_set_seed(1);
    lab_rng rng = lab_rng_stream(9);
    for (int i = 0; i < 10000; i++) {
        double value = lab_rng_uniform(&rng, -1.0, 2.0);
        ck_assert(value >= -1.0 && value < 2.0);
    }
}
END_TEST

START_TEST(time_seed_is_short)
{
    ck_assert_uint_lt(lab_rng_time_seed(), 1000000u);
}
END_TEST

static Suite *rng_suite(void)
{
    Suite *suite = suite_create("rng");
    TCase *tc = tcase_create("rng");
    tcase_add_test(tc, same_seed_and_stream_repeat_exactly);
    tcase_add_test(tc, streams_and_seeds_differ);
    tcase_add_test(tc, between_stays_in_bounds_and_reaches_both_ends);
    tcase_add_test(tc, uniform_stays_in_half_open_range);
    tcase_add_test(tc, time_seed_is_short);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(rng_suite)
