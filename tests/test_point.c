/* test_point.c — the scheduling-point recorder: per thread, bounded, named, silent when off,
 * and readable while threads are still recording. Each test runs in its own forked
 * process (fork mode), so each starts with an empty recorder. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "point.h"
#include "thread.h"

#include <stdio.h>
#include <string.h>

static const char *const label = "tick";

static void *record_marks(void *arg)
{
    int n = *(int *)arg;
    for (int i = 0; i < n; i++)
        lab_point(LAB_POINT_MARK, label, "test");
    return NULL;
}

static const lab_point_log *log_named(const lab_point_log *logs, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(logs[i].name, name) == 0)
            return &logs[i];
    ck_abort_msg("no log for thread %s", name);
    return NULL;
}

START_TEST(off_records_nothing)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    lab_point_name(&m, "named but off");
    lab_point(LAB_POINT_MARK, label, "test");
    lab_pthread_mutex_lock(&m);
    lab_pthread_mutex_unlock(&m);
    lab_sleep(0.001);
    int n = 5;
    lab_thread_join(lab_thread_start(record_marks, &n, LAB_THREAD_NOT_DAEMON, "quiet"));
    lab_point_log *logs;
    ck_assert_uint_eq(lab_points_collect(&logs), 0);
    ck_assert_ptr_null(logs);
    ck_assert_int_eq(lab_point_thread_id(), -1);
}
END_TEST

START_TEST(each_thread_records_its_own_story)
{
    ck_assert_int_eq(lab_points_enable(), 0);
    int n = 10;
    lab_thread *started[3];
    for (int i = 0; i < 3; i++)
        started[i] = lab_thread_start(record_marks, &n, LAB_THREAD_NOT_DAEMON, "w%d", i);
    for (int i = 0; i < 3; i++)
        lab_thread_join(started[i]);
    lab_point_log *logs;
    size_t count = lab_points_collect(&logs);
    ck_assert_uint_eq(count, 4);
    ck_assert_str_eq(logs[0].name, "main");
    ck_assert_int_eq(logs[0].id, 0);
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "w%d", i);
        ck_assert_str_eq(logs[i + 1].name, name); /* ids in the order threads started */
        ck_assert_int_eq(logs[i + 1].id, i + 1);
        const lab_point_log *log = &logs[i + 1];
        ck_assert_uint_eq(log->count, 12);
        ck_assert_uint_eq(log->dropped, 0);
        ck_assert_int_eq(log->events[0].point, LAB_POINT_START);
        ck_assert_int_eq(log->events[11].point, LAB_POINT_END);
        ck_assert_ptr_eq(log->events[0].object, log->events[11].object); /* the lab_thread */
        for (size_t j = 1; j < 11; j++) {
            ck_assert_int_eq(log->events[j].point, LAB_POINT_MARK);
            ck_assert_ptr_eq(log->events[j].object, label);
            ck_assert_str_eq(log->events[j].kind, "test");
            ck_assert_ptr_nonnull(strstr(log->events[j].file, "test_point.c"));
            ck_assert(log->events[j].at >= log->events[j - 1].at);
        }
    }
    /* main: a WAIT and a GET per join, on the joined thread's object */
    ck_assert_uint_eq(logs[0].count, 6);
    ck_assert_int_eq(logs[0].events[0].point, LAB_POINT_WAIT);
    ck_assert_ptr_eq(logs[0].events[0].object, logs[1].events[0].object);
    ck_assert_int_eq(logs[0].events[1].point, LAB_POINT_GET);
    lab_points_free(logs, count);
}
END_TEST

START_TEST(a_full_buffer_drops_and_counts)
{
    lab_points_enable();
    for (int i = 0; i < LAB_POINT_CAP + 100; i++)
        lab_point(LAB_POINT_MARK, label, "test");
    lab_point_log *logs;
    size_t count = lab_points_collect(&logs);
    ck_assert_uint_eq(count, 1);
    ck_assert_uint_eq(logs[0].count, LAB_POINT_CAP);
    ck_assert_uint_eq(logs[0].dropped, 100);
    lab_points_free(logs, count);
}
END_TEST

START_TEST(names_are_kept_replaced_and_cut)
{
    static int a, b;
    char name[64];
    ck_assert(!lab_point_object_name(&a, name, sizeof name));
    ck_assert_str_eq(name, "");
    lab_point_name(&a, "green light");
    ck_assert(lab_point_is_named(&a));
    ck_assert(!lab_point_is_named(&b));
    ck_assert(lab_point_object_name(&a, name, sizeof name));
    ck_assert_str_eq(name, "green light");
    lab_point_name(&a, "red light");
    lab_point_object_name(&a, name, sizeof name);
    ck_assert_str_eq(name, "red light");
    lab_point_name(&b, "a name much longer than thirty-one characters");
    lab_point_object_name(&b, name, sizeof name);
    ck_assert_uint_eq(strlen(name), 31);
    lab_point_name(NULL, "nothing"); /* ignored */
    ck_assert(!lab_point_is_named(NULL));
}
END_TEST

START_TEST(the_name_table_fills_up_quietly)
{
    static char objects[LAB_POINT_NAMES + 10];
    for (size_t i = 0; i < sizeof objects; i++)
        lab_point_name(&objects[i], "o");
    ck_assert(lab_point_is_named(&objects[0]));
    ck_assert(lab_point_is_named(&objects[LAB_POINT_NAMES - 1]));
    ck_assert(!lab_point_is_named(&objects[LAB_POINT_NAMES]));
}
END_TEST

