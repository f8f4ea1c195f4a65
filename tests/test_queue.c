/* test_queue.c — the Queue: three orders, non-blocking and timed calls, task_done/join,
 * shutdown, and every item exactly once under 4 producers x 4 consumers. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "queue.h"
#include "rng.h"
#include "thread.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

static int values[1000]; /* values[i] == i: items are pointers to these */

static void setup_values(void)
{
    for (int i = 0; i < 1000; i++)
        values[i] = i;
}

static lab_queue *make(lab_queue_kind kind, long maxsize)
{
    lab_queue *q = lab_queue_new(kind, maxsize);
    ck_assert_ptr_nonnull(q);
    return q;
}

static int get_value(lab_queue *q)
{
    void *item = NULL;
    ck_assert_int_eq(lab_queue_get_nowait(q, &item), 0);
    ck_assert_ptr_nonnull(item);
    return *(int *)item;
}

/* ---- order ---- */

START_TEST(fifo_hands_out_the_oldest_first)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 0);
    for (int i = 1; i <= 5; i++)
        ck_assert_int_eq(lab_queue_put(q, &values[i]), 0);
    for (int i = 1; i <= 5; i++)
        ck_assert_int_eq(get_value(q), i);
    lab_queue_free(q);
}
END_TEST

START_TEST(lifo_hands_out_the_newest_first)
{
    lab_queue *q = make(LAB_QUEUE_LIFO, 5);
    for (int i = 1; i <= 5; i++)
        ck_assert_int_eq(lab_queue_put(q, &values[i]), 0);
    for (int i = 5; i >= 1; i--)
        ck_assert_int_eq(get_value(q), i);
    lab_queue_free(q);
}
END_TEST

START_TEST(priority_hands_out_the_lowest_first_and_ties_in_put_order)
{
    lab_queue *q = make(LAB_QUEUE_PRIORITY, 0);
    const long priorities[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3}; /* item i has priorities[i] */
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(lab_queue_put_priority(q, &values[i], priorities[i]), 0);
    const int expected[] = {1, 3, 6, 0, 9, 2, 4, 8, 7, 5};
    for (int i = 0; i < 10; i++) {
        void *item;
        long priority = -1;
        ck_assert_int_eq(lab_queue_get_priority(q, &item, &priority), 0);
        ck_assert_int_eq(*(int *)item, expected[i]);
        ck_assert_int_eq(priority, priorities[expected[i]]);
    }
    lab_queue_free(q);
}
END_TEST

/* A heap of 1000 random priorities, taken out while more go in. */
START_TEST(priority_heap_stays_ordered_through_many_puts_and_gets)
{
    lab_queue *q = make(LAB_QUEUE_PRIORITY, 0);
    lab_rng rng = lab_rng_stream(7);
    int put = 0, taken = 0;
    long last_priority = LONG_MIN;
    int last_value = -1;
    while (taken < 1000) {
        if (put < 1000 && (put - taken < 50 || lab_rng_between(&rng, 0, 1) == 0)) {
            ck_assert_int_eq(
                lab_queue_put_priority_nowait(q, &values[put], lab_rng_between(&rng, 0, 9)), 0);
            put++;
            last_priority = LONG_MIN; /* a new item may come before those seen */
            continue;
        }
        void *item;
        long priority;
        ck_assert_int_eq(lab_queue_get_priority(q, &item, &priority), 0);
        int value = *(int *)item;
        ck_assert(priority > last_priority || (priority == last_priority && value > last_value));
        last_priority = priority, last_value = value;
        taken++;
    }
    ck_assert(lab_queue_empty(q));
    lab_queue_free(q);
}
END_TEST

START_TEST(fifo_ring_wraps_and_grows_without_reordering)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 3); /* a ring of 3: head goes round many times */
    int next_in = 0, next_out = 0;
    for (int round = 0; round < 100; round++) {
        while (lab_queue_put_nowait(q, &values[next_in]) == 0)
            next_in++;
        ck_assert_int_eq(get_value(q), next_out++);
        if (round % 3 == 0)
            ck_assert_int_eq(get_value(q), next_out++);
    }
    lab_queue_free(q);

    q = make(LAB_QUEUE_FIFO, 0); /* unbounded: starts small, grows while head is mid-array */
    for (int i = 0; i < 10; i++)
        lab_queue_put(q, &values[i]);
    for (int i = 0; i < 7; i++)
        ck_assert_int_eq(get_value(q), i);
    for (int i = 10; i < 500; i++)
        lab_queue_put(q, &values[i]);
    ck_assert_uint_eq(lab_queue_qsize(q), 493);
    for (int i = 7; i < 500; i++)
        ck_assert_int_eq(get_value(q), i);
    lab_queue_free(q);

    q = make(LAB_QUEUE_LIFO, -1);
    for (int i = 0; i < 500; i++)
        lab_queue_put(q, &values[i]);
    for (int i = 499; i >= 0; i--)
        ck_assert_int_eq(get_value(q), i);
    lab_queue_free(q);
}
END_TEST

