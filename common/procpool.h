/* procpool.h — a pool of worker processes: Python's multiprocessing.Pool and
 * concurrent.futures.ProcessPoolExecutor, in C.
 *
 * Python: Pool(processes) starts that many worker processes. apply(f, args) runs f in a
 * worker and waits for its result; apply_async(f, args) returns an AsyncResult at once
 * (get(), get(timeout), ready()); map(f, items) returns the results in the items' order.
 * close() takes no more tasks, join() waits for the workers to finish the queue and exit
 * (after close or terminate), terminate() stops the workers at once, work or not.
 * Arguments and results travel between processes as bytes (pickled) over pipes: a worker
 * has its own memory, so nothing is shared and the GIL of one process does not hold back
 * another. That is why processes speed up CPU-bound Python where threads cannot.
 *
 * Here: lab_procpool_new(N) forks N workers; each is joined to the parent by a
 * socketpair (what multiprocessing.Pipe(duplex=True) is on Unix). A manager thread in the
 * parent hands each idle worker one task at a time (the function's address, an id, the
 * argument bytes) and reads the result back (the id and an int64_t). A task is
 * `int64_t fn(const void *arg, size_t size)`; its argument is copied (up to
 * LAB_PROCPOOL_ARG_MAX bytes), never shared.
 *
 * Where C differs (deliberately):
 *   - the function travels as its address: valid because a forked worker is the same
 *     program at the same addresses (Python pickles it by name);
 *   - a worker that dies while running a task (abort(), _exit(), a signal, kill -9) is
 *     reported: that task's result is EOWNERDEAD, with the worker's wait status, and a new
 *     worker takes its place; the pool goes on. (multiprocessing.Pool replaces the worker
 *     but the task's get() then hangs forever; ProcessPoolExecutor marks the whole pool
 *     broken, BrokenProcessPool.) Nothing is ever waited for forever;
 *   - terminate() kills with SIGKILL (Python: SIGTERM), which no task can catch or block,
 *     reaps every worker before it returns, and completes every unfinished result with
 *     ECANCELED (in Python their get() would hang);
 *   - exceptions: errno values (ESHUTDOWN for a closed pool: Python's ValueError "Pool not
 *     running"; ETIMEDOUT for TimeoutError; EINVAL for join() before close());
 *   - lab_procpool_free() terminates what is left, as `with Pool() as p:` does on exit;
 *     close and join first to let the work finish (ProcessPoolExecutor's shutdown(wait)).
 * No zombie is left: every worker is reaped, when it dies, at close/join and at terminate.
 * Workers start with every signal unblocked and end with _exit(), never exit().
 * What fork() implies (see docs/fork.md): a worker is a copy of the parent at the moment it
 * was forked, with one thread; a lock another thread held then stays locked in it, so a
 * task should not take the program's own locks (say() is safe: it is fork-aware). A task
 * must not use the pool (its copy in the worker has no manager). While a pool lives, the
 * program must not reap children it did not fork itself (waitpid(-1, ...), SIGCHLD set to
 * SIG_IGN): the pool reaps its own workers by pid.
 *
 * Scheduling points (kind "result"): a caller's get reports WAIT when it is about to block
 * on a result, GET when it has it, TIMEOUT when a timed get gives up; the manager reports
 * RELEASE when it completes a result.
 *
 * LOCKING PROTOCOL: the pool has its internal mutex, the results one shared one; no function
 * here expects the caller to hold a lock. Any thread may submit and get; join, terminate
 * and free may be called from any thread but not from a task. Durations are class seconds.
 */
#ifndef THREADLAB_PROCPOOL_H
#define THREADLAB_PROCPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAB_PROCPOOL_ARG_MAX 256 /* bytes of argument a task may be given */

/* A task, run in a worker process: arg points to a copy of the submitted bytes, aligned for
 * any type (max_align_t), so a task may read it in place as its struct. */
typedef int64_t (*lab_procpool_fn)(const void *arg, size_t size);

typedef struct lab_procpool lab_procpool;
typedef struct lab_procpool_result lab_procpool_result;

/* Fork `processes` workers (Pool(processes)). Returns the pool, or NULL with errno EINVAL
 * (processes < 1: Python's ValueError), ENOMEM, or the error of socketpair/fork (nothing
 * is left behind: any worker already forked is killed and reaped). Exits the program, as
 * lab_thread_start does, if the manager thread cannot be started. */
