/* pool_support.h — the pool demo's mechanics, kept beside it so the lessons read as the
 * story: set-up through the demos' one failure policy (LAB_SETUP_NEW), class-second
 * stopwatches, lists for the result line, the callbacks' log, the loiter timestamps and table. */
#ifndef THREADLAB_POOL_SUPPORT_H
#define THREADLAB_POOL_SUPPORT_H

#include "lab.h"

#include <stdarg.h>

/* A pool of `workers` named worker-0, worker-1...; exits 1 if it cannot be made. */
static lab_pool *new_pool(int workers)
{
    lab_pool *pool;
    LAB_SETUP_NEW(pool = lab_pool_new(workers, "worker"));
    lab_point_name(pool, "pool");
    return pool;
}

/* executor.submit(fn, arg); exits 1 if the pool refuses (it never does here: nobody
 * shuts it down before the lesson ends). */
static lab_future *submit(lab_pool *pool, lab_task_fn fn, const void *arg)
{
    lab_future *future;
    LAB_SETUP_NEW(future = lab_pool_submit(pool, fn, (void *)arg));
    return future;
}

/* submit(fn, &items[i]) for each of count items, into futures[]. */
static void submit_all(lab_pool *pool, lab_task_fn fn, const int *items, int count,
                       lab_future **futures)
{
    for (int i = 0; i < count; i++)
        futures[i] = submit(pool, fn, &items[i]);
}

/* executor.map(fn, items); exits 1 if the pool refuses. */
static lab_pool_map *map(lab_pool *pool, lab_task_fn fn, const int *items, size_t count)
{
    lab_pool_map *results;
    LAB_SETUP_NEW(results = lab_pool_map_new(pool, fn, (void *)items, count, sizeof items[0]));
    return results;
}

/* future.result(): waits until the future is done; its value (0 if the task failed). */
static inline long result_of(lab_future *future)
{
    long value = 0;
    lab_future_result(future, &value);
    return value;
}

/* Class seconds since `begin` (a lab_now() reading). */
static double since(double begin)
{
    return lab_class_seconds(lab_now() - begin);
}

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

/* The result-line keys, built lesson by lesson (main thread only). */
static char keys[LAB_LINE_MAX];
#define add_keys(...) append(keys, sizeof keys, ' ', __VA_ARGS__)

/* Say how long a lesson took since begin; returns the class seconds. */
static double say_finished(double begin)
{
    double elapsed = since(begin);
    say("Finished in %.2f second(s)", elapsed);
    return elapsed;
}

/* Free the lesson's futures, then leave Python's `with` block: shutdown(wait=True). */
static void free_all(lab_future **futures, int count, lab_pool *pool)
{
    for (int i = 0; i < count; i++)
        lab_future_free(futures[i]);
    lab_pool_free(pool);
}

/* wait()'s two sets as lists of values: "2" and "3,4" (each text has size bytes). */
static void split_sets(const int *values, const bool *done, int count, char *done_text,
                       char *not_done_text, size_t size)
{
    done_text[0] = not_done_text[0] = '\0';
    for (int i = 0; i < count; i++)
        append(done[i] ? done_text : not_done_text, size, ',', "%d", values[i]);
}

/* The done-callbacks' log: how many ran and in which threads. */
static pthread_mutex_t callback_lock = PTHREAD_MUTEX_INITIALIZER;
static char callback_threads[64]; /* protected by callback_lock */
static int callback_calls;        /* protected by callback_lock */

/* Note a callback, in the thread that runs it. */
static void log_callback(void)
{
    lab_pthread_mutex_lock(&callback_lock);
    append(callback_threads, sizeof callback_threads, ',', "%s", lab_thread_current_name());
    callback_calls++;
    lab_pthread_mutex_unlock(&callback_lock);
}

/* loiter(n): when it starts and ends, written by the worker, read by main after the result. */
static double loiter_begin, loiter_start[5], loiter_end[5];

/* The loiter lesson's table: when each task started, ended and reached the caller; and
 * the keys loiter_started= and loiter_got= for the result line. */
static void print_loiter_table(const double *start, const double *end, const double *got)
{
    char started[64] = "", got_list[64] = "";
    lab_print("  n   started   ended   result reached the caller   (class seconds)");
    for (int n = 0; n < 5; n++) {
        lab_print("  %d   %7.2f %7.2f   %7.2f", n, start[n], end[n], got[n]);
        append(started, sizeof started, ',', "%.1f", start[n]);
        append(got_list, sizeof got_list, ',', "%.1f", got[n]);
    }
    add_keys("loiter_started=%s loiter_got=%s", started, got_list);
}

/* The value of key `name` in keys, into text ("" when absent). */
static const char *key_value(const char *name, char *text, size_t size)
{
    size_t length = strlen(name);
    text[0] = '\0';
    for (const char *at = strstr(keys, name); at != NULL; at = strstr(at + 1, name))
        if ((at == keys || at[-1] == ' ') && at[length] == '=') {
            snprintf(text, size, "%.*s", (int)strcspn(at + length + 1, " "), at + length + 1);
            break;
        }
    return text;
}

/* The story's conclusion, one line per lesson that ran, read back from the keys. */
static void say_summary(void)
{
    char a[64], b[64], c[64];
    if (*key_value("as_completed_order", a, sizeof a))
        say("as_completed: %s, the order the tasks finished in (%s s in all)", a,
            key_value("as_completed_elapsed", b, sizeof b));
    if (*key_value("map_order", a, sizeof a))
        say("map: %s, the order the tasks were submitted in (%s s in all)", a,
            key_value("map_elapsed", b, sizeof b));
    if (*key_value("loiter_results", a, sizeof a))
        say("loiter: %s in submission order, 5 tasks on 3 workers (%s s)", a,
            key_value("loiter_elapsed", b, sizeof b));
    if (*key_value("wait_first", a, sizeof a))
        say("wait: FIRST_COMPLETED at %s s with {%s} done, ALL_COMPLETED at %s s",
            key_value("wait_first_elapsed", b, sizeof b), a,
            key_value("wait_all_elapsed", c, sizeof c));
    if (*key_value("callback_threads", a, sizeof a))
        say("callbacks ran in %s: the finishing thread's, or the adder's once done", a);
    if (*key_value("failures_exception", a, sizeof a))
        say("failures: exception() = %s, result(timeout) = %s, cancelled %s", a,
            key_value("failures_timeout", b, sizeof b),
            key_value("failures_cancelled", c, sizeof c));
}

/* Free a map (cancelling what has not started), then leave the `with` block. */
static void free_map(lab_pool_map *results, lab_pool *pool)
{
    lab_pool_map_free(results);
    lab_pool_free(pool);
}

#endif