START_TEST(items_are_plain_pointers_even_null)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 2);
    ck_assert_int_eq(lab_queue_put(q, NULL), 0);
    void *item = &values[1];
    ck_assert_int_eq(lab_queue_get(q, &item), 0);
    ck_assert_ptr_null(item);
    lab_queue_free(q);
}
END_TEST

/* ---- non-blocking calls, sizes, misuse ---- */

START_TEST(put_nowait_on_full_is_full_and_get_nowait_on_empty_is_empty)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 2);
    ck_assert_int_eq(lab_queue_maxsize(q), 2);
    ck_assert(lab_queue_empty(q) && !lab_queue_full(q));
    void *item = &values[9];
    ck_assert_int_eq(lab_queue_get_nowait(q, &item), EAGAIN);
    ck_assert_ptr_eq(item, &values[9]); /* left alone */
    ck_assert_int_eq(lab_queue_put_nowait(q, &values[1]), 0);
    ck_assert_int_eq(lab_queue_put_nowait(q, &values[2]), 0);
    ck_assert(lab_queue_full(q) && !lab_queue_empty(q));
    ck_assert_int_eq(lab_queue_put_nowait(q, &values[3]), EAGAIN);
    ck_assert_int_eq(lab_queue_put_priority_nowait(q, &values[3], 0),
                     EAGAIN); /* the priority form too */
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[3], 0), ETIMEDOUT); /* 0 polls: looks once */
    ck_assert_uint_eq(lab_queue_qsize(q), 2);
    ck_assert_int_eq(get_value(q), 1);
    ck_assert_int_eq(get_value(q), 2);
    lab_queue_free(q);
}
END_TEST

START_TEST(maxsize_zero_or_negative_is_unbounded)
{
    for (long maxsize = 0; maxsize >= -3; maxsize -= 3) {
        lab_queue *q = make(LAB_QUEUE_PRIORITY, maxsize);
        for (int i = 0; i < 1000; i++)
            ck_assert_int_eq(lab_queue_put_nowait(q, &values[i]), 0);
        ck_assert(!lab_queue_full(q));
        ck_assert_uint_eq(lab_queue_qsize(q), 1000);
        lab_queue_free(q);
    }
}
END_TEST

START_TEST(create_refuses_what_it_cannot_make)
{
    errno = 0;
    ck_assert_ptr_null(lab_queue_new((lab_queue_kind)7, 1));
    ck_assert_int_eq(errno, EINVAL);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    /* (the sanitizers' allocators abort on such a request instead of returning NULL) */
    errno = 0;
    ck_assert_ptr_null(lab_queue_new(LAB_QUEUE_FIFO, LONG_MAX)); /* no room for LONG_MAX entries */
    ck_assert_int_eq(errno, ENOMEM);
#endif
    lab_queue_free(NULL);
}
END_TEST

START_TEST(too_many_task_done_is_an_error)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 0);
    ck_assert_int_eq(lab_queue_task_done(q), EINVAL); /* nothing put yet */
    lab_queue_put(q, &values[1]);
    lab_queue_put(q, &values[2]);
    get_value(q);
    get_value(q);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0), ETIMEDOUT);
    ck_assert_int_eq(lab_queue_task_done(q), 0);
    ck_assert_int_eq(lab_queue_task_done(q), 0);
    ck_assert_int_eq(lab_queue_task_done(q), EINVAL);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0), 0); /* the extra call changed nothing */
    lab_queue_put(q, &values[3]);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0), ETIMEDOUT);
    lab_queue_free(q);
}
END_TEST

START_TEST(bad_timeouts_are_errors)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 1);
    void *item;
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[1], -0.5), EINVAL);
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[1], -1.0), EINVAL); /* the old "forever" */
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[1], INFINITY), EINVAL);
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[1], NAN), EINVAL);
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, -2), EINVAL);
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, NAN), EINVAL);
    ck_assert_uint_eq(lab_queue_qsize(q), 0); /* nothing was put by the refused calls */
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, INFINITY), EINVAL); /* not "forever" */
    ck_assert_int_eq(lab_queue_join_timeout(q, -1.0), EINVAL);
    ck_assert_int_eq(lab_queue_join_timeout(q, NAN), EINVAL);
    ck_assert_int_eq(lab_queue_join_timeout(q, INFINITY), EINVAL);
    ck_assert_int_eq(lab_queue_put(q, &values[1]), 0);
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 0), 0); /* 0 polls: an item is there */
    ck_assert_ptr_eq(item, &values[1]);
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[2], 0), 0); /* and there is room */
    ck_assert_str_eq(lab_queue_put_error_name(ESHUTDOWN), "ShutDown");
    ck_assert_str_eq(lab_queue_put_error_name(EAGAIN), "Full");
    ck_assert_str_eq(lab_queue_get_error_name(EAGAIN), "Empty");
    ck_assert_str_eq(lab_queue_get_error_name(ETIMEDOUT), "Timeout");
    ck_assert_str_eq(lab_queue_get_error_name(0), "OK");
    ck_assert_str_eq(lab_queue_kind_name(LAB_QUEUE_LIFO), "lifo");
    lab_queue_free(q);
}
END_TEST