START_TEST(only_named_mutexes_report)
{
    lab_points_enable();
    pthread_mutex_t named = PTHREAD_MUTEX_INITIALIZER, unnamed = PTHREAD_MUTEX_INITIALIZER;
    lab_point_name(&named, "counter lock");
    lab_pthread_mutex_lock(&unnamed);
    lab_pthread_mutex_unlock(&unnamed);
    lab_pthread_mutex_lock(&named);
    lab_pthread_mutex_unlock(&named);
    lab_sleep(0.001);
    lab_point_log *logs;
    size_t count = lab_points_collect(&logs);
    ck_assert_uint_eq(count, 1);
    ck_assert_uint_eq(logs[0].count, 4); /* uncontended: GET, RELEASE; then SLEEP, WOKE */
    ck_assert_int_eq(logs[0].events[0].point, LAB_POINT_GET);
    ck_assert_ptr_eq(logs[0].events[0].object, &named);
    ck_assert_str_eq(logs[0].events[0].kind, "mutex");
    ck_assert_int_eq(logs[0].events[1].point, LAB_POINT_RELEASE);
    ck_assert_int_eq(logs[0].events[2].point, LAB_POINT_SLEEP);
    ck_assert_int_eq(logs[0].events[3].point, LAB_POINT_WOKE);
    lab_points_free(logs, count);
}
END_TEST

/* Four threads record while the test thread reads: every copy is a consistent prefix. */
#define WRITERS    4
#define PER_WRITER 3000

START_TEST(reading_while_threads_record)
{
    lab_points_enable();
    int n = PER_WRITER;
    lab_thread *started[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        started[i] = lab_thread_start(record_marks, &n, LAB_THREAD_NOT_DAEMON, "writer%d", i);
    size_t bad = 0;
    for (int round = 0; round < 50; round++) {
        lab_point_log *logs;
        size_t count = lab_points_collect(&logs);
        for (size_t i = 0; i < count; i++)
            for (size_t j = 1; j < logs[i].count; j++)
                bad += logs[i].events[j].at < logs[i].events[j - 1].at ||
                       logs[i].events[j].point > LAB_POINT_MARK;
        lab_points_free(logs, count);
    }
    for (int i = 0; i < WRITERS; i++)
        lab_thread_join(started[i]);
    ck_assert_uint_eq(bad, 0);
    lab_point_log *logs;
    size_t count = lab_points_collect(&logs);
    ck_assert_uint_eq(count, WRITERS + 1);
    for (int i = 0; i < WRITERS; i++) {
        char name[24];
        snprintf(name, sizeof name, "writer%d", i);
        ck_assert_uint_eq(log_named(logs, count, name)->count, PER_WRITER + 2);
    }
    lab_points_free(logs, count);
}
END_TEST

/* A point's time is on lab_now()'s clock (CLOCK_MONOTONIC), whether it was stamped from
 * the TSC or from the clock itself; and a point made after another thread's point (here
 * after joining it) is not stamped before it. */
static void *one_mark(void *arg)
{
    (void)arg;
    lab_point(LAB_POINT_MARK, label, "test");
    return NULL;
}

START_TEST(stamps_are_on_the_monotonic_clock)
{
    lab_points_enable();
    double before = lab_now();
    lab_point(LAB_POINT_MARK, label, "test");
    double between = lab_now();
    lab_sleep(0.02); /* real seconds at speed 1: the reading measures the TSC's rate */
    lab_thread_join(lab_thread_start(one_mark, NULL, LAB_THREAD_NOT_DAEMON, "marker"));
    lab_point(LAB_POINT_MARK, label, "test");
    double after = lab_now();
    lab_point_log *logs;
    size_t count = lab_points_collect(&logs);
    const lab_point_log *main_log = log_named(logs, count, "main");
    const lab_point_log *marker = log_named(logs, count, "marker");
    const lab_point_event *first = &main_log->events[0];
    const lab_point_event *last = &main_log->events[main_log->count - 1];
    ck_assert_int_eq(first->point, LAB_POINT_MARK);
    ck_assert_int_eq(last->point, LAB_POINT_MARK);
    /* A microsecond of slack: the rate is measured, not known. */
    ck_assert_msg(first->at >= before - 1e-6 && first->at <= between + 1e-6,
                  "%.9f not in [%.9f, %.9f]", first->at, before, between);
    ck_assert_msg(last->at <= after + 1e-6, "%.9f after %.9f", last->at, after);
    ck_assert_uint_eq(marker->count, 3); /* START, the mark, END */
    ck_assert(marker->events[1].at >= first->at);
    ck_assert(last->at >= marker->events[2].at);
    lab_points_free(logs, count);
}
END_TEST

START_TEST(kind_names)
{
    ck_assert_str_eq(lab_point_kind_name(LAB_POINT_WAIT), "wait");
    ck_assert_str_eq(lab_point_kind_name(LAB_POINT_MARK), "mark");
    ck_assert_str_eq(lab_point_kind_name((lab_point_kind)99), "?");
}
END_TEST

static Suite *make_point_suite(void)
{
    Suite *suite = suite_create("point");
    TCase *tc = tcase_create("recorder");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, off_records_nothing);
    tcase_add_test(tc, each_thread_records_its_own_story);
    tcase_add_test(tc, a_full_buffer_drops_and_counts);
    tcase_add_test(tc, names_are_kept_replaced_and_cut);
    tcase_add_test(tc, the_name_table_fills_up_quietly);
    tcase_add_test(tc, only_named_mutexes_report);
    tcase_add_test(tc, reading_while_threads_record);
    tcase_add_test(tc, kind_names);
    tcase_add_test(tc, stamps_are_on_the_monotonic_clock);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(make_point_suite)
