/* test_sched.c — schedule control in one process: the SPEC parser, the invariant
 * evaluator, and the controller itself (one thread at a time, the list decides, virtual
 * time, a deadlock found and pictured). Each controlled test runs in a child process of
 * its own (run_in_child): control, once on, stays on for the process. */
#include "support.h"

#include "checked.h"
#include "cli.h"
#include "clock.h"
#include "point.h"
#include "say.h"
#include "schedule.h"
#include "thread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the SPEC ---------------------------------------------------------------------- */

static int parse(const char *text, lab_sched_spec *spec, char *error)
{
    return lab_sched_parse(text, spec, error, 256);
}

START_TEST(a_list_of_names_is_parsed_in_order)
{
    lab_sched_spec spec;
    char error[256];
    ck_assert_int_eq(parse("t0,t1,main,car-MINT,t1", &spec, error), 0);
    ck_assert_int_eq(spec.mode, LAB_SCHED_LIST);
    ck_assert_int_eq(spec.count, 5);
    ck_assert_str_eq(spec.list[0], "t0");
    ck_assert_str_eq(spec.list[3], "car-MINT");
    ck_assert_str_eq(spec.list[4], "t1");
    lab_sched_spec_free(&spec);
    ck_assert_int_eq(parse("default", &spec, error), 0);
    ck_assert_int_eq(spec.count, 0);
    ck_assert_int_eq(parse("random:3", &spec, error), 0);
    ck_assert_int_eq(spec.mode, LAB_SCHED_RANDOM);
    ck_assert_int_eq(spec.depth, 3);
}
END_TEST

START_TEST(a_malformed_spec_is_refused_with_a_reason)
{
    static const char *const bad[] = {"",          "t0,,t1",    ",t0",
                                      "t0,",       "t 0",       "t0;t1",
                                      "random:",   "random:0",  "random:11",
                                      "random:-1", "random:2x", "random:99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lab_sched_spec spec;
        char error[256] = "";
        ck_assert_msg(parse(bad[i], &spec, error) == 2, "'%s' was accepted", bad[i]);
        ck_assert_msg(strstr(error, "--schedule") != NULL, "'%s': %s", bad[i], error);
        ck_assert_ptr_null(strchr(error, '\n'));
        ck_assert_int_eq(spec.count, 0);
    }
}
END_TEST

/* ---- the invariant ------------------------------------------------------------------- */

START_TEST(the_invariant_compares_keys_and_numbers)
{
    char why[256];
    const char *line = "result: mode=loop expected=4 actual=2 lost=2 stalls=3 max_inside=3 seed=1";
    ck_assert_int_eq(lab_sched_invariant_holds("lost == 2", line, why, sizeof why), 1);
    ck_assert_int_eq(
        lab_sched_invariant_holds("max_inside <= stalls && lost > 1", line, why, sizeof why), 1);
    ck_assert_int_eq(
        lab_sched_invariant_holds("expected >= actual && seed != 0", line, why, sizeof why), 1);
    ck_assert_int_eq(lab_sched_invariant_holds("lost == 0", line, why, sizeof why), 0);
    ck_assert_str_eq(why, "lost == 0 is false (lost=2)");
    ck_assert_int_eq(
        lab_sched_invariant_holds("lost < 3 && max_inside < stalls", line, why, sizeof why), 0);
    ck_assert_str_eq(why, "max_inside < stalls is false (max_inside=3 stalls=3)");
    /* "lost" must be a whole key, not the end of another one */
    ck_assert_int_eq(lab_sched_invariant_holds("inside == 3", line, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "no number for key 'inside'"));
    ck_assert_int_eq(lab_sched_invariant_holds("mode == 1", line, why, sizeof why), -1);
    ck_assert_int_eq(lab_sched_invariant_holds("lost =! 0", line, why, sizeof why), -1);
    ck_assert_int_eq(lab_sched_invariant_holds("lost == 0 ||", line, why, sizeof why), -1);
    ck_assert_int_eq(lab_sched_invariant_holds("", line, why, sizeof why), -1);
}
END_TEST

