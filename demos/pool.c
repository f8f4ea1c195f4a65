/* pool — the executor lessons: submit + as_completed (completion order), map (submission
 * order), the loiter(n) timeline, wait(FIRST_COMPLETED / ALL_COMPLETED), a done-callback.
 *
 * Python (seeds 000, 002, 003, 004): concurrent.futures.ThreadPoolExecutor.
 *   as_completed: submit do_something(5), (4), (3), (2), (1); as_completed hands back 1, 2,
 *     3, 4, 5 as they finish; all in ~5 s (seed 000).
 *   map: executor.map(do_something, [5, 4, 3, 2, 1]) yields 5, 4, 3, 2, 1: submission
 *     order, so the first result holds back the rest; also ~5 s (seed 000).
 *   loiter: map(loiter, range(5)) on max_workers=3; loiter(n) sleeps n s, returns n*10;
 *     the timestamps show loiter(3) starting when loiter(0) ends, loiter(4) when loiter(1)
 *     ends, and each result reaching the caller in order (seed 002).
 *   wait: tasks of 3, 2, 4 s on 2 workers; wait(FIRST_COMPLETED) returns at 2 s with one
 *     done, wait(ALL_COMPLETED) at 6 s (seeds 003, 004).
 *   callback: done() before and after, add_done_callback before and after the end (seeds 002, 003).
 * The pool is common/pool.h (workers named worker-0...), futures are common/future.h.
 * Pool size: seed 000 used ThreadPoolExecutor() whose default is min(32, cpus + 4) >= 5,
 * so all five tasks ran at once; here --workers defaults to 5 for the same reason (try 2).
 * --wait-each is the classic mistake: result() right after each submit -> one at a time, 15 s.
 */
#include "lab.h"
#include "pool.h"

#include <stdarg.h>

static int part = 0;
static const char *const part_names[] = {"all", "as_completed", "map", "loiter", "wait", "callback", NULL};
enum { ALL, AS_COMPLETED, MAP, LOITER, WAIT, CALLBACK };
static int workers = 5;
static bool wait_each = false;

static const int secs[] = {5, 4, 3, 2, 1};
static char keys[LAB_LINE_MAX];   /* the result line, built part by part (main thread only) */

/* Append one formatted item to a list, after a separator unless the list is empty. */
static void append(char *list, size_t size, char separator, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *list, size_t size, char separator, const char *format, ...)
{
    size_t used = strlen(list);
    if (used > 0 && used + 1 < size)
        list[used++] = separator, list[used] = '\0';
    va_list args;
    va_start(args, format);
    vsnprintf(list + used, size - used, format, args);
    va_end(args);
}

static double since(double begin)
{
    return lab_class_seconds(lab_now() - begin);
}

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
    lab_pool *pool = lab_pool_new(workers, "worker");
    lab_future *futures[5];
    double begin = lab_now();
    for (int i = 0; i < 5; i++) {
        futures[i] = lab_pool_submit(pool, do_something, (void *)&secs[i]);   /* returns at once */
        if (wait_each) {   /* the mistake: this waits for the task, so the pool runs one at a time */
            say("submitted %d s, and now waiting for its result before submitting the next", secs[i]);
            lab_future_result(futures[i], LAB_FOREVER, NULL);
        }
    }
    char order[64] = "";
    lab_futures_as_completed *finished = lab_futures_as_completed_new(futures, 5, LAB_FOREVER);
    size_t i;
    while (lab_futures_as_completed_next(finished, &i) == 0) {   /* blocks until the next one finishes */
        long value;
        lab_future_result(futures[i], 0, &value);   /* done already: no waiting */
        say("as_completed -> Done Sleeping %ld second...", value);
        append(order, sizeof order, ',', "%ld", value);
    }
    double elapsed = since(begin);
    say("Finished in %.2f second(s)", elapsed);
    lab_futures_as_completed_free(finished);
    append(keys, sizeof keys, ' ', "as_completed_order=%s as_completed_elapsed=%.2f as_completed_workers=%d",
           order, elapsed,
            lab_pool_workers_started(pool));
    for (int k = 0; k < 5; k++)
        lab_future_free(futures[k]);
    lab_pool_free(pool);   /* Python's `with` block end: shutdown(wait=True) */
}

