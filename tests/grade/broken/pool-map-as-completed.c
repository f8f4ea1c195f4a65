/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/pool.c with one
 * change: the map lesson collects its results with as_completed: they come back as the tasks finish, not in submission order.
 * Try: make grade DEMO=pool SRC=tests/grade/broken/pool-map-as-completed.c
 * grade: demo pool
 * expect: FAIL pool: ; map_order == "5,4,3,2,1"
 * case: pool
 */
/* pool — a thread pool and its futures, six lessons (one with --part), ThreadPoolExecutor in
 * Threads and pools, Futures and flags, The threading catalogue, Threads and processes:
 *   as_completed: submit do_something(5), (4) ... (1); they come back 1..5 as they finish;
 *   map: map(do_something, [5..1]) yields 5..1, submission order: the first holds the rest;
 *   loiter: map(loiter, range(5)) on 3 workers: when each starts, ends, reaches the caller;
 *   wait: 3, 2, 4 s tasks on 2 workers: FIRST_COMPLETED returns at 2 s, ALL_COMPLETED at 6 s;
 *   callback: done() before/after; added before the end it runs in the worker, after in main;
 *   failures (pool_failures.h): exception(), cancel(), result(timeout), cancel_futures.
 * common/pool.h, future.h, futures.h. --workers: 5 (all five at once; try 2). --wait-each, the
 * classic mistake: result() right after each submit: one at a time, 15 s. */
#include "lab.h"
#include "pool.h"
#include "pool_support.h" /* new_pool, submit, map (set-up checked), keys, summary, logs */

static int part = 0, workers = 5;
static bool wait_each = false; /* the mistake */
static const char *const part_names[] = {"all",  "as_completed", "map",      "loiter",
                                         "wait", "callback",     "failures", NULL};
enum { ALL, AS_COMPLETED, MAP, LOITER, WAIT, CALLBACK, FAILURES };
static const int secs[] = {5, 4, 3, 2, 1}, pages[] = {3, 2, 4}, ns[] = {0, 1, 2, 3, 4};

/* The tutorial's do_something(seconds): sleep, then hand the seconds back as the result. */
static int do_something(void *arg, long *value)
{
    int seconds = *(const int *)arg;
    say("Sleeping %d second...", seconds);
    lab_sleep(seconds);
    say("Done Sleeping %d second...", seconds);
    *value = seconds;
    return 0;
}

static void lesson_as_completed(void)
{
    lab_print("== as_completed: submit 5, 4, 3, 2, 1 s tasks; take each result as it finishes ==");
    lab_pool *pool = new_pool(workers);
    lab_future *futures[5];
    double begin = lab_now();
    for (int i = 0; i < 5; i++) {
        futures[i] = submit(pool, do_something, &secs[i]); /* returns at once */
        if (wait_each) { /* the mistake: this waits for the task, so the pool runs one at a time */
            say("submitted %d s; waiting for its result before submitting the next", secs[i]);
            lab_future_result(futures[i], NULL);
        }
    }
    char order[64] = "";
    lab_futures_as_completed *finished = lab_futures_as_completed_new(futures, 5);
    for (size_t i; lab_futures_as_completed_next(finished, &i) == 0;) { /* as each finishes */
        long value = result_of(futures[i]); /* done already: no waiting */
        say("as_completed -> Done Sleeping %ld second...", value);
        append(order, sizeof order, ',', "%ld", value);
    }
    lab_futures_as_completed_free(finished);
    add_keys("as_completed_order=%s as_completed_elapsed=%.2f as_completed_workers=%d", order,
             say_finished(begin), lab_pool_workers_started(pool));
    free_all(futures, 5, pool);
}

static void lesson_map(void)
{
    lab_print("== map: the same tasks; results come in submission order ==");
    lab_pool *pool = new_pool(workers);
    double begin = lab_now();
    lab_future *futures[5];
    submit_all(pool, do_something, secs, 5, futures);
    char order[64] = "";
    /* BROKEN: "map" collected with as_completed: the first to finish comes first */
    lab_futures_as_completed *finished = lab_futures_as_completed_new(futures, 5);
    for (size_t i; lab_futures_as_completed_next(finished, &i) == 0;) {
        long value = result_of(futures[i]);
        say("map -> Done Sleeping %ld second... (%.2f s)", value, since(begin));
        append(order, sizeof order, ',', "%ld", value);
    }
    lab_futures_as_completed_free(finished);
    add_keys("map_order=%s map_elapsed=%.2f map_workers=%d", order, say_finished(begin),
             lab_pool_workers_started(pool));
    free_all(futures, 5, pool);
}

static int loiter(void *arg, long *value)
{
    int n = *(const int *)arg;
    loiter_start[n] = since(loiter_begin);
    say("%*sloiter(%d): doing nothing for %ds...", 4 * n, "", n, n);
    lab_sleep(n);
    say("%*sloiter(%d): done.", 4 * n, "", n);
    loiter_end[n] = since(loiter_begin);
    *value = n * 10;
    return 0;
}