/* ---- waiting: blocking calls, timeouts, join ---- */

typedef struct call_record {
    lab_queue *q;
    void *item;
    int status;
    atomic_bool returned;
} call_record;

static void *blocking_get(void *arg)
{
    call_record *r = arg;
    r->status = lab_queue_get(r->q, &r->item);
    atomic_store(&r->returned, true);
    return NULL;
}

static void *blocking_put(void *arg)
{
    call_record *r = arg;
    r->status = lab_queue_put(r->q, r->item);
    atomic_store(&r->returned, true);
    return NULL;
}

static void *blocking_join(void *arg)
{
    call_record *r = arg;
    lab_queue_join(r->q);
    atomic_store(&r->returned, true);
    return NULL;
}

START_TEST(blocking_get_waits_for_a_put)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 0);
    call_record r = {.q = q};
    lab_thread *getter = lab_thread_start(blocking_get, &r, LAB_THREAD_NOT_DAEMON, "getter");
    lab_sleep(0.05);
    ck_assert(!atomic_load(&r.returned)); /* the queue is empty: it cannot have returned */
    lab_queue_put(q, &values[42]);
    ck_assert(lab_thread_join_timeout(getter, 5, NULL) == 0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_eq(r.item, &values[42]);
    lab_queue_free(q);
}
END_TEST

START_TEST(blocking_put_waits_for_room)
{
    lab_queue *q = make(LAB_QUEUE_LIFO, 1);
    lab_queue_put(q, &values[1]);
    call_record r = {.q = q, .item = &values[2]};
    lab_thread *putter = lab_thread_start(blocking_put, &r, LAB_THREAD_NOT_DAEMON, "putter");
    lab_sleep(0.05);
    ck_assert(!atomic_load(&r.returned)); /* the queue is full */
    ck_assert_int_eq(get_value(q), 1);
    ck_assert(lab_thread_join_timeout(putter, 5, NULL) == 0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(get_value(q), 2);
    lab_queue_free(q);
}
END_TEST

/* A put signals only when a getter sleeps, and a get only when a putter sleeps: the
 * queue counts its sleepers. Timed waits that give up must leave the count right, and
 * every sleeper must still be woken, one per item or free slot. */
enum { SLEEPERS = 4 };

static void *timed_get(void *arg)
{
    call_record *r = arg;
    r->status = lab_queue_get_timeout(r->q, &r->item, 0.02);
    atomic_store(&r->returned, true);
    return NULL;
}

START_TEST(every_sleeper_is_woken_after_others_timed_out)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 2);
    call_record r[SLEEPERS];
    lab_thread *t[SLEEPERS];
    for (int i = 0; i < SLEEPERS; i++) { /* getters that give up: counted, then not */
        r[i] = (call_record){.q = q};
        t[i] = lab_thread_start(timed_get, &r[i], LAB_THREAD_NOT_DAEMON, "timed-%d", i);
    }
    for (int i = 0; i < SLEEPERS; i++) {
        ck_assert(lab_thread_join_timeout(t[i], 5, NULL) == 0);
        ck_assert_int_eq(r[i].status, ETIMEDOUT);
    }
    for (int i = 0; i < SLEEPERS; i++) { /* getters that stay: each needs its own wake-up */
        r[i] = (call_record){.q = q};
        t[i] = lab_thread_start(blocking_get, &r[i], LAB_THREAD_NOT_DAEMON, "getter-%d", i);
    }
    lab_sleep(0.02); /* most are asleep by now; correct either way */
    for (int i = 0; i < SLEEPERS; i++)
        ck_assert_int_eq(lab_queue_put(q, &values[i]), 0);
    bool seen[SLEEPERS] = {false};
    for (int i = 0; i < SLEEPERS; i++) {
        ck_assert(lab_thread_join_timeout(t[i], 5, NULL) == 0);
        ck_assert_int_eq(r[i].status, 0);
        int v = *(int *)r[i].item;
        ck_assert(v >= 0 && v < SLEEPERS && !seen[v]);
        seen[v] = true;
    }
    /* The other way round: a full queue, putters asleep, one get per putter. */
    ck_assert_int_eq(lab_queue_put(q, &values[10]), 0);
    ck_assert_int_eq(lab_queue_put(q, &values[11]), 0);
    for (int i = 0; i < SLEEPERS; i++) {
        r[i] = (call_record){.q = q, .item = &values[20 + i]};
        t[i] = lab_thread_start(blocking_put, &r[i], LAB_THREAD_NOT_DAEMON, "putter-%d", i);
    }
    lab_sleep(0.02);
    for (int i = 0; i < SLEEPERS; i++) {
        void *item;
        ck_assert_int_eq(lab_queue_get_timeout(q, &item, 5), 0);
    }
    for (int i = 0; i < SLEEPERS; i++) {
        ck_assert(lab_thread_join_timeout(t[i], 5, NULL) == 0);
        ck_assert_int_eq(r[i].status, 0);
    }
    ck_assert_uint_eq(lab_queue_qsize(q), 2);
    lab_queue_free(q);
}
END_TEST