static void lesson_map(void)
{
    lab_print("== map: the same tasks; results come in submission order ==");
    lab_pool *pool = lab_pool_new(workers, "worker");
    double begin = lab_now();
    lab_pool_map *results = lab_pool_map_new(pool, do_something, (void *)secs, 5, sizeof secs[0], LAB_FOREVER);
    char order[64] = "";
    long value;
    while (lab_pool_map_next(results, &value) == 0) {   /* waits for the NEXT in order, even if later ones are done */
        say("map -> Done Sleeping %ld second... (%.2f s)", value, since(begin));
        append(order, sizeof order, ',', "%ld", value);
    }
    double elapsed = since(begin);
    say("Finished in %.2f second(s)", elapsed);
    append(keys, sizeof keys, ' ', "map_order=%s map_elapsed=%.2f map_workers=%d", order, elapsed,
           lab_pool_workers_started(pool));
    lab_pool_map_free(results);
    lab_pool_free(pool);
}

/* loiter(n): when it starts and ends, written by the worker, read by main after the result. */
static double loiter_start[5], loiter_end[5];
static double loiter_begin;
static const int ns[] = {0, 1, 2, 3, 4};

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
    lab_print("== loiter: map(loiter, range(5)) on 3 workers; when does each start, end, arrive? ==");
    lab_pool *pool = lab_pool_new(3, "worker");
    loiter_begin = lab_now();
    say("Script starting.");
    lab_pool_map *results = lab_pool_map_new(pool, loiter, (void *)ns, 5, sizeof ns[0], LAB_FOREVER);
    say("results: a map iterator; waiting for individual results:");
    char values[64] = "", started[64] = "", got_list[64] = "";
    double got[5];
    long value;
    for (int n = 0; lab_pool_map_next(results, &value) == 0; n++) {
        got[n] = since(loiter_begin);
        say("result %d: %ld", n, value);
        append(values, sizeof values, ',', "%ld", value);
    }
    lab_print("  n   started   ended   result reached the caller   (class seconds)");
    for (int n = 0; n < 5; n++) {
        lab_print("  %d   %7.2f %7.2f   %7.2f", n, loiter_start[n], loiter_end[n], got[n]);
        append(started, sizeof started, ',', "%.1f", loiter_start[n]);
        append(got_list, sizeof got_list, ',', "%.1f", got[n]);
    }
    append(keys, sizeof keys, ' ', "loiter_results=%s loiter_started=%s loiter_got=%s loiter_elapsed=%.2f "
           "loiter_workers=%d", values,
            started, got_list, since(loiter_begin), lab_pool_workers_started(pool));
    lab_pool_map_free(results);
    lab_pool_free(pool);
}

static const int pages[] = {3, 2, 4};

static void list_set(char *text, size_t size, const bool *done, bool which)
{
    text[0] = '\0';
    for (int i = 0; i < 3; i++)
        if (done[i] == which)
            append(text, size, ',', "%d", pages[i]);
}

static void lesson_wait(void)
{
    lab_print("== wait: tasks of 3, 2, 4 s on 2 workers; FIRST_COMPLETED, then ALL_COMPLETED ==");
    lab_pool *pool = lab_pool_new(2, "worker");
    lab_future *futures[3];
    double begin = lab_now();
    for (int i = 0; i < 3; i++)
        futures[i] = lab_pool_submit(pool, do_something, (void *)&pages[i]);
    bool done[3];
    char done_text[32], not_done_text[32];
    lab_futures_wait(futures, 3, LAB_FOREVER, LAB_FUTURES_FIRST_COMPLETED, done);
    double first = since(begin);
    list_set(done_text, sizeof done_text, done, true);
    list_set(not_done_text, sizeof not_done_text, done, false);
    say("wait(FIRST_COMPLETED) returned after %.2f s: done = {%s}, not done = {%s}", first, done_text, not_done_text);
    lab_futures_wait(futures, 3, LAB_FOREVER, LAB_FUTURES_ALL_COMPLETED, done);
    double all = since(begin);
    say("wait(ALL_COMPLETED) returned after %.2f s: every task is done; main", all);
    append(keys, sizeof keys, ' ', "wait_first=%s wait_first_elapsed=%.2f wait_not_done=%s wait_all_elapsed=%.2f "
           "wait_workers=%d",
            done_text, first, not_done_text[0] ? not_done_text : "none", all, lab_pool_workers_started(pool));
    for (int i = 0; i < 3; i++)
        lab_future_free(futures[i]);
    lab_pool_free(pool);
}

