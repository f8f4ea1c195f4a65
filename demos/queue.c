/* queue — producers and consumers passing items through a Queue: nothing lost, nothing twice.
 *
 * Python (seed 003): Queue, LifoQueue, PriorityQueue and a writer/reader looping the same
 * random 2-5 times (put, pause 1-3 s; get, pause 2-5 s). Python (seed 004): the steamed-buns
 * shop: 3 lines each make a bun a second, 2 customers each eat one every 2 s. That shop never
 * closes; ours makes --buns buns, main join()s until each was marked task_done, then
 * shutdown() sends the customers home (no "poison pill" each). Parts (--part, default all in
 * turn): order (put_nowait 1..5, get them all: --kind decides the order), writer, buns.
 * Observe: the shelf fills while the lines outrun the customers; with --maxsize the lines
 * wait for room; with --kind lifo the freshest bun goes first. Every get is counted.
 * Broken: --no-join closes the shop the moment the lines stop, without join(): the buns
 * still on the shelf are thrown away (shutdown(immediate=True)), and lost > 0.
 */
#include "lab.h"
#include "queue.h"
#include "queue_items.h" /* items that count their gets: lost= and duplicated= */

static int part = 0, kind = LAB_QUEUE_FIFO, maxsize = 0, buns = 9;
static bool no_join = false;
static const char *const part_names[] = {"all", "order", "writer", "buns", NULL};
enum { ALL, ORDER, WRITER, BUNS };
static const char *const kind_names[] = {"fifo", "lifo", "priority", NULL}; /* as lab_queue_kind */
enum { LINES = 3, CUSTOMERS = 2 };
static char order_seen[64] = "-"; /* the order part's result, e.g. "2,4,1,3,5" */

/* put_nowait; when the queue is full and wait is set, say so and put, waiting for room. */
static int put_counted(lab_queue *q, item *it, bool wait)
{
    int rc = lab_queue_put_priority_nowait(q, it, it->priority); /* FIFO and LIFO ignore it */
    if (rc == EAGAIN && wait) {
        say("the queue is full (%d): waiting for room for %s", maxsize, it->name);
        rc = lab_queue_put_priority(q, it, it->priority);
    }
    if (rc == 0)
        count_put(it);
    else if (wait) /* nobody shuts the queue down while we produce */
        lab_fail("put: %s", lab_queue_put_error_name(rc));
    return rc;
}

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
    void *got;
    order_seen[0] = '\0';
    while (lab_queue_get_nowait(q, &got) == 0) /* until EAGAIN: queue.Empty */
        append_number(order_seen, sizeof order_seen, count_got(got)->number);
    say("got them in this order: %s (then get_nowait said Empty)", order_seen);
    lab_queue_free(q);
}

/* ---- part 2: the tutorial's writer and reader ---- */
static lab_queue *shared; /* the queue of the part running now; the queue has its own lock */
static int loops;

static void *writer(void *arg)
{
    lab_rng rng = lab_rng_stream(1);
    for (int n = 1; n <= loops; n++) {
        item *it = new_item(n, lab_rng_between(&rng, 1, 5), kind == LAB_QUEUE_PRIORITY);
        put_counted(shared, it, true);
        say("produced object %s for the queue, size now %zu", it->name, note_size(shared));
        lab_sleep((double)lab_rng_between(&rng, 1, 3));
    }
    return arg;
}

static void *reader(void *arg)
{
    lab_rng rng = lab_rng_stream(2);
    for (int n = 1; n <= loops; n++) {
        void *got;
        if (lab_queue_get(shared, &got) != 0) /* waits while the queue is empty */
            lab_fail("reader: the queue was shut down");
        say("consumed object %s from the queue, size now %zu", count_got(got)->name,
            note_size(shared));
        lab_sleep((double)lab_rng_between(&rng, 2, 5));
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
static void *make_buns(void *arg)
{
    int line = (int)(intptr_t)arg;
    for (int n = line; n <= buns; n += LINES) { /* line 1 makes buns 1, 4, 7, ... */
        lab_sleep(1);
        item *bun = new_item(n, line, kind == LAB_QUEUE_PRIORITY);
        put_counted(shared, bun, true);
        say("made bun %s, %zu on the shelf", bun->name, note_size(shared));
    }
    return NULL;
}

static void *eat_buns(void *arg)
{
    void *got;
    while (lab_queue_get(shared, &got) == 0) { /* ESHUTDOWN once closed AND the shelf is empty */
        say("eating bun %s, %zu on the shelf", count_got(got)->name, note_size(shared));
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

static const lab_option options[] = {
    LAB_CHOICE("part", &part, part_names, "which lesson: all (in turn), order, writer or buns"),
    LAB_CHOICE("kind", &kind, kind_names,
               "fifo (Queue), lifo (LifoQueue), priority (PriorityQueue)"),
    LAB_INT("maxsize", &maxsize, 0, 10000, "N",
            "items a queue holds; 0: no limit (Python's default)"),
    LAB_INT("buns", &buns, 1, 1000, "N", "buns the shop makes before it closes"),
    LAB_FLAG("no-join", &no_join,
             "broken (buns): close without join(): the buns left are thrown away"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "queue",
    .summary =
        "producers and consumers through a Queue (FIFO/LIFO/priority): nothing lost or twice",
    .python = "q = queue.Queue(maxsize); q.put(x); q.get(); q.task_done(); q.join(); q.shutdown()",
    .details = "order: put_nowait 1..5 (priorities 3 1 4 1 5) and get them back: fifo 1..5,\n"
               "lifo 5..1, priority 2,4,1,3,5 (equal priorities in put order); with --maxsize 3,\n"
               "puts 4 and 5 say Full. writer: the writer/reader pair, 2-5 objects (from --seed).\n"
               "buns: 3 lines, 2 customers, --buns buns; main join()s the queue, then shuts it\n"
               "down so the customers leave. --no-join loses buns.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    if (part == ALL || part == ORDER)
        part_order();
    if (part == ALL || part == WRITER)
        part_writer();
    if (part == ALL || part == BUNS)
        part_buns();

    int lost, duplicated;
    say_tally(&lost, &duplicated); /* every thread is joined: the counts are final */
    lab_result("part=%s kind=%s maxsize=%d produced=%d consumed=%d lost=%d duplicated=%d "
               "max_size_seen=%zu order=%s",
               part_names[part], kind_names[kind], maxsize, atomic_load(&produced),
               atomic_load(&consumed), lost, duplicated, atomic_load(&max_size_seen), order_seen);
    return 0;
}
