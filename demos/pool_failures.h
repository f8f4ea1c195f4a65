/* pool_failures.h — the pool demo's sixth lesson, in its own file beside pool.c (which is
 * at its 200 lines): what goes wrong with futures, and what Python calls it.
 *   A fails after 1 s:            A.exception() is its status (ENOENT), A.result() the same;
 *   C is cancelled while queued:  C.cancel() is True, C.result() is CancelledError (ECANCELED);
 *   B takes 2 s:                  B.result(timeout=0.5) gives up (TimeoutError, ETIMEDOUT)
 *                                 while B goes on, and B.result() later gets its value;
 *   D is still queued at          shutdown(wait=False, cancel_futures=True): cancelled too.
 * One worker, so B, C and D wait their turn. Keys failures_exception, failures_timeout,
 * failures_b, failures_cancelled. Included by pool.c after do_something and secs. */
#ifndef THREADLAB_POOL_FAILURES_H
#define THREADLAB_POOL_FAILURES_H

#include <string.h>

/* Python's name for what result()/exception() returned (ENOENT is this lesson's "exception"). */
static const char *outcome_name(int status)
{
    return status == 0           ? "None"
           : status == ENOENT    ? "ENOENT"
           : status == ETIMEDOUT ? "TimeoutError"
           : status == ECANCELED ? "CancelledError"
                                 : "?";
}

/* A download that fails after 1 s: C has no exceptions; the task's status is its exception. */
static int fetch_missing(void *arg, long *value)
{
    (void)arg;
    lab_sleep(1);
    say("page not found: failing with ENOENT");
    *value = 0;
    return ENOENT;
}

static void lesson_failures(void)
{
    lab_print("== failures: 1 worker; A fails at 1 s, B takes 2 s, C and D wait in the queue ==");
    lab_pool *pool = new_pool(1);
    lab_future *f[4] = {submit(pool, fetch_missing, NULL), submit(pool, do_something, &secs[3]),
                        submit(pool, do_something, &secs[4]), submit(pool, do_something, &secs[4])};
    say("C.cancel() while C waits in the queue: %s", lab_future_cancel(f[2]) ? "True" : "False");
    int status = lab_future_exception(f[0]); /* waits, as result() would */
    say("A.exception() = %s (%s); A.result() returns it too", outcome_name(status),
        strerror(status));
    int timeout = lab_future_result_timeout(f[1], 0.5, NULL); /* B needs 2 s */
    say("B.result(timeout=0.5): %s; B goes on running", outcome_name(timeout));
    lab_pool_shutdown_cancel(pool, false); /* what is queued is cancelled; B runs on */
    say("shutdown(wait=False, cancel_futures=True): cancelled D: %s, B: %s",
        lab_future_cancelled(f[3]) ? "True" : "False",
        lab_future_cancelled(f[1]) ? "True" : "False");
    long b = 0;
    lab_future_result(f[1], &b); /* B was running: it ends normally */
    say("B.result() = %ld; C.result(): %s; D.result(): %s", b,
        outcome_name(lab_future_result(f[2], NULL)), outcome_name(lab_future_result(f[3], NULL)));
    add_keys("failures_exception=%s failures_timeout=%s failures_b=%ld failures_cancelled=%s%s%s",
             outcome_name(status), outcome_name(timeout), b, lab_future_cancelled(f[2]) ? "C" : "",
             lab_future_cancelled(f[2]) && lab_future_cancelled(f[3]) ? "," : "",
             lab_future_cancelled(f[3]) ? "D" : "");
    free_all(f, 4, pool);
}

#endif