static pthread_mutex_t callback_lock = PTHREAD_MUTEX_INITIALIZER;
static char callback_threads[64];   /* protected by callback_lock */
static int callback_calls;          /* protected by callback_lock */

/* Runs in whichever thread completes the future, or in the adder's if it is done already. */
static void report_done(lab_future *future, void *arg)
{
    (void)arg;
    long value = 0;
    lab_future_result(future, 0, &value);
    say("done-callback: the future is done, its result is %ld", value);
    lab_pthread_mutex_lock(&callback_lock);
    append(callback_threads, sizeof callback_threads, ',', "%s", lab_thread_current_name());
    callback_calls++;
    lab_pthread_mutex_unlock(&callback_lock);
}

static void lesson_callback(void)
{
    lab_print("== callback: done() and add_done_callback() on a 2 s task ==");
    static const int two = 2;
    lab_pool *pool = lab_pool_new(1, "worker");
    lab_future *future = lab_pool_submit(pool, do_something, (void *)&two);
    say("done() right after submit: %s", lab_future_done(future) ? "True" : "False");
    lab_future_add_done_callback(future, report_done, NULL);   /* will run in the worker */
    lab_sleep(3);
    say("done() 3 s later: %s", lab_future_done(future) ? "True" : "False");
    long value = 0;
    lab_future_result(future, LAB_FOREVER, &value);   /* waits only if a busy machine made it late */
    say("result() = %ld; adding a second callback now", value);
    lab_future_add_done_callback(future, report_done, NULL);   /* done already: runs right here */
    lab_future_free(future);
    lab_pool_free(pool);
    lab_pthread_mutex_lock(&callback_lock);
    append(keys, sizeof keys, ' ', "callback_calls=%d callback_threads=%s callback_result=%ld", callback_calls,
           callback_threads, value);
    lab_pthread_mutex_unlock(&callback_lock);
}

static const char *check_options(void)
{
    bool fits = part == ALL || part == AS_COMPLETED;
    return wait_each && !fits ? "--wait-each goes with --part=as_completed (or all)" : NULL;
}

static const lab_option options[] = {
    LAB_CHOICE("part", &part, part_names, "which lesson: all, as_completed, map, loiter, wait, callback"),
    LAB_INT("workers", &workers, 1, 64, "N", "pool size for as_completed and map (5 runs all tasks at once)"),
    LAB_FLAG("wait-each", &wait_each, "the mistake: result() right after each submit (as_completed part)"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "pool",
    .summary = "thread pool and futures: as_completed vs map order, loiter timeline, wait, callbacks",
    .python = "with ThreadPoolExecutor() as ex: submit, as_completed, map, wait, add_done_callback (seeds 000-004)",
    .details = "Five lessons, one after the other (or one with --part): as_completed hands back 1..5 as the\n"
               "tasks finish; map yields 5..1 in submission order; loiter's timestamps on 3 workers; wait's\n"
               "FIRST_COMPLETED vs ALL_COMPLETED; done-callbacks (which thread runs them). --workers 2 shows a\n"
               "pool too small for the tasks; --wait-each the mistake that serialises everything.",
    .options = options,
    .check = check_options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    void (*const lessons[])(void) = {NULL, lesson_as_completed, lesson_map, lesson_loiter, lesson_wait,
                                     lesson_callback};
    for (int p = AS_COMPLETED; p <= CALLBACK; p++)
        if (part == ALL || part == p)
            lessons[p]();
    lab_result("%s", keys);
    return 0;
}