START_TEST(the_invariant_compares_text_values_with_strings)
{
    char why[256];
    const char *line = "result: fix=none deadlock=yes deadlocks=1 order=5,4,3 lost=0 seed=1";
    ck_assert_int_eq(lab_sched_invariant_holds("deadlock == \"yes\"", line, why, sizeof why), 1);
    ck_assert_int_eq(
        lab_sched_invariant_holds("order == \"5,4,3\" && lost == 0", line, why, sizeof why), 1);
    ck_assert_int_eq(lab_sched_invariant_holds("fix != \"order\"", line, why, sizeof why), 1);
    ck_assert_int_eq(
        lab_sched_invariant_holds("lost == 0 && deadlock == \"no\"", line, why, sizeof why), 0);
    ck_assert_str_eq(why, "deadlock == \"no\" is false (deadlock=yes)");
    ck_assert_int_eq(lab_sched_invariant_holds("1 == 2", line, why, sizeof why), 0);
    ck_assert_str_eq(why, "1 == 2 is false");
    /* a number key compared as text is its text: "0" */
    ck_assert_int_eq(lab_sched_invariant_holds("lost == \"0\"", line, why, sizeof why), 1);
    /* text keys need a string; strings need == or != and their closing quote */
    ck_assert_int_eq(lab_sched_invariant_holds("deadlock == 0", line, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "no number for key 'deadlock'"));
    ck_assert_int_eq(lab_sched_invariant_holds("fix < \"order\"", line, why, sizeof why), -1);
    ck_assert_int_eq(lab_sched_invariant_holds("fix == \"none", line, why, sizeof why), -1);
    ck_assert_int_eq(lab_sched_invariant_holds("missing == \"x\"", line, why, sizeof why), -1);
    ck_assert_ptr_nonnull(strstr(why, "key 'missing' (no such key)"));
    /* sums: fired + cancelled == 2 */
    const char *sums = "result: fired=1 cancelled=0 produced=5 consumed=3 lost=2 kind=fifo";
    ck_assert_int_eq(
        lab_sched_invariant_holds("consumed + lost == produced", sums, why, sizeof why), 1);
    ck_assert_int_eq(lab_sched_invariant_holds("produced - lost - 3 == 0", sums, why, sizeof why),
                     1);
    ck_assert_int_eq(lab_sched_invariant_holds("fired + cancelled == 2", sums, why, sizeof why), 0);
    ck_assert_str_eq(why, "fired + cancelled == 2 is false (fired=1 cancelled=0)");
    ck_assert_int_eq(lab_sched_invariant_holds("fired + kind == 2", sums, why, sizeof why), -1);
    ck_assert_int_eq(lab_sched_invariant_holds("fired + == 2", sums, why, sizeof why), -1);
    /* key?: a clause about a key the run may not print (pool --part=map has no callback_*) */
    ck_assert_int_eq(lab_sched_invariant_holds("calls? == 2 && lost == 2", sums, why, sizeof why),
                     1);
    ck_assert_int_eq(lab_sched_invariant_holds("kind? == \"fifo\"", sums, why, sizeof why), 1);
    ck_assert_int_eq(lab_sched_invariant_holds("kind? == \"lifo\"", sums, why, sizeof why), 0);
    ck_assert_str_eq(why, "kind == \"lifo\" is false (kind=fifo)");
    ck_assert_int_eq(lab_sched_invariant_holds("calls == 2", sums, why, sizeof why), -1);
}
END_TEST

/* ---- the flags: who may have them ------------------------------------------------------ */

START_TEST(a_demo_without_an_invariant_or_that_cannot_be_controlled_refuses_the_flags)
{
    static const lab_demo silent = {.name = "quiet_demo", .summary = "no invariant"};
    static const lab_demo refusing = {.name = "forky",
                                      .summary = "forks",
                                      .invariant = "lost == 0",
                                      .uncontrollable = "it forks"};
    static const lab_demo willing = {.name = "willing", .summary = "ok", .invariant = "lost == 0"};
    char *argv[] = {"x", "--explore", NULL};
    lab_cli_common given = {0}; /* the caller zeroes it (lab_init does) */
    char error[256];
    ck_assert_int_eq(lab_cli_parse_args(&silent, 2, argv, &given, error, sizeof error), 2);
    ck_assert_str_eq(error, "--explore: quiet_demo does not support schedule control yet "
                            "(docs/schedules.md lists the demos that do)");
    ck_assert_int_eq(lab_cli_parse_args(&refusing, 2, argv, &given, error, sizeof error), 2);
    ck_assert_str_eq(error, "--explore: forky cannot run under schedule control: it forks");
    given = (lab_cli_common){0};
    ck_assert_msg(lab_cli_parse_args(&willing, 2, argv, &given, error, sizeof error) == 0, "%s",
                  error);
    ck_assert_int_eq(given.explore, 500);
    given = (lab_cli_common){0};
    char *twice[] = {"x", "--explore=3", "--explore=4", NULL};
    ck_assert_int_eq(lab_cli_parse_args(&willing, 3, twice, &given, error, sizeof error), 2);
    ck_assert_str_eq(error, "--explore given twice: give one");
}
END_TEST

