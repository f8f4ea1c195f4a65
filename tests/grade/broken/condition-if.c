/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/condition.c with one
 * change: a customer waits with `if`, not `while`: woken with the shelf empty, it takes anyway.
 * Try: make grade DEMO=condition SRC=tests/grade/broken/condition-if.c
 * grade: demo condition
 * expect: FAIL condition-all: ; violations == 0
 */
/* condition — the shop: customers wait on a Condition until an item is in stock; the keeper
 * lets them through in groups with notify(n).
 *
 * Python (The threading catalogue; Threads and processes): a Condition is a lock plus a wait pool. cond.wait_for(predicate)
 * waits until the predicate is true, looking again after every wake-up; cond.notify(n)
 * wakes n waiters at once, notify_all() every one; wait and notify run inside `with cond:`.
 * Here --customers threads each want one item; every tick the keeper puts --batch items on
 * the shelf and wakes waiters: notify(batch) by default (the gate opens for a group of
 * --batch), or --notify=all / --notify=one. lab_condition (common/condition.h) is the
 * Condition; a customer waits with wait_for(item_on_shelf).
 * Observe: customers leave in groups of --batch, one group per delivery. With
 * --notify=all everybody wakes and all but --batch go back to sleep ("woken, but the shelf
 * is empty"): correct, but wasted wake-ups. With --notify=one items pile up on the shelf
 * while customers sleep: one wake-up per delivery is too few.
 * --if: the classic bug: `if (stock == 0) wait();` instead of a loop. A woken customer
 * does not look again and takes an item that another customer already took: the demo
 * catches that (the shelf is empty), counts it as a violation and sends the customer
 * away empty-handed. With notify(batch) and everybody queued before the delivery, every
 * woken customer happens to find an item, and --if passes: the bug is still there. Add
 * --notify=all (more woken than items) and it shows every time. Everything stays under the
 * lock, so there is no data race for TSan to see: the failure is violations > 0.
 */
#include "lab.h"
#include "condition.h"

static int customers = 6;
static int batch = 2;
static int notify_mode = 0;
static const char *const notify_names[] = {"n", "all", "one", NULL};
enum { NOTIFY_N, NOTIFY_ALL, NOTIFY_ONE };
static bool if_bug = false;
static const double tick = 1.0; /* class seconds between deliveries */

static lab_condition shop; /* its lock protects everything below */
static int stock, taken, deliveries;
static int released, violations, waiters, wakeups;
static char last_buyer[LAB_THREAD_NAME_MAX] = "nobody";

/* The predicate for wait_for: runs with the lock held, before waiting and after every
 * wake-up; *looks counts the calls, so the second and later ones are wake-ups. */
static bool item_on_shelf(void *arg)
{
    int *looks = arg;
    if ((*looks)++ > 0) {
        wakeups++;
        if (stock == 0)
            say("woken, but the shelf is empty: back to waiting");
    }
    return stock > 0;
}

/* Take one item, or catch the bug: past the wait with nothing on the shelf. Caller holds
 * the lock. */
static void take_an_item(void)
{
    if (stock == 0) { /* the --if bug: woken for an item that is gone */
        violations++;
        say("BUG: past the wait, but the shelf is empty: item #%d already went to %s; leaves with "
            "nothing",
            taken, last_buyer);
        return;
    }
    stock--;
    taken++;
    released++;
    snprintf(last_buyer, sizeof last_buyer, "%s", lab_thread_current_name());
    say("takes item #%d (%d left on the shelf)", taken, stock);
}

static void *buy_one_item(void *arg)
{
    (void)arg;
    lab_condition_acquire(&shop);
    if (stock == 0) {
        waiters++;
        say("wants an item; the shelf is empty: waits");
    }
    if (true) {           /* BROKEN: always the `if` */
        if (stock == 0) { /* BUG: `if`, not `while`: one wait, and no second look */
            lab_condition_wait(&shop);
            wakeups++;
        }
    } else {
        int looks = 0;
        lab_condition_wait_for(&shop, item_on_shelf, &looks); /* a `while` loop inside */
    }
    take_an_item();
    lab_condition_release(&shop);
    return NULL;
}

