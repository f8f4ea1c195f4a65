/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/queue.c with one
 * change: the reader's loop stops one object short: the writer's last object stays on the queue, never got.
 * Try: make grade DEMO=queue SRC=tests/grade/broken/queue-reader-one-short.c
 * grade: demo queue
 * expect: FAIL queue-fifo: ; lost == 0
 * case: queue-fifo
 */
/* queue — producers and consumers passing items through a Queue: nothing lost, nothing twice.
 *
 * Python (The threading catalogue): Queue, LifoQueue, PriorityQueue; a writer/reader looping 2-5
 * times (put, pause 1-3 s; get, pause 2-5 s, here 2-3 s: no silent class). Python (Threads and
 * processes): the steamed-buns shop, 3 lines making a bun a second each, 2 customers eating one
 * every 2 s. Ours makes --buns buns (numbered as they go on the shelf), join()s until each was
 * task_done, then shutdown() sends the customers home. --part: all in turn (default), order
 * (put_nowait 1..5, get them all), writer, buns, timeout (put and get that give up after 1 s: Full,
 * Empty; queue_timeout.h). Observe: the shelf fills while the lines outrun the customers;
 * --maxsize: the lines wait for room; --kind lifo: the freshest bun first. Every get is counted.
 * Broken: --no-join closes the shop without join(): the buns left are thrown away, lost > 0.
 */
#include "lab.h"
#include "queue.h"
#include "queue_items.h" /* items that count their gets: lost= and duplicated= */

static int part = 0, kind = LAB_QUEUE_FIFO, maxsize = 0, buns = 9;
static bool no_join = false; /* the broken program */
static const char *const part_names[] = {"all", "order", "writer", "buns", "timeout", NULL};
enum { ALL, ORDER, WRITER, BUNS, TIMEOUT };
static const char *const kind_names[] = {"fifo", "lifo", "priority", NULL}; /* as lab_queue_kind */
enum { LINES = 3, CUSTOMERS = 2 };
static char order_seen[64] = "-"; /* the order part's result, e.g. "2,4,1,3,5" */

/* ---- part 1: the order of the three kinds ---- */
static void part_order(void)
{
    static const long priorities[] = {3, 1, 4, 1, 5};
    lab_print("== order: put_nowait 1..5 into a %s queue (maxsize %d), then get_nowait them all ==",
              kind_names[kind], maxsize);
    lab_queue *q = new_queue(kind, maxsize, "numbers");
    for (int n = 1; n <= 5; n++) {
        item *it = new_item(n, priorities[n - 1], kind == LAB_QUEUE_PRIORITY);
        int rc = put_counted(q, it, false);
        say("put %s: %s, size now %zu", it->name, lab_queue_put_error_name(rc), note_size(q));
    }
    get_all_nowait(q, order_seen, sizeof order_seen); /* until EAGAIN: queue.Empty */
    say("got them in this order: %s (then get_nowait said Empty)", order_seen);
    lab_queue_free(q);
}

/* ---- part 2: the tutorial's writer and reader ---- */
static lab_queue *shared; /* the queue of the part running now; the queue has its own lock */
static int loops;
/* "put" is said before anyone can say "got" (story_lock; the writer may wait for room
 * holding it, but the reader's get makes that room before the reader asks for the lock). */
static pthread_mutex_t story_lock = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *arg)
{
    lab_rng rng = lab_rng_stream(1);
    for (int n = 1; n <= loops; n++) {
        item *it = new_item(n, lab_rng_between(&rng, 1, 5), kind == LAB_QUEUE_PRIORITY);
        lab_pthread_mutex_lock(&story_lock);
        put_counted(shared, it, true);
        say("produced object %s for the queue, size now %zu", it->name, note_size(shared));
        lab_pthread_mutex_unlock(&story_lock);
        lab_sleep((double)lab_rng_between(&rng, 1, 3));
    }
    return arg;
}

static void *reader(void *arg)
{
    lab_rng rng = lab_rng_stream(2);
    for (int n = 1; n < loops; n++) { /* BROKEN: one short: the last object is never got */
        void *got;
        if (lab_queue_get(shared, &got) != 0) /* waits while the queue is empty */
            lab_fail("reader: the queue was shut down");
        lab_pthread_mutex_lock(&story_lock);
        say("consumed object %s, size now %zu", count_got(got)->name, note_size(shared));
        lab_pthread_mutex_unlock(&story_lock);
        lab_sleep((double)lab_rng_between(&rng, 2, 3)); /* the tutorial: 2-5 s */
    }
    return arg;
}

static void part_writer(void)
{
    lab_rng rng = lab_rng_stream(0);
    loops = (int)lab_rng_between(&rng, 2, 5); /* the tutorial's randint(2, 5) */
    lab_print("== writer/reader: %d objects through a %s queue (maxsize %d) ==", loops,
              kind_names[kind], maxsize);
    shared = new_queue(kind, maxsize, "objects");
    lab_thread *threads[2] = {lab_thread_start(writer, NULL, LAB_THREAD_NOT_DAEMON, "writer"),
                              lab_thread_start(reader, NULL, LAB_THREAD_NOT_DAEMON, "reader")};
    lab_thread_join(threads[0]);
    lab_thread_join(threads[1]);
    say("All done");
    lab_queue_free(shared);
}