static void lesson_loiter(void)
{
    lab_print("== loiter: map(loiter, range(5)) on 3 workers; when each starts, ends, arrives ==");
    lab_pool *pool = new_pool(3);
    loiter_begin = lab_now();
    say("Script starting.");
    lab_pool_map *results = map(pool, loiter, ns, 5);
    say("results: a map iterator; waiting for individual results:");
    char values[64] = "";
    double got[5]; /* when each result reached main */
    for (long value, n = 0; lab_pool_map_next(results, &value) == 0; n++) {
        got[n] = since(loiter_begin);
        say("result %ld: %ld", n, value);
        append(values, sizeof values, ',', "%ld", value);
    }
    print_loiter_table(loiter_start, loiter_end, got); /* and its keys loiter_started, _got */
    add_keys("loiter_results=%s loiter_elapsed=%.2f loiter_workers=%d", values, since(loiter_begin),
             lab_pool_workers_started(pool));
    free_map(results, pool);
}

static void lesson_wait(void)
{
    lab_print("== wait: tasks of 3, 2, 4 s on 2 workers; FIRST_COMPLETED, then ALL_COMPLETED ==");
    lab_pool *pool = new_pool(2);
    lab_future *futures[3];
    double begin = lab_now();
    submit_all(pool, do_something, pages, 3, futures);
    bool done[3]; /* the done set; the rest is the not-done set */
    lab_futures_wait(futures, 3, LAB_FUTURES_FIRST_COMPLETED, done);
    double first = since(begin);
    char done_text[32], not_done_text[32];
    split_sets(pages, done, 3, done_text, not_done_text, sizeof done_text);
    say("wait(FIRST_COMPLETED) returned after %.2f s: done = {%s}, not done = {%s}", first,
        done_text, not_done_text);
    lab_futures_wait(futures, 3, LAB_FUTURES_ALL_COMPLETED, done);
    double all = since(begin);
    say("wait(ALL_COMPLETED) returned after %.2f s: every task is done; main", all);
    add_keys("wait_first=%s wait_first_elapsed=%.2f wait_not_done=%s wait_all_elapsed=%.2f "
             "wait_workers=%d",
             done_text, first, not_done_text[0] ? not_done_text : "none", all,
             lab_pool_workers_started(pool));
    free_all(futures, 3, pool);
}

/* Runs in whichever thread completes the future, or in the adder's if it is done already. */
static void report_done(lab_future *future, void *when_added)
{
    long value = result_of(future); /* done: no waiting */
    say("done-callback: the future is done, its result is %ld (%s)", value, (char *)when_added);
    log_callback(); /* which thread ran it */
}

static void lesson_callback(void)
{
    lab_print("== callback: done() and add_done_callback() on a 2 s task ==");
    lab_pool *pool = new_pool(1);
    lab_future *future = submit(pool, do_something, &secs[3]); /* 2 s */
    say("done() right after submit: %s", lab_future_done(future) ? "True" : "False");
    lab_future_add_done_callback(future, report_done, "added before the end"); /* in the worker */
    lab_sleep(3);
    say("done() 3 s later: %s", lab_future_done(future) ? "True" : "False");
    long value = result_of(future); /* waits only if a busy machine made it late */
    say("result() = %ld; adding a second callback now", value);
    lab_future_add_done_callback(future, report_done, "added after"); /* done: runs right here */
    free_all(&future, 1, pool); /* the pool's workers are joined: the log is final */
    add_keys("callback_calls=%d callback_threads=%s callback_result=%ld", callback_calls,
             callback_threads, value);
}

#include "pool_failures.h" /* the sixth lesson: a task that fails, cancel, timeouts */
static const char *check_options(void)
{
    return wait_each && part != ALL && part != AS_COMPLETED
               ? "--wait-each goes with --part=as_completed (or all)"
               : NULL;
}

static const lab_option options[] = {
    LAB_CHOICE("part", &part, part_names, "which lesson: all of them in turn, or one"),
    LAB_INT("workers", &workers, 1, 64, "N", "pool size for as_completed and map (5: all at once)"),
    LAB_FLAG("wait-each", &wait_each, "the mistake: result() right after each submit"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "pool",
    .summary = "thread pool and futures: as_completed vs map order, loiter, wait, callbacks",
    .python = "ThreadPoolExecutor: submit, as_completed, map, wait, add_done_callback (Threads "
              "and pools, Futures and flags, The threading catalogue, Threads and processes)",
    .details = "Five lessons in turn (or one with --part): as_completed hands back 1..5 as the\n"
               "tasks finish; map yields 5..1 in submission order; loiter's timestamps on 3\n"
               "workers; wait's FIRST_COMPLETED vs ALL_COMPLETED; which thread runs a callback.\n"
               "--workers 2: too few workers; --wait-each: the mistake that serialises it all.",
    .options = options,
    /* what --explore checks, in the lessons that ran (key?: when the run printed it) */
    .invariant = "map_order? == \"5,4,3,2,1\" && loiter_results? == \"0,10,20,30,40\" && "
                 "callback_calls? == 2 && callback_threads? == \"worker-0,main\"",
    .check = check_options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    void (*const lessons[])(void) = {NULL,           lesson_as_completed, lesson_map,
                                     lesson_loiter,  lesson_wait,         lesson_callback,
                                     lesson_failures};
    for (int p = AS_COMPLETED; p <= FAILURES; p++)
        if (part == ALL || part == p)
            lessons[p]();
    say_summary(); /* one line per lesson, from the keys */
    lab_result("%s", keys);
    return 0;
}