START_TEST(timeouts_return_in_time_and_say_timeout)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 1);
    void *item = NULL;
    double begin = lab_now();
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 0.1), ETIMEDOUT);
    double waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.099 && waited < 3, "get waited %.3f s for a 0.1 s timeout", waited);

    lab_queue_put(q, &values[1]);
    begin = lab_now();
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[2], 0.1), ETIMEDOUT);
    waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.099 && waited < 3, "put waited %.3f s for a 0.1 s timeout", waited);
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[2], 0), ETIMEDOUT); /* 0: give up at once */
    ck_assert_uint_eq(lab_queue_qsize(q), 1);

    lab_set_speed(10); /* timeouts are class seconds: 1 class second is 0.1 s now */
    lab_queue_get_nowait(q, &item);
    begin = lab_now();
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 1), ETIMEDOUT);
    waited = lab_now() - begin;
    lab_set_speed(1);
    ck_assert_msg(waited >= 0.099 && waited < 0.9, "1 class second at speed 10 took %.3f s",
                  waited);
    lab_queue_free(q);
}
END_TEST

static void *put_after_a_pause(void *arg)
{
    lab_sleep(0.05);
    lab_queue_put(arg, &values[5]);
    return NULL;
}

START_TEST(timed_get_returns_as_soon_as_an_item_comes)
{
    lab_queue *q = make(LAB_QUEUE_PRIORITY, 4);
    lab_thread *putter = lab_thread_start(put_after_a_pause, q, LAB_THREAD_NOT_DAEMON, "putter");
    void *item = NULL;
    double begin = lab_now();
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 20), 0);
    ck_assert_msg(lab_now() - begin < 10,
                  "a 20 s timed get waited %.1f s for an item put after 0.05 s", lab_now() - begin);
    ck_assert_ptr_eq(item, &values[5]);
    lab_thread_join(putter);
    lab_queue_free(q);
}
END_TEST

START_TEST(join_returns_only_after_every_task_done)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 0);
    for (int i = 0; i < 3; i++)
        lab_queue_put(q, &values[i]);
    call_record joiners[3] = {{.q = q}, {.q = q}, {.q = q}};
    lab_thread *threads[3];
    for (int i = 0; i < 3; i++)
        threads[i] =
            lab_thread_start(blocking_join, &joiners[i], LAB_THREAD_NOT_DAEMON, "joiner-%d", i);
    for (int i = 0; i < 3; i++)
        get_value(q);
    ck_assert_int_eq(lab_queue_task_done(q), 0);
    ck_assert_int_eq(lab_queue_task_done(q), 0);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0.05), ETIMEDOUT); /* one task is still not done */
    for (int i = 0; i < 3; i++)
        ck_assert(!atomic_load(&joiners[i].returned));
    ck_assert_int_eq(lab_queue_task_done(q), 0);
    for (int i = 0; i < 3; i++) /* the last task_done wakes every joiner */
        ck_assert(lab_thread_join_timeout(threads[i], 5, NULL) == 0);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0), 0);
    lab_queue_free(q);
}
END_TEST

/* ---- shutdown ---- */