/* ---- the controller, in a child process ------------------------------------------------ */

static void control(const char *spec_text)
{
    lab_sched_config config = {.program = "test_sched", .seed = 1, .report_fd = -1};
    char error[256];
    if (lab_sched_parse(spec_text, &config.spec, error, sizeof error) != 0) {
        fprintf(stderr, "%s\n", error);
        exit(3);
    }
    atomic_store(&lab_points_on, true);
    lab_sched_begin(&config);
}

/* Who passed which step, in order. No lock: under control only the baton holder runs,
 * and the baton's hand-over orders the writes. */
static char order[256];

static void note(const char *what)
{
    strncat(order, what, sizeof order - strlen(order) - 1);
}

static void *two_steps(void *arg)
{
    const char *name = arg;
    char text[16];
    snprintf(text, sizeof text, "%s.", name);
    note(text);
    lab_point(LAB_POINT_MARK, "between", "test");
    note(text);
    return NULL;
}

/* Runs two threads of two steps under spec; prints the order on stdout. */
static void run_two_threads(void *spec_text)
{
    control(spec_text);
    lab_thread *a = lab_thread_start(two_steps, "a", LAB_THREAD_NOT_DAEMON, "a");
    lab_thread *b = lab_thread_start(two_steps, "b", LAB_THREAD_NOT_DAEMON, "b");
    lab_thread_join(a);
    lab_thread_join(b);
    printf("%s\n", order);
}

static char *order_under(const char *spec)
{
    child_run run = run_in_child(run_two_threads, (void *)spec, 10);
    ck_assert_msg(run.exit_code == 0, "exit %d: %s", run.exit_code, run.err);
    char *text = strdup(run.out);
    child_run_free(&run);
    return text;
}

START_TEST(the_list_decides_who_runs_and_the_default_finishes)
{
    /* Default: the running thread goes on; main, blocked in join, lets a then b run. */
    char *text = order_under("default");
    ck_assert_str_eq(text, "a.a.b.b.\n");
    free(text);
    /* 1: main started a: a. 2: a at its mark: main (starts b). 3: b. Then the default. */
    text = order_under("a,main,b");
    ck_assert_str_eq(text, "a.b.b.a.\n");
    free(text);
    /* the same list twice: the same order */
    for (int i = 0; i < 3; i++) {
        text = order_under("a,main,b");
        ck_assert_str_eq(text, "a.b.b.a.\n");
        free(text);
    }
}
END_TEST

static void name_nobody(void *unused)
{
    (void)unused;
    run_two_threads("a,zed");
}

static void name_a_thread_not_there_yet(void *unused)
{
    (void)unused;
    run_two_threads("a,b"); /* choice 2: b has not been started yet */
}

START_TEST(a_list_naming_a_thread_that_cannot_run_is_a_usage_error)
{
    child_run run = run_in_child(name_nobody, NULL, 10);
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(
        run.err, "test_sched: --schedule: choice 2 names 'zed', but no thread has that name"));
    ck_assert_int_eq(count_lines_with(run.err, "--schedule"), 1);
    child_run_free(&run);
    run = run_in_child(name_a_thread_not_there_yet, NULL, 10);
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_ptr_nonnull(strstr(run.err, "choice 2 names 'b', but no thread has that name"));
    child_run_free(&run);
}
END_TEST

static void *sleeper(void *arg)
{
    double *woke_at = arg;
    lab_sleep(5.0); /* class seconds: 5 virtual seconds at speed 1 */
    *woke_at = lab_elapsed();
    return NULL;
}

static void sleep_virtually(void *unused)
{
    (void)unused;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    control("default");
    double woke_at = -1;
    lab_thread *t = lab_thread_start(sleeper, &woke_at, LAB_THREAD_NOT_DAEMON, "sleeper");
    double before = lab_elapsed();
    /* main waits with a limit shorter than the sleep: it times out at exactly 2 s */
    int ended = lab_thread_join_timeout(t, 2.0, NULL) == 0;
    double after_timeout = lab_elapsed();
    lab_thread_join(t);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double real = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.6f %d %.6f %.6f %d\n", before, ended, after_timeout, woke_at, real < 1.0);
}

/* ---- a thread's end: its key destructors, pthread_exit() --------------------------------- */

static pthread_key_t slot;

static void destructor_notes(void *value)
{
    struct timespec pause = {0, 20000000}; /* a wide window: without the baton, b runs now */
    nanosleep(&pause, NULL);
    note((const char *)value); /* runs after the thread's function returned */
}