/* Every tick: put --batch items on the shelf, wake waiters; until every customer has left. */
static void *keeper(void *arg)
{
    (void)arg;
    for (;;) {
        lab_sleep(tick);
        lab_condition_acquire(&shop);
        if (released + violations == customers)
            break; /* everybody has left: the shop closes */
        stock += batch;
        deliveries++;
        int waiting = lab_condition_waiting(&shop);
        int woken;
        if (notify_mode == NOTIFY_ALL)
            woken = lab_condition_notify_all(&shop);
        else
            woken = lab_condition_notify(&shop, notify_mode == NOTIFY_ONE ? 1 : batch);
        say("delivers %d (%d on the shelf); %s wakes %d of %d waiting", batch, stock,
            notify_mode == NOTIFY_ALL   ? "notify_all()"
            : notify_mode == NOTIFY_ONE ? "notify(1)"
                                        : "notify(batch)",
            woken, waiting);
        lab_condition_release(&shop); /* the woken customers queue for it */
    }
    lab_condition_release(&shop);
    return NULL;
}

static const lab_option options[] = {
    LAB_INT("customers", &customers, 1, 100, "W", "customers, each wanting one item"),
    LAB_INT("batch", &batch, 1, 100, "N", "items per delivery (and waiters woken by notify(n))"),
    LAB_CHOICE("notify", &notify_mode, notify_names,
               "whom a delivery wakes: n (= --batch), all, or one"),
    LAB_FLAG("if", &if_bug, "the classic bug: `if` instead of `while` around the wait"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "condition",
    .summary =
        "the shop: customers wait_for stock on a Condition; notify(n) lets them through in groups",
    .python = "with cond: cond.wait_for(lambda: stock > 0) ... with cond: stock += n; "
              "cond.notify(n) (The threading catalogue; Threads and processes)",
    .details =
        "--customers threads each want one item. Every second the keeper delivers --batch items "
        "and\n"
        "wakes waiters with notify(batch) (--notify=all: every waiter; --notify=one: just one).\n"
        "Customers wait with wait_for, which looks again after every wake-up. --if replaces that\n"
        "with `if (stock == 0) wait();`: add --notify=all to see customers take items already "
        "gone.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    LAB_SETUP(lab_condition_init(&shop));
    lab_point_name(&shop, "shop");
    say("%d customers; %d items a delivery, waking with %s%s", customers, batch,
        notify_mode == NOTIFY_ALL   ? "notify_all()"
        : notify_mode == NOTIFY_ONE ? "notify(1)"
                                    : "notify(batch)",
        if_bug ? "; customers use `if`, not `while` (--if)" : "");
    lab_thread **started = lab_calloc((size_t)customers + 1, sizeof *started);
    for (int i = 0; i < customers; i++)
        started[i] = lab_thread_start(buy_one_item, NULL, LAB_THREAD_NOT_DAEMON, "cust-%d", i);
    started[customers] = lab_thread_start(keeper, NULL, LAB_THREAD_NOT_DAEMON, "keeper");
    for (int i = 0; i <= customers; i++)
        lab_thread_join(started[i]);
    free(started);

    /* Everyone joined: the shop's state is ours alone. */
    say("%d of %d customers left with an item; violations: %d; deliveries: %d, wake-ups: %d, left "
        "over: %d",
        released, customers, violations, deliveries, wakeups, stock);
    if (if_bug && violations == 0)
        say("no violation this time: every woken customer happened to find an item. The `if` is "
            "still "
            "wrong: try --if --notify=all");
    lab_result("customers=%d batch=%d notify=%s released=%d waiters=%d violations=%d deliveries=%d "
               "wakeups=%d "
               "leftover=%d",
               customers, batch, notify_names[notify_mode], released, waiters, violations,
               deliveries, wakeups, stock);
    lab_condition_destroy(&shop);
    return 0;
}