START_TEST(shutdown_wakes_blocked_getters_and_putters)
{
    lab_queue *empty = make(LAB_QUEUE_FIFO, 2);
    lab_queue *full = make(LAB_QUEUE_FIFO, 1);
    lab_queue_put(full, &values[1]);
    call_record getters[3] = {{.q = empty}, {.q = empty}, {.q = empty}};
    call_record putter = {.q = full, .item = &values[2]};
    lab_thread *threads[4];
    for (int i = 0; i < 3; i++)
        threads[i] =
            lab_thread_start(blocking_get, &getters[i], LAB_THREAD_NOT_DAEMON, "getter-%d", i);
    threads[3] = lab_thread_start(blocking_put, &putter, LAB_THREAD_NOT_DAEMON, "putter");
    lab_sleep(0.05);
    ck_assert_uint_eq(lab_queue_shutdown(empty, false), 0);
    ck_assert_uint_eq(lab_queue_shutdown(full, false), 0);
    for (int i = 0; i < 4; i++)
        ck_assert(lab_thread_join_timeout(threads[i], 5, NULL) == 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(getters[i].status, ESHUTDOWN);
    ck_assert_int_eq(putter.status, ESHUTDOWN);
    ck_assert_uint_eq(lab_queue_qsize(full), 1); /* the putter's item never went in */
    lab_queue_free(empty);
    lab_queue_free(full);
}
END_TEST

START_TEST(after_shutdown_put_fails_and_get_drains_what_is_left)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 0);
    for (int i = 1; i <= 3; i++)
        lab_queue_put(q, &values[i]);
    ck_assert(!lab_queue_is_shut_down(q));
    lab_queue_shutdown(q, false);
    lab_queue_shutdown(q, false); /* twice is fine */
    ck_assert(lab_queue_is_shut_down(q));
    ck_assert_int_eq(lab_queue_put(q, &values[4]), ESHUTDOWN);
    ck_assert_int_eq(lab_queue_put_nowait(q, &values[4]), ESHUTDOWN);
    ck_assert_int_eq(lab_queue_put_timeout(q, &values[4], 1), ESHUTDOWN);
    void *item;
    for (int i = 1; i <= 3; i++) {
        ck_assert_int_eq(lab_queue_get(q, &item), 0);
        ck_assert_ptr_eq(item, &values[i]);
        ck_assert_int_eq(lab_queue_task_done(q), 0);
    }
    ck_assert_int_eq(lab_queue_get(q, &item), ESHUTDOWN); /* at once: does not block */
    ck_assert_int_eq(lab_queue_get_nowait(q, &item), ESHUTDOWN);
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 10), ESHUTDOWN);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0), 0);
    lab_queue_free(q);
}
END_TEST

START_TEST(immediate_shutdown_drops_the_items_and_releases_join)
{
    lab_queue *q = make(LAB_QUEUE_PRIORITY, 8);
    for (int i = 0; i < 5; i++)
        lab_queue_put(q, &values[i]);
    get_value(q); /* taken but not done: join still waits for this one */
    call_record joiner = {.q = q};
    lab_thread *thread = lab_thread_start(blocking_join, &joiner, LAB_THREAD_NOT_DAEMON, "joiner");
    ck_assert_uint_eq(lab_queue_shutdown(q, true), 4);
    ck_assert(lab_queue_empty(q));
    void *item;
    ck_assert_int_eq(lab_queue_get(q, &item), ESHUTDOWN);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0.02), ETIMEDOUT);
    ck_assert_int_eq(lab_queue_task_done(q), 0); /* the one taken before */
    ck_assert(lab_thread_join_timeout(thread, 5, NULL) == 0);
    ck_assert_int_eq(lab_queue_task_done(q), EINVAL);
    lab_queue_free(q);
}
END_TEST

/* ---- unfinished_tasks and SimpleQueue ---- */

/* queue.Queue.unfinished_tasks: +1 per put, -1 per task_done, not per get; an immediate
 * shutdown counts the dropped items as done. */
START_TEST(unfinished_tasks_counts_puts_not_yet_done)
{
    lab_queue *q = make(LAB_QUEUE_FIFO, 3);
    void *item;
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 0);
    for (int i = 1; i <= 3; i++)
        ck_assert_int_eq(lab_queue_put(q, &values[i]), 0);
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 3);
    ck_assert_int_eq(lab_queue_put_nowait(q, &values[4]), EAGAIN); /* Full: not counted */
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 3);
    ck_assert_int_eq(lab_queue_get(q, &item), 0);
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 3); /* got, but not done */
    ck_assert_int_eq(lab_queue_task_done(q), 0);
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 2);
    ck_assert_int_eq(lab_queue_task_done(q), 0);
    ck_assert_int_eq(lab_queue_task_done(q), 0); /* done before got: Python allows it too */
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 0);
    ck_assert_int_eq(lab_queue_task_done(q), EINVAL); /* ValueError: nothing changes */
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 0);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0), 0);
    ck_assert_int_eq(lab_queue_put(q, &values[5]), 0);
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 1);
    ck_assert_uint_eq(lab_queue_shutdown(q, true), 3); /* 2 left from before + 1 */
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 0);
    lab_queue_free(q);
}
END_TEST

/* queue.SimpleQueue: unbounded FIFO; put never blocks (its block/timeout are ignored);
 * get, get(timeout), get_nowait, qsize, empty as Queue's; no task tracking. */