static void *with_a_destructor(void *arg)
{
    LAB_CHECK(pthread_setspecific(slot, arg));
    note(arg);
    return NULL;
}

/* a's destructor runs after a's function: b must not run before it has (a race would
 * show as "a.b.a.b."). */
static void destructors_then_the_next(void *unused)
{
    (void)unused;
    control("main,main,a,b"); /* at a's end, b runs next (not main, whose join would wait) */
    LAB_CHECK(pthread_key_create(&slot, destructor_notes));
    lab_thread *a = lab_thread_start(with_a_destructor, "a.", LAB_THREAD_NOT_DAEMON, "a");
    lab_thread *b = lab_thread_start(with_a_destructor, "b.", LAB_THREAD_NOT_DAEMON, "b");
    lab_thread_join(a);
    lab_thread_join(b);
    printf("%s\n", order);
}

START_TEST(an_ended_thread_keeps_the_baton_until_its_destructors_ran)
{
    for (int i = 0; i < 3; i++) {
        child_run run = run_in_child(destructors_then_the_next, NULL, 10);
        ck_assert_msg(run.exit_code == 0, "exit %d: %s", run.exit_code, run.err);
        ck_assert_str_eq(run.out, "a.a.b.b.\n"); /* each thread's note, then its destructor's */
        child_run_free(&run);
    }
}
END_TEST

static void *late_worker(void *unused)
{
    (void)unused;
    lab_sleep(1.0);
    note("worker.");
    return NULL;
}

static void print_order(void)
{
    printf("%s\n", order);
}

/* main ends with pthread_exit(): the worker goes on, then the process exits with 0 */
static void main_calls_pthread_exit(void *unused)
{
    (void)unused;
    control("default");
    atexit(print_order);
    lab_thread_start(late_worker, NULL, LAB_THREAD_NOT_DAEMON, "worker");
    note("main.");
    pthread_exit(NULL);
}

START_TEST(main_ending_with_pthread_exit_hands_the_baton_on)
{
    child_run run = run_in_child(main_calls_pthread_exit, NULL, 10);
    ck_assert_msg(run.exit_code == 0, "exit %d: %s", run.exit_code, run.err);
    ck_assert_str_eq(run.out, "main.worker.\n");
    ck_assert_msg(run.seconds < 5, "took %.1f s (the watchdog?)", run.seconds);
    child_run_free(&run);
}
END_TEST

START_TEST(time_is_virtual_and_exact)
{
    child_run run = run_in_child(sleep_virtually, NULL, 10);
    ck_assert_msg(run.exit_code == 0, "exit %d: %s", run.exit_code, run.err);
    ck_assert_str_eq(run.out, "0.000000 0 2.000000 5.000000 1\n");
    child_run_free(&run);
}
END_TEST

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER, lock_b = PTHREAD_MUTEX_INITIALIZER;