lab_procpool *lab_procpool_new(int processes);
/* Online CPUs, at least 1: Python's default number of processes (os.cpu_count()). Can't
 * fail. */
int lab_procpool_cpu_count(void);

/* Queue fn(arg[0..size-1]) and return its result handle at once (apply_async). Returns 0
 * and *result, EINVAL (fn NULL, size > LAB_PROCPOOL_ARG_MAX, or arg NULL with size > 0),
 * ESHUTDOWN after close or terminate, or ENOMEM. Free the handle with
 * lab_procpool_result_free. Aborts on a pthread error. */
int lab_procpool_apply_async(lab_procpool *pool, lab_procpool_fn fn, const void *arg, size_t size,
                             lab_procpool_result **result);
/* Run fn(arg) in a worker and wait for it (apply). Returns 0 and *value, or an error of
 * lab_procpool_apply_async or lab_procpool_result_get. */
int lab_procpool_apply(lab_procpool *pool, lab_procpool_fn fn, const void *arg, size_t size,
                       int64_t *value);
/* Run fn on count arguments of `size` bytes each (args[0], args[1], ... in one array)
 * and wait for all (map): values[i] is the result of argument i, in order. errors (may be
 * NULL) gets each task's error, 0 for success. Returns 0 when all succeeded, else the
 * first error in argument order (Python's map raises the first exception). */
int lab_procpool_map(lab_procpool *pool, lab_procpool_fn fn, const void *args, size_t size,
                     size_t count, int64_t *values, int *errors);

/* Take no more tasks; the queued ones still run (close). Calling it again does nothing.
 * Aborts on a pthread error. */
void lab_procpool_close(lab_procpool *pool);
/* Stop now (terminate): kill every worker (SIGKILL), reap them all, and complete every
 * unfinished result with ECANCELED. Returns when no worker is left. Aborts on a pthread
 * error. */
void lab_procpool_terminate(lab_procpool *pool);
/* Wait until every worker has exited and been reaped (join): after close, when the queue
 * is done. Returns 0, or EINVAL when the pool was neither closed nor terminated (Python's
 * ValueError). Calling it again returns 0 at once. Aborts on a pthread error. */
int lab_procpool_join(lab_procpool *pool);
/* Terminate what still runs (as `with Pool()` does), reap, release the pool. Result
 * handles stay valid until freed. Aborts on a pthread error. */
void lab_procpool_free(lab_procpool *pool);

/* The number of workers the pool keeps. Can't fail. */
int lab_procpool_processes(const lab_procpool *pool);
/* Copy the pids of the live workers into pids[0..max-1]; returns how many there are
 * (may be more than max). A snapshot. Aborts on a pthread error. */
size_t lab_procpool_pids(lab_procpool *pool, pid_t *pids, size_t max);
/* Workers forked so far: processes, plus one per replacement of a dead worker. Aborts on
 * a pthread error. */
int lab_procpool_started(lab_procpool *pool);

/* Wait for the result (AsyncResult.get()). Returns 0 and *value (if value is not NULL),
 * EOWNERDEAD when the worker running the task died, ECANCELED when the pool was
 * terminated before the task finished. Aborts on a pthread error. */
int lab_procpool_result_get(lab_procpool_result *result, int64_t *value);
/* The same, waiting at most class_seconds (get(timeout)); 0 polls. Also ETIMEDOUT when
 * the result is not ready in time (Python's TimeoutError), EINVAL for a negative, NaN or
 * infinite duration. Aborts on a pthread error. */
int lab_procpool_result_get_timeout(lab_procpool_result *result, double class_seconds,
                                    int64_t *value);
/* Whether the result is complete (ready()). Aborts on a pthread error. */
bool lab_procpool_result_ready(lab_procpool_result *result);
/* The pid of the worker that ran (or was running) the task; 0 if none did. Aborts on a
 * pthread error. */
pid_t lab_procpool_result_pid(lab_procpool_result *result);
/* The waitpid() status of the worker when it died running the task (EOWNERDEAD, or
 * ECANCELED by terminate): decode with WIFSIGNALED/WTERMSIG, WIFEXITED/WEXITSTATUS. -1
 * when it did not die. Aborts on a pthread error. */
int lab_procpool_result_wait_status(lab_procpool_result *result);
/* Drop the caller's handle (it may still be pending: the pool keeps its own reference).
 * Aborts on a pthread error. */
void lab_procpool_result_free(lab_procpool_result *result);

#endif
