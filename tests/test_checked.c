/* test_checked.c — the checked wrappers die loudly, with the call, the place and the reason. */
#include "support.h"

#include "checked.h"
#include "clock.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Unlocking an error-checking mutex nobody holds: EPERM from pthread_mutex_unlock.
 * Prints the line of the call first, for the test to compare. */
static void unlock_unowned_mutex(void *unused)
{
    (void)unused;
    pthread_mutex_t mutex;
    ck_assert_int_eq(lab_pthread_mutex_init_kind(&mutex, PTHREAD_MUTEX_ERRORCHECK), 0);
    printf("%d", __LINE__ + 2);
    fflush(stdout);
    lab_pthread_mutex_unlock(&mutex);
}

START_TEST(wrapper_aborts_with_call_file_line_and_reason)
{
    child_run run = run_in_child(unlock_unowned_mutex, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    char expected[256];
    snprintf(expected, sizeof expected,
             "fatal: pthread_mutex_unlock at tests/test_checked.c:%s: %s\n", run.out,
             strerror(EPERM));
    ck_assert_str_eq(run.err, expected);
    child_run_free(&run);
}
END_TEST

static void check_einval(void *unused)
{
    (void)unused;
    LAB_CHECK(EINVAL);
}

START_TEST(lab_check_names_the_expression)
{
    child_run run = run_in_child(check_einval, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "fatal: EINVAL at tests/test_checked.c:") == run.err, "%s",
                  run.err);
    ck_assert_ptr_nonnull(strstr(run.err, strerror(EINVAL)));
    child_run_free(&run);
}
END_TEST

static void close_bad_descriptor(void *unused)
{
    (void)unused;
    LAB_CHECK_ERRNO(close(-1));
}