/* ---- part 3: the steamed-buns shop ---- */
/* A bun is numbered and said to be made as it goes onto the shelf (story_lock), and a customer
 * takes one and says which in one step (counter_lock): the story keeps the queue's order. */
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static int buns_made; /* protected by story_lock */

static void *make_buns(void *arg)
{
    int line = (int)(intptr_t)arg;
    for (bool more = true; more;) {
        lab_sleep(1);                        /* a bun takes a second to make */
        lab_pthread_mutex_lock(&story_lock); /* while the shelf is full, the others wait here */
        if ((more = buns_made < buns)) {
            item *bun = new_item(++buns_made, line, kind == LAB_QUEUE_PRIORITY);
            say("made bun %s; the shelf holds %zu", bun->name, note_size(shared));
            put_counted(shared, bun, true);
        }
        lab_pthread_mutex_unlock(&story_lock);
    }
    return NULL;
}

static void *eat_buns(void *arg)
{
    for (void *got;;) {
        lab_pthread_mutex_lock(&counter_lock); /* one customer takes a bun and says which */
        int rc = lab_queue_get(shared, &got);  /* waits; ESHUTDOWN: closed AND the shelf empty */
        if (rc == 0)
            say("eating bun %s, %zu on the shelf", count_got(got)->name, note_size(shared));
        lab_pthread_mutex_unlock(&counter_lock);
        if (rc != 0)
            break;
        lab_sleep(2);
        lab_queue_task_done(shared); /* this bun is finished: join() counts it */
    }
    say("the shop is closed and the shelf is empty: going home");
    return arg;
}

static void part_buns(void)
{
    lab_print("== buns: %d lines make %d buns, %d customers eat them (%s, maxsize %d) ==", LINES,
              buns, CUSTOMERS, kind_names[kind], maxsize);
    shared = new_queue(kind, maxsize, "buns");
    lab_thread *lines[LINES], *customers[CUSTOMERS];
    for (int i = 1; i <= LINES; i++)
        lines[i - 1] =
            lab_thread_start(make_buns, (void *)(intptr_t)i, LAB_THREAD_NOT_DAEMON, "line-%d", i);
    for (int i = 0; i < CUSTOMERS; i++)
        customers[i] = lab_thread_start(eat_buns, NULL, LAB_THREAD_NOT_DAEMON, "eater-%d", i + 1);
    for (int i = 0; i < LINES; i++)
        lab_thread_join(lines[i]);
    if (no_join) { /* BROKEN: the lines are done, but the customers are not */
        say("all buns made; closing now, without join(): %zu buns on the shelf thrown away",
            lab_queue_shutdown(shared, true));
    } else {
        say("all %d buns made; waiting until every one is eaten (join)", buns);
        lab_queue_join(shared); /* returns after the last task_done */
        say("every bun eaten: closing the shop (shutdown)");
        lab_queue_shutdown(shared, false);
    }
    for (int i = 0; i < CUSTOMERS; i++)
        lab_thread_join(customers[i]);
    lab_queue_free(shared);
}

#include "queue_timeout.h" /* the fourth part: put/get with a timeout (Full, Empty) */
static const lab_option options[] = {
    LAB_CHOICE("part", &part, part_names,
               "which lesson: all (in turn), order, writer, buns, timeout"),
    LAB_CHOICE("kind", &kind, kind_names, "fifo: Queue, lifo: LifoQueue, priority: PriorityQueue"),
    LAB_INT("maxsize", &maxsize, 0, 10000, "N", "items a queue holds; 0: no limit (as Python)"),
    LAB_INT("buns", &buns, 1, 1000, "N", "buns the shop makes before it closes"),
    LAB_FLAG("no-join", &no_join, "broken (buns): close without join(); the buns left are lost"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "queue",
    .summary = "producers and consumers through a Queue (FIFO, LIFO, priority): none lost or twice",
    .python = "q = queue.Queue(maxsize); q.put(x); q.get(); q.task_done(); q.join(); q.shutdown() "
              "(The threading catalogue; Threads and processes)",
    .details = "order: put_nowait 1..5 (priorities 3 1 4 1 5), get them back: fifo 1..5,\n"
               "lifo 5..1, priority 2,4,1,3,5 (ties in put order); --maxsize 3: 4, 5 are Full.\n"
               "writer: the writer/reader pair, 2-5 objects (from --seed). buns: 3 lines, 2\n"
               "customers; main join()s, then shuts the queue down. --no-join loses buns.",
    .options = options,
    .invariant = "lost == 0 && duplicated == 0 && consumed == produced", /* --explore checks */
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    void (*const parts[])(void) = {NULL, part_order, part_writer, part_buns, part_timeout};
    for (int p = ORDER; p <= TIMEOUT; p++)
        if (part == ALL || part == p)
            parts[p]();

    int lost, duplicated;
    say_tally(&lost, &duplicated); /* every thread is joined: the counts are final */
    lab_result("part=%s kind=%s maxsize=%d produced=%d consumed=%d lost=%d duplicated=%d "
               "max_size_seen=%zu order=%s timeouts=%s",
               part_names[part], kind_names[kind], maxsize, atomic_load(&produced),
               atomic_load(&consumed), lost, duplicated, atomic_load(&max_size_seen), order_seen,
               timeouts_seen);
    return 0;
}