static void *a_then_b(void *unused)
{
    (void)unused;
    lab_pthread_mutex_lock(&lock_a);
    lab_pthread_mutex_lock(&lock_b);
    lab_pthread_mutex_unlock(&lock_b);
    lab_pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void *b_then_a(void *unused)
{
    (void)unused;
    lab_pthread_mutex_lock(&lock_b);
    lab_pthread_mutex_lock(&lock_a);
    lab_pthread_mutex_unlock(&lock_a);
    lab_pthread_mutex_unlock(&lock_b);
    return NULL;
}

static void lock_order_inversion(void *spec)
{
    control(spec);
    lab_thread *x = lab_thread_start(a_then_b, NULL, LAB_THREAD_NOT_DAEMON, "x");
    lab_thread *y = lab_thread_start(b_then_a, NULL, LAB_THREAD_NOT_DAEMON, "y");
    lab_thread_join(x);
    lab_thread_join(y);
    printf("result: deadlock=0\n");
}

START_TEST(a_deadlock_is_found_and_pictured)
{
    /* default: x takes both locks before y starts: no deadlock */
    child_run run = run_in_child(lock_order_inversion, "default", 10);
    ck_assert_int_eq(run.exit_code, 0);
    ck_assert_str_eq(run.out, "result: deadlock=0\n");
    child_run_free(&run);
    /* x takes A and stops before B; main starts y; y takes B: each waits for the other */
    run = run_in_child(lock_order_inversion, "x,x,main,main,y", 10);
    ck_assert_int_eq(run.exit_code, 1);
    ck_assert_msg(strstr(run.out, "deadlock: no thread can run") == run.out, "%s", run.out);
    ck_assert_int_eq(
        count_lines_with(run.out, "  x          waits for lock lock_b, held by y  (test_sched.c:"),
        1);
    ck_assert_int_eq(
        count_lines_with(run.out, "  y          waits for lock lock_a, held by x  (test_sched.c:"),
        1);
    ck_assert_int_eq(count_lines_with(run.out, "  main       waits for x to end (join)"), 1);
    ck_assert_int_eq(count_lines_with(run.out, "result: deadlock=1 blocked=3 seed=1"), 1);
    child_run_free(&run);
}
END_TEST

static void *hold_a_for_three_seconds(void *unused)
{
    (void)unused;
    lab_pthread_mutex_lock(&lock_a);
    lab_sleep(3.0);
    lab_pthread_mutex_unlock(&lock_a);
    return NULL;
}

static void timed_lock(void *unused)
{
    (void)unused;
    control("main,holder"); /* the holder takes A first */
    lab_thread *holder =
        lab_thread_start(hold_a_for_three_seconds, NULL, LAB_THREAD_NOT_DAEMON, "holder");
    struct timespec soon = lab_deadline(1.0), later = lab_deadline(5.0);
    int first = lab_sched_mutex_timedlock(&lock_a, &soon, __FILE__, __LINE__);
    double gave_up_at = lab_elapsed();
    int second = lab_sched_mutex_timedlock(&lock_a, &later, __FILE__, __LINE__);
    double got_it_at = lab_elapsed();
    lab_pthread_mutex_unlock(&lock_a);
    lab_thread_join(holder);
    printf("%s %.3f %d %.3f\n", first == ETIMEDOUT ? "ETIMEDOUT" : "?", gave_up_at, second,
           got_it_at);
}

START_TEST(a_timed_lock_gives_up_at_its_virtual_deadline)
{
    child_run run = run_in_child(timed_lock, NULL, 10);
    ck_assert_msg(run.exit_code == 0, "exit %d: %s %s", run.exit_code, run.out, run.err);
    ck_assert_str_eq(run.out, "ETIMEDOUT 1.000 0 3.000\n");
    child_run_free(&run);
}
END_TEST

static sem_t ready;

static void *post_after_two_seconds(void *unused)
{
    (void)unused;
    lab_sleep(2.0);
    lab_sem_post(&ready);
    return NULL;
}

static void semaphore_wait(void *unused)
{
    (void)unused;
    LAB_CHECK_ERRNO(sem_init(&ready, 0, 0));
    control("default");
    lab_thread *poster =
        lab_thread_start(post_after_two_seconds, NULL, LAB_THREAD_NOT_DAEMON, "poster");
    lab_sem_wait(&ready); /* blocks under control, not in the kernel */
    printf("%.3f\n", lab_elapsed());
    lab_thread_join(poster);
}

START_TEST(a_posix_semaphore_waits_under_control)
{
    child_run run = run_in_child(semaphore_wait, NULL, 10);
    ck_assert_msg(run.exit_code == 0, "exit %d: %s %s", run.exit_code, run.out, run.err);
    ck_assert_str_eq(run.out, "2.000\n");
    child_run_free(&run);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("sched");
    TCase *tc = tcase_create("spec");
    tcase_add_test(tc, a_list_of_names_is_parsed_in_order);
    tcase_add_test(tc, a_malformed_spec_is_refused_with_a_reason);
    tcase_add_test(tc, the_invariant_compares_keys_and_numbers);
    tcase_add_test(tc, the_invariant_compares_text_values_with_strings);
    tcase_add_test(tc, a_demo_without_an_invariant_or_that_cannot_be_controlled_refuses_the_flags);
    suite_add_tcase(suite, tc);
    tc = tcase_create("controller");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, the_list_decides_who_runs_and_the_default_finishes);
    tcase_add_test(tc, a_list_naming_a_thread_that_cannot_run_is_a_usage_error);
    tcase_add_test(tc, time_is_virtual_and_exact);
    tcase_add_test(tc, an_ended_thread_keeps_the_baton_until_its_destructors_ran);
    tcase_add_test(tc, a_deadlock_is_found_and_pictured);
    tcase_add_test(tc, a_timed_lock_gives_up_at_its_virtual_deadline);
    tcase_add_test(tc, a_posix_semaphore_waits_under_control);
    suite_add_tcase(suite, tc);
    /* A main that ends with pthread_exit() leaves no stack, so what only it pointed to looks
     * lost to LeakSanitizer at exit: tagged, and left out under make asan. */
    tc = tcase_create("main's pthread_exit");
    tcase_set_timeout(tc, 30);
    tcase_set_tags(tc, "main-pthread-exit");
    tcase_add_test(tc, main_ending_with_pthread_exit_hands_the_baton_on);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(make_suite)