START_TEST(errno_style_calls_report_errno)
{
    child_run run = run_in_child(close_bad_descriptor, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_ptr_nonnull(strstr(run.err, "fatal: close(-1) at tests/test_checked.c:"));
    ck_assert_ptr_nonnull(strstr(run.err, strerror(EBADF)));
    child_run_free(&run);
}
END_TEST

static void fail_on_purpose(void *unused)
{
    (void)unused;
    lab_set_program_name("tester");
    lab_fail("the %s is %d", "answer", 42);
}

START_TEST(fail_is_one_line_and_exit_status_1)
{
    ck_assert_str_eq(lab_program_name(), "threadlab"); /* until lab_init names it */
    child_run run = run_in_child(fail_on_purpose, NULL, 10);
    ck_assert_int_eq(run.exit_code, 1);
    ck_assert_str_eq(run.err, "tester: the answer is 42\n");
    ck_assert_str_eq(run.out, "");
    child_run_free(&run);
}
END_TEST

static void set_up_refused(void *unused)
{
    (void)unused;
    lab_set_program_name("tester");
    LAB_SETUP(ENOMEM);
}

START_TEST(setup_failure_is_a_runtime_failure)
{
    child_run run = run_in_child(set_up_refused, NULL, 10);
    ck_assert_int_eq(run.exit_code, 1);
    char expected[256];
    snprintf(expected, sizeof expected, "tester: cannot set up ENOMEM: %s\n", strerror(ENOMEM));
    ck_assert_str_eq(run.err, expected);
    child_run_free(&run);
}
END_TEST

START_TEST(successful_calls_pass_silently)
{
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    lab_pthread_mutex_lock(&mutex);
    lab_pthread_mutex_unlock(&mutex);
    LAB_CHECK(0);
    LAB_CHECK_ERRNO(0);
    lab_pthread_mutex_destroy(&mutex);
}
END_TEST

START_TEST(mutex_kinds_behave_as_their_kind)
{
    pthread_mutex_t checking, recursive;
    ck_assert_int_eq(lab_pthread_mutex_init_kind(&checking, PTHREAD_MUTEX_ERRORCHECK), 0);
    ck_assert_int_eq(lab_pthread_mutex_init_kind(&recursive, PTHREAD_MUTEX_RECURSIVE), 0);
    lab_pthread_mutex_lock(&checking);
    ck_assert_int_eq(pthread_mutex_lock(&checking), EDEADLK); /* relock is reported, not a hang */
    lab_pthread_mutex_unlock(&checking);
    lab_pthread_mutex_lock(&recursive);
    lab_pthread_mutex_lock(&recursive); /* the owner may take it again */
    lab_pthread_mutex_unlock(&recursive);
    lab_pthread_mutex_unlock(&recursive);
    ck_assert_int_eq(pthread_mutex_unlock(&recursive), EPERM); /* released as often as taken */
    ck_assert_int_eq(lab_pthread_mutex_init_kind(&checking, 12345),
                     EINVAL); /* bad kind: code, not abort */
}
END_TEST

START_TEST(monotonic_condition_times_out_at_its_deadline)
{
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond;
    ck_assert_int_eq(lab_pthread_cond_init_monotonic(&cond), 0);
    lab_pthread_mutex_lock(&mutex);
    struct timespec deadline = lab_deadline(0.05);
    int rc;
    do
        rc = pthread_cond_timedwait(&cond, &mutex, &deadline);
    while (rc == 0); /* a spurious wakeup: wait again for the same deadline */
    lab_pthread_mutex_unlock(&mutex);
    ck_assert_int_eq(rc, ETIMEDOUT);
    ck_assert(lab_seconds_until(&deadline) <= 0);
    lab_pthread_cond_destroy(&cond);
}
END_TEST

enum { BARRIER_THREADS = 4 };
static pthread_barrier_t barrier;
static int serial_count; /* written by the one serial thread only */

static void *wait_at_barrier(void *unused)
{
    (void)unused;
    if (lab_pthread_barrier_wait(&barrier))
        serial_count++;
    return NULL;
}

START_TEST(barrier_names_exactly_one_serial_thread)
{
    LAB_CHECK(pthread_barrier_init(&barrier, NULL, BARRIER_THREADS));
    serial_count = 0;
    pthread_t threads[BARRIER_THREADS - 1];
    for (int i = 0; i < BARRIER_THREADS - 1; i++)
        LAB_CHECK(pthread_create(&threads[i], NULL, wait_at_barrier, NULL));
    wait_at_barrier(NULL);
    for (int i = 0; i < BARRIER_THREADS - 1; i++)
        LAB_CHECK(pthread_join(threads[i], NULL));
    ck_assert_int_eq(serial_count, 1);
    lab_pthread_barrier_destroy(&barrier);
}
END_TEST

static Suite *checked_suite(void)
{
    Suite *suite = suite_create("checked wrappers");
    TCase *tc = tcase_create("checked");
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, lab_check_names_the_expression);
    tcase_add_test(tc, errno_style_calls_report_errno);
    tcase_add_test(tc, successful_calls_pass_silently);
    tcase_add_test(tc, fail_is_one_line_and_exit_status_1);
    tcase_add_test(tc, setup_failure_is_a_runtime_failure);
    tcase_add_test(tc, monotonic_condition_times_out_at_its_deadline);
    tcase_add_test(tc, barrier_names_exactly_one_serial_thread);
    suite_add_tcase(suite, tc);
    /* Unlocking a mutex the thread does not hold, on purpose: ThreadSanitizer and Helgrind
     * report it, so make tsan / make helgrind leave this tag out (CK_EXCLUDE_TAGS=misuse). */
    TCase *misuse = tcase_create("misuse");
    tcase_set_tags(misuse, "misuse");
    tcase_set_timeout(misuse, 10);
    tcase_add_test(misuse, wrapper_aborts_with_call_file_line_and_reason);
    tcase_add_test(misuse, mutex_kinds_behave_as_their_kind);
    suite_add_tcase(suite, misuse);
    return suite;
}

LAB_TEST_MAIN(checked_suite)