START_TEST(simple_queue_is_an_unbounded_fifo_without_task_tracking)
{
    lab_queue *q = make(LAB_QUEUE_SIMPLE, 0);
    void *item = NULL;
    ck_assert(lab_queue_empty(q));
    ck_assert_int_eq(lab_queue_get_nowait(q, &item), EAGAIN); /* Empty */
    double start = lab_now();
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 0.02), ETIMEDOUT); /* Empty, after the wait */
    ck_assert(lab_now() - start >= lab_real_seconds(0.02) * 0.9);
    for (int i = 0; i < 100; i++) { /* grows past its first array: never full */
        int how = i % 3;
        int rc = how == 0   ? lab_queue_put(q, &values[i])
                 : how == 1 ? lab_queue_put_nowait(q, &values[i])
                            : lab_queue_put_timeout(q, &values[i], 0);
        ck_assert_int_eq(rc, 0);
    }
    ck_assert(!lab_queue_full(q));
    ck_assert(!lab_queue_empty(q));
    ck_assert_uint_eq(lab_queue_qsize(q), 100);
    ck_assert_int_le(lab_queue_maxsize(q), 0);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(get_value(q), i); /* first in, first out */
    ck_assert_int_eq(lab_queue_put(q, &values[7]), 0);
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 0), 0);
    ck_assert_ptr_eq(item, &values[7]);
    /* No task tracking (Python's SimpleQueue has no task_done/join/unfinished_tasks). */
    ck_assert_uint_eq(lab_queue_unfinished_tasks(q), 0);
    ck_assert_int_eq(lab_queue_task_done(q), EINVAL);
    ck_assert_int_eq(lab_queue_join_timeout(q, 0), 0);
    lab_queue_join(q);                                             /* returns at once */
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, -1), EINVAL); /* the one rule for time */
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, NAN), EINVAL);
    ck_assert_str_eq(lab_queue_kind_name(LAB_QUEUE_SIMPLE), "simple");
    lab_queue_free(q);
    ck_assert_ptr_null(lab_queue_new(LAB_QUEUE_SIMPLE, 4)); /* SimpleQueue() has no maxsize */
    ck_assert_int_eq(errno, EINVAL);
    lab_queue_free(make(LAB_QUEUE_SIMPLE, -1)); /* <= 0: unbounded, as for the others */
}
END_TEST

static atomic_int put_later_status = -1; /* the putter records, the test asserts */

static void *put_later(void *arg)
{
    lab_sleep(0.02);
    atomic_store(&put_later_status, lab_queue_put(arg, &values[9]));
    return NULL;
}

/* A blocked get on a SimpleQueue wakes for a put, and for a shutdown. */
START_TEST(simple_queue_get_waits_for_a_put)
{
    lab_queue *q = make(LAB_QUEUE_SIMPLE, 0);
    lab_thread *putter = lab_thread_start(put_later, q, LAB_THREAD_NOT_DAEMON, "putter");
    void *item = NULL;
    ck_assert_int_eq(lab_queue_get_timeout(q, &item, 30), 0);
    ck_assert_ptr_eq(item, &values[9]);
    ck_assert(lab_thread_join_timeout(putter, 5, NULL) == 0);
    ck_assert_int_eq(atomic_load(&put_later_status), 0);
    lab_queue_shutdown(q, false);
    ck_assert_int_eq(lab_queue_get(q, &item), ESHUTDOWN);
    lab_queue_free(q);
}
END_TEST

/* ---- contention: P producers x C consumers, every item exactly once ---- */

enum { MAX_WORKERS = 8 };

typedef struct traffic {
    lab_queue *q;
    int producers, consumers, items; /* items in all; producer p puts ids p*per .. (p+1)*per - 1 */
    int mode;                /* 0: plain put/get; 1: mixed blocking, timed and non-blocking */
    bool simple;             /* a SimpleQueue */
    int *ids;                /* ids[i] == i: the items point here */
    atomic_int *seen;        /* how often each id was got */
    atomic_size_t max_qsize; /* largest qsize a producer saw */
    atomic_int out_of_order; /* FIFO: a consumer got a producer's items out of order */
    atomic_int bad_status;   /* a call returned what it never should here */
    atomic_int final_status[MAX_WORKERS];
} traffic;

typedef struct worker {
    traffic *t;
    int index;
} worker;

static void note_max(atomic_size_t *max, size_t value)
{
    size_t old = atomic_load(max);
    while (value > old && !atomic_compare_exchange_weak(max, &old, value))
        ;
}

static void *produce(void *arg)
{
    worker *w = arg;
    traffic *t = w->t;
    int per = t->items / t->producers;
    for (int i = w->index * per; i < (w->index + 1) * per; i++) {
        int s;
        int how = t->mode == 0 ? 0 : i % 3;
        if (how == 0)
            s = lab_queue_put_priority(t->q, &t->ids[i], i % 7);
        else if (how == 1)
            s = lab_queue_put_timeout(t->q, &t->ids[i], 30);
        else
            while ((s = lab_queue_put_nowait(t->q, &t->ids[i])) == EAGAIN)
                sched_yield();
        if (s != 0)
            atomic_fetch_add(&t->bad_status, 1);
        if (i % 64 == 0)
            note_max(&t->max_qsize, lab_queue_qsize(t->q));
    }
    return NULL;
}

