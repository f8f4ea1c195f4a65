/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/daemon.c with one
 * change: the worker is always started as a non-daemon thread (the flag is never
 * passed on, like Python's daemon=True forgotten in Thread(...)): main's exit waits for it.
 * Try: make grade DEMO=daemon SRC=tests/grade/broken/daemon-flag-ignored.c
 * grade: demo daemon
 * case: daemon-daemon
 * expect: FAIL daemon-daemon: ; worker_finished == "no"
 */
/* daemon — daemon threads: when the program ends, a daemon thread is cut off mid-work.
 *
 * Python (The threading catalogue; Threads and processes): t.setDaemon(True) (today:
 * Thread(daemon=True)); main prints "end" and the program exits at once, so the worker's
 * countdown never finishes. Without daemon, Python's interpreter waits at exit for every
 * non-daemon thread.
 * C has no daemon attribute. What ends a pthreads program:
 *   - returning from main() calls exit(): EVERY thread dies, mid-sentence (--main=return);
 *   - pthread_exit() in main ends only the main thread; the process lives on until its
 *     last thread ends, so nothing is cut off (--main=pthread-exit);
 *   - lab_main_exit() joins every thread started as LAB_THREAD_NOT_DAEMON, then exits: that is
 *     Python's rule, and the default here (--main=wait).
 * --join is the tutorials' second example: main joins the worker before it says "end".
 * Joining a daemon waits for it like any thread: the daemon flag only decides what
 * happens at exit to a thread still running then, and a joined thread is not running.
 * The result line is printed by an atexit() handler, like the tutorial's @atexit.register:
 * it runs when the process really exits, whichever way that happens.
 * Observe: with --daemon the "2s" and "1s" lines never print; with --daemon --join they do.
 */
#include "lab.h"

#include <stdatomic.h>

static bool daemon_flag = false;
static bool join_flag = false;
static int main_ends = 0; /* index into main_endings */
static const char *const main_endings[] = {"wait", "return", "pthread-exit", NULL};
enum { END_WAIT, END_RETURN, END_PTHREAD_EXIT };

static atomic_bool worker_finished;

/* The tutorial's run(n): a countdown with a pause before each line. */
static void *countdown(void *arg)
{
    const char *task = arg;
    say("task %s", task);
    for (int left = 3; left >= 1; left--) {
        lab_sleep(1);
        say("%ds", left);
    }
    say("countdown finished");
    atomic_store(&worker_finished, true);
    return NULL;
}

/* Registered with atexit(): runs when the process exits, whoever triggers it. */
static void print_result(void)
{
    say("process exiting: the worker %s",
        atomic_load(&worker_finished) ? "finished" : "was cut off");
    lab_result("daemon=%s joined=%s worker_finished=%s main=%s", daemon_flag ? "yes" : "no",
               join_flag ? "yes" : "no", atomic_load(&worker_finished) ? "yes" : "no",
               main_endings[main_ends]);
}

static const lab_option options[] = {
    LAB_FLAG("daemon", &daemon_flag, "start the worker as a daemon thread"),
    LAB_FLAG("join", &join_flag, "main joins the worker before it ends (daemon or not)"),
    LAB_CHOICE(
        "main", &main_ends, main_endings,
        "how main ends: wait (Python's rule), return (kills all), pthread-exit (waits for all)"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "daemon",
    .summary = "a daemon thread is cut off when main ends; a non-daemon one is waited for",
    .python = "t = Thread(target=run, args=('t1',)); t.setDaemon(True); t.start(); print('end') "
              "(The threading catalogue; Threads and processes)",
    .details =
        "The worker counts down 3s, 2s, 1s, one second apart. Main works 1.5 s, says 'end' and "
        "ends.\n"
        "  (default)            main waits for the worker, as Python waits for non-daemon threads\n"
        "  --daemon             main does not wait: the countdown is cut off after '3s'\n"
        "  --daemon --join      main joins it: a joined daemon is waited for like any thread\n"
        "  --main=return        plain C: returning from main kills the worker, daemon or not\n"
        "  --main=pthread-exit  plain C: only the main thread ends; the worker finishes",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    atexit(print_result);
    lab_thread *worker = lab_thread_start(countdown, "t1", LAB_THREAD_NOT_DAEMON,
                                          "worker"); /* BROKEN: --daemon ignored */
    say("started %s, daemon=%s", lab_thread_name(worker),
        lab_thread_is_daemon(worker) ? "True" : "False"); /* Python's t.daemon */
    if (join_flag) {
        say("t.join(): waiting for the worker, daemon or not");
        lab_thread_join(worker); /* the daemon flag plays no part in a join */
    } else {
        lab_sleep(1.5); /* main's own work: long enough for the worker to be mid-countdown */
    }
    say("end");
    switch (main_ends) {
        case END_RETURN:
            return 0; /* exit(0): every thread dies now */
        case END_PTHREAD_EXIT:
            pthread_exit(NULL); /* the process ends when its last thread does */
        default:
            lab_main_exit(0); /* join non-daemon threads, then exit(0) */
    }
}
