/* queue_items.h — the queue demo's bookkeeping, kept beside it so the demo reads as the
 * story: numbered items that count how often a consumer got them, so lost= and
 * duplicated= are measured, not assumed, and the largest size anyone saw; queues named for
 * --timeline; the put every producer uses, and the order part's get-them-all. */
#ifndef THREADLAB_QUEUE_ITEMS_H
#define THREADLAB_QUEUE_ITEMS_H

#include "lab.h"

#include <stdatomic.h>

enum { MAX_ITEMS = 5 + 5 + 1000 }; /* order part + writer part + at most 1000 buns */

/* One item on a queue. The queue only moves the pointer. */
typedef struct item {
    int number;     /* 1, 2, 3... within its part */
    char name[32];  /* "7", or "7 (priority 2)" on a priority queue */
    long priority;  /* used by a priority queue: lower first */
    bool was_put;   /* written by its producer, read by main after the joins */
    atomic_int got; /* how many times a consumer got it: must end at exactly 1 */
} item;

static item items[MAX_ITEMS];
static atomic_int made, produced, consumed;
static atomic_size_t max_size_seen;

/* A new queue named for timelines; the demo's one set-up failure policy if it cannot be made. */
static lab_queue *new_queue(int kind, int maxsize, const char *name)
{
    lab_queue *q;
    LAB_SETUP_NEW(q = lab_queue_new((lab_queue_kind)kind, maxsize));
    lab_point_name(q, name);
    return q;
}

/* Append ",n" (or "n" to an empty list). */
static void append_number(char *list, size_t size, int n)
{
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%d", used > 0 ? "," : "", n);
}

/* A fresh item; show_priority puts the priority in its name. */
static item *new_item(int number, long priority, bool show_priority)
{
    item *it = &items[atomic_fetch_add(&made, 1)];
    it->number = number, it->priority = priority;
    snprintf(it->name, sizeof it->name, show_priority ? "%d (priority %ld)" : "%d", number,
             priority);
    return it;
}

/* The size right now, remembering the largest anyone saw after a put or a get. */
static size_t note_size(lab_queue *q)
{
    size_t now = lab_queue_qsize(q), old = atomic_load(&max_size_seen);
    while (now > old && !atomic_compare_exchange_weak(&max_size_seen, &old, now))
        ;
    return now;
}

/* Count an item that went in (every successful put goes through here). */
static void count_put(item *it)
{
    it->was_put = true;
    atomic_fetch_add(&produced, 1);
}

/* Count an item a consumer got (every get goes through here). */
static item *count_got(void *got)
{
    item *it = got;
    atomic_fetch_add(&it->got, 1);
    atomic_fetch_add(&consumed, 1);
    return it;
}

/* get_nowait until the queue says Empty (EAGAIN), counting each get; the numbers in the
 * order they came, as "2,4,1,3,5", into list. */
static inline void get_all_nowait(lab_queue *q, char *list, size_t size)
{
    list[0] = '\0';
    for (void *got; lab_queue_get_nowait(q, &got) == 0;)
        append_number(list, size, count_got(got)->number);
}

/* put_nowait; when the queue is full and wait is set, say so and put, waiting for room. */
static int put_counted(lab_queue *q, item *it, bool wait)
{
    int rc = lab_queue_put_priority_nowait(q, it, it->priority); /* FIFO and LIFO ignore it */
    if (rc == EAGAIN && wait) {
        say("the queue is full (%ld): waiting for room for %s", lab_queue_maxsize(q), it->name);
        rc = lab_queue_put_priority(q, it, it->priority);
    }
    if (rc == 0)
        count_put(it);
    else if (wait) /* nobody shuts the queue down while we produce */
        lab_fail("put: %s", lab_queue_put_error_name(rc));
    return rc;
}

/* After every thread was joined: count the items put but never got, and the extra gets,
 * and say so. */
static void say_tally(int *lost, int *duplicated)
{
    *lost = *duplicated = 0;
    for (int i = 0; i < atomic_load(&made); i++) {
        int got = atomic_load(&items[i].got);
        *lost += items[i].was_put && got == 0;
        *duplicated += got > 1 ? got - 1 : 0;
    }
    say("%d put, %d got: %d lost, %d got twice; the queue never held more than %zu",
        atomic_load(&produced), atomic_load(&consumed), *lost, *duplicated,
        atomic_load(&max_size_seen));
}

#endif
