/* test_timer.c — a timer fires once, after its delay, on its own named thread; cancelled
 * in time it never fires; and cancel() and firing never both win. */
#include "support.h"

#include "clock.h"
#include "thread.h"
#include "timer.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>

typedef struct firing {
    atomic_int calls;
    double at; /* lab_now() of the first call */
    char thread[LAB_THREAD_NAME_MAX];
} firing;

static void note_firing(void *arg)
{
    firing *f = arg;
    if (atomic_fetch_add(&f->calls, 1) == 0) {
        f->at = lab_now();
        snprintf(f->thread, sizeof f->thread, "%s", lab_thread_current_name());
    }
}

START_TEST(a_timer_fires_once_after_its_delay_on_its_thread)
{
    firing f = {0};
    double begin = lab_now();
    lab_timer *t = lab_timer_start(0.05, note_firing, &f, "timer-%d", 1);
    lab_timer_join(t); /* the thread ends after the call */
    ck_assert_int_eq(atomic_load(&f.calls), 1);
    ck_assert_msg(f.at - begin >= 0.05, "fired after %.3f s, before its delay", f.at - begin);
    ck_assert_str_eq(f.thread, "timer-1");
}
END_TEST

START_TEST(cancel_after_firing_is_too_late)
{
    firing f = {0};
    lab_timer *t = lab_timer_start(0, note_firing, &f, "timer");
    while (atomic_load(&f.calls) == 0)
        lab_sleep(0.001);
    ck_assert(lab_timer_fired(t));
    ck_assert(!lab_timer_cancel(t));
    lab_timer_join(t);
    ck_assert_int_eq(atomic_load(&f.calls), 1);
}
END_TEST

START_TEST(a_cancelled_timer_never_fires_and_ends_at_once)
{
    firing f = {0};
    double begin = lab_now();
    lab_timer *t = lab_timer_start(30, note_firing, &f, "timer");
    ck_assert(lab_timer_cancel(t));
    ck_assert(lab_timer_cancel(t)); /* still prevented */
    ck_assert(!lab_timer_fired(t));
    lab_timer_join(t);
    /* The join did not sit out the 30 s: cancel woke the timer thread. */
    ck_assert_msg(lab_now() - begin < 15, "join took %.1f s", lab_now() - begin);
    ck_assert_int_eq(atomic_load(&f.calls), 0);
}
END_TEST

START_TEST(the_delay_is_in_class_seconds)
{
    firing f = {0};
    lab_set_speed(10);
    double begin = lab_now();
    lab_timer *t = lab_timer_start(0.5, note_firing, &f, "timer");
    lab_timer_join(t);
    lab_set_speed(1);
    double real = f.at - begin;
    ck_assert_msg(real >= 0.05, "fired after %.3f s, before 0.5 class s at 10x", real);
    ck_assert_int_eq(atomic_load(&f.calls), 1);
}
END_TEST

/* The rule for time: a bad delay is refused (NULL, errno EINVAL) and starts nothing;
 * 0 fires at once. */
START_TEST(a_bad_delay_is_refused_and_zero_fires_at_once)
{
    firing f = {0};
    int threads_before = lab_thread_active_count();
    const double bad[] = {-1, -1e-9, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        ck_assert_ptr_null(lab_timer_start(bad[i], note_firing, &f, "timer-%zu", i));
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_int_eq(lab_thread_active_count(), threads_before);
    }
    double begin = lab_now();
    lab_timer *t = lab_timer_start(0, note_firing, &f, "timer");
    ck_assert_ptr_nonnull(t);
    lab_timer_join(t);
    ck_assert_int_eq(atomic_load(&f.calls), 1);
    ck_assert_msg(lab_now() - begin < 1.0, "a zero delay waited");
}
END_TEST

/* Cancel racing the deadline: exactly one of "cancel prevented it" and "it fired" holds. */
START_TEST(cancel_and_firing_never_both_win)
{
    enum { TIMERS = 200 };
    static firing fs[TIMERS];
    lab_timer *timers[TIMERS];
    bool prevented[TIMERS];
    for (int i = 0; i < TIMERS; i++) {
        atomic_store(&fs[i].calls, 0);
        timers[i] = lab_timer_start(0.0005 * (i % 4), note_firing, &fs[i], "timer-%d", i);
    }
    for (int i = TIMERS - 1; i >= 0; i--)
        prevented[i] = lab_timer_cancel(timers[i]);
    int fired = 0, cancelled = 0;
    for (int i = 0; i < TIMERS; i++) {
        lab_timer_join(timers[i]);
        int calls = atomic_load(&fs[i].calls);
        ck_assert_msg(calls == (prevented[i] ? 0 : 1), "timer %d: cancel said %d, calls %d", i,
                      prevented[i], calls);
        fired += calls;
        cancelled += prevented[i];
    }
    ck_assert_int_eq(fired + cancelled, TIMERS);
}
END_TEST

static Suite *timer_suite(void)
{
    Suite *suite = suite_create("timer");
    TCase *tc = tcase_create("timer");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, a_timer_fires_once_after_its_delay_on_its_thread);
    tcase_add_test(tc, cancel_after_firing_is_too_late);
    tcase_add_test(tc, a_cancelled_timer_never_fires_and_ends_at_once);
    tcase_add_test(tc, the_delay_is_in_class_seconds);
    tcase_add_test(tc, a_bad_delay_is_refused_and_zero_fires_at_once);
    tcase_add_loop_test(tc, cancel_and_firing_never_both_win, 0, 5);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(timer_suite)