static void *consume(void *arg)
{
    worker *w = arg;
    traffic *t = w->t;
    int per = t->items / t->producers;
    int last[MAX_WORKERS]; /* the last id got from each producer */
    for (int p = 0; p < MAX_WORKERS; p++)
        last[p] = -1;
    for (int n = 0;; n++) {
        void *item;
        int s = t->mode == 1 && n % 2 ? lab_queue_get_timeout(t->q, &item, 30)
                                      : lab_queue_get(t->q, &item);
        if (s != 0) {
            atomic_store(&t->final_status[w->index], (int)s);
            break;
        }
        int id = *(int *)item;
        atomic_fetch_add(&t->seen[id], 1);
        if (id <= last[id / per])
            atomic_fetch_add(&t->out_of_order, 1);
        last[id / per] = id;
        /* A SimpleQueue tracks no task: task_done is refused there (it has no such method). */
        if (lab_queue_task_done(t->q) != (t->simple ? EINVAL : 0))
            atomic_fetch_add(&t->bad_status, 1);
    }
    return NULL;
}

/* Count the ids never seen and the extra sightings. */
static void tally(atomic_int *seen, int items, int *lost, int *duplicated)
{
    *lost = *duplicated = 0;
    for (int i = 0; i < items; i++) {
        int times = atomic_load(&seen[i]);
        if (times == 0)
            (*lost)++;
        else
            *duplicated += times - 1;
    }
}

/* Push the traffic through; consumers stop on shutdown, with no sentinel. Workers
 * record; the checks are here, in the test's thread. */
static void run_traffic(lab_queue_kind kind, long maxsize, int producers, int consumers, int items,
                        int mode)
{
    traffic t = {.q = make(kind, maxsize),
                 .producers = producers,
                 .consumers = consumers,
                 .items = items,
                 .mode = mode,
                 .simple = kind == LAB_QUEUE_SIMPLE};
    t.ids = lab_calloc((size_t)items, sizeof *t.ids);
    t.seen = lab_calloc((size_t)items, sizeof *t.seen);
    for (int i = 0; i < items; i++)
        t.ids[i] = i;
    worker workers[2 * MAX_WORKERS];
    lab_thread *threads[2 * MAX_WORKERS];
    for (int c = 0; c < consumers; c++) {
        workers[c] = (worker){&t, c};
        threads[c] = lab_thread_start(consume, &workers[c], LAB_THREAD_NOT_DAEMON, "cons-%d", c);
    }
    for (int p = 0; p < producers; p++) {
        workers[consumers + p] = (worker){&t, p};
        threads[consumers + p] =
            lab_thread_start(produce, &workers[consumers + p], LAB_THREAD_NOT_DAEMON, "prod-%d", p);
    }
    for (int p = 0; p < producers; p++)
        lab_thread_join(threads[consumers + p]);
    bool all_done = lab_queue_join_timeout(t.q, 30) == 0; /* every item got and marked done */
    lab_queue_shutdown(t.q, false);
    for (int c = 0; c < consumers; c++)
        ck_assert_msg(lab_thread_join_timeout(threads[c], 30, NULL) == 0,
                      "consumer %d did not stop", c);
    ck_assert(all_done);
    int lost, duplicated;
    tally(t.seen, items, &lost, &duplicated);
    ck_assert_msg(lost == 0 && duplicated == 0, "%s: lost %d, duplicated %d",
                  lab_queue_kind_name(kind), lost, duplicated);
    ck_assert_int_eq(atomic_load(&t.bad_status), 0);
    for (int c = 0; c < consumers; c++)
        ck_assert_int_eq(atomic_load(&t.final_status[c]), ESHUTDOWN);
    if (maxsize > 0)
        ck_assert_uint_le(atomic_load(&t.max_qsize), (size_t)maxsize);
    if (kind == LAB_QUEUE_FIFO || kind == LAB_QUEUE_SIMPLE) /* one producer's items in its order */
        ck_assert_int_eq(atomic_load(&t.out_of_order), 0);
    ck_assert(lab_queue_empty(t.q));
    lab_queue_free(t.q);
    free(t.ids);
    free(t.seen);
}

START_TEST(four_by_four_by_100000_through_a_queue_of_8)
{
    run_traffic(LAB_QUEUE_FIFO, 8, 4, 4, 100000, 0);
}
END_TEST

START_TEST(lifo_and_priority_under_contention)
{
    run_traffic(LAB_QUEUE_LIFO, 8, 4, 4, 20000, 0);
    run_traffic(LAB_QUEUE_PRIORITY, 8, 4, 4, 20000, 0);
    run_traffic(LAB_QUEUE_PRIORITY, 0, 3, 2, 20001, 0); /* unbounded, growing while in use */
}
END_TEST

START_TEST(simple_queue_under_contention)
{
    run_traffic(LAB_QUEUE_SIMPLE, 0, 4, 4, 40000, 0);
    run_traffic(LAB_QUEUE_SIMPLE, 0, 3, 3, 30000, 1);
}
END_TEST

START_TEST(mixed_blocking_timed_and_nonblocking_calls)
{
    run_traffic(LAB_QUEUE_FIFO, 4, 3, 3, 30000, 1);
    run_traffic(LAB_QUEUE_LIFO, 0, 2, 5, 20000, 1);
}
END_TEST

/* The checks above must be able to fail: tally sees a lost and a duplicated item. */
START_TEST(tally_catches_lost_and_duplicated_items)
{
    atomic_int seen[5] = {1, 0, 2, 1, 3};
    int lost, duplicated;
    tally(seen, 5, &lost, &duplicated);
    ck_assert_int_eq(lost, 1);
    ck_assert_int_eq(duplicated, 3);
}
END_TEST

static Suite *queue_suite(void)
{
    Suite *suite = suite_create("queue");
    TCase *order = tcase_create("order");
    tcase_add_checked_fixture(order, setup_values, NULL);
    tcase_set_timeout(order, 10);
    tcase_add_test(order, fifo_hands_out_the_oldest_first);
    tcase_add_test(order, lifo_hands_out_the_newest_first);
    tcase_add_test(order, priority_hands_out_the_lowest_first_and_ties_in_put_order);
    tcase_add_test(order, priority_heap_stays_ordered_through_many_puts_and_gets);
    tcase_add_test(order, fifo_ring_wraps_and_grows_without_reordering);
    tcase_add_test(order, items_are_plain_pointers_even_null);
    suite_add_tcase(suite, order);

    TCase *calls = tcase_create("non-blocking and misuse");
    tcase_add_checked_fixture(calls, setup_values, NULL);
    tcase_set_timeout(calls, 10);
    tcase_add_test(calls, put_nowait_on_full_is_full_and_get_nowait_on_empty_is_empty);
    tcase_add_test(calls, maxsize_zero_or_negative_is_unbounded);
    tcase_add_test(calls, create_refuses_what_it_cannot_make);
    tcase_add_test(calls, too_many_task_done_is_an_error);
    tcase_add_test(calls, bad_timeouts_are_errors);
    tcase_add_test(calls, unfinished_tasks_counts_puts_not_yet_done);
    tcase_add_test(calls, simple_queue_is_an_unbounded_fifo_without_task_tracking);
    tcase_add_test(calls, simple_queue_get_waits_for_a_put);
    suite_add_tcase(suite, calls);

    TCase *waiting = tcase_create("waiting");
    tcase_add_checked_fixture(waiting, setup_values, NULL);
    tcase_set_timeout(waiting, 20);
    tcase_add_test(waiting, blocking_get_waits_for_a_put);
    tcase_add_test(waiting, blocking_put_waits_for_room);
    tcase_add_test(waiting, timeouts_return_in_time_and_say_timeout);
    tcase_add_test(waiting, timed_get_returns_as_soon_as_an_item_comes);
    tcase_add_test(waiting, join_returns_only_after_every_task_done);
    tcase_add_loop_test(waiting, every_sleeper_is_woken_after_others_timed_out, 0, 3);
    suite_add_tcase(suite, waiting);

    TCase *shutdown = tcase_create("shutdown");
    tcase_add_checked_fixture(shutdown, setup_values, NULL);
    tcase_set_timeout(shutdown, 20);
    tcase_add_test(shutdown, shutdown_wakes_blocked_getters_and_putters);
    tcase_add_test(shutdown, after_shutdown_put_fails_and_get_drains_what_is_left);
    tcase_add_test(shutdown, immediate_shutdown_drops_the_items_and_releases_join);
    suite_add_tcase(suite, shutdown);

    TCase *big = tcase_create("100000 items"); /* its own case: CK_RUN_CASE times it alone */
    tcase_set_timeout(big, 90);
    tcase_add_test(big, four_by_four_by_100000_through_a_queue_of_8);
    suite_add_tcase(suite, big);

    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 90);
    tcase_add_test(contention, lifo_and_priority_under_contention);
    tcase_add_test(contention, mixed_blocking_timed_and_nonblocking_calls);
    tcase_add_test(contention, simple_queue_under_contention);
    tcase_add_test(contention, tally_catches_lost_and_duplicated_items);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(queue_suite)
