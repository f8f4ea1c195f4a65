/* fork — processes vs threads: a child process changes its own copy, a thread the shared one.
 *
 * Python (Threads and processes): os.fork() returns twice, 0 in the child, the child's pid in
 * the parent; multiprocessing.Process(target=f).start() runs f in a child process (fork() on
 * Linux), p.join() waits for it, p.exitcode is its exit status.
 * fork() gives the child a copy of the parent's memory: from then on each has its own
 * `counter`, and what one writes the other never sees. A thread's write is everybody's.
 * Part 1: a thread adds 1 to counter; after joining it, main sees 1.
 * Part 2: counter = 0 again; fork(); the child adds 1, sends its value back through a pipe
 * (the way multiprocessing carries results), exits with --exit-status; the parent waits for
 * it (waitpid), decodes the status, and finds its own counter still 0. (Threads first: the
 * child inherits the names' colours, so each name has its own before the fork.)
 * Observe: "child" lines come from another process (another pid); counter 1 there, 0 here.
 * --fork-while-locked: fork() copies only the thread that calls it. Fork while another thread
 * holds a mutex, and in the child that mutex stays locked forever: its owner does not exist
 * there. The child's timed lock gives up; in the parent the holder unlocks it as usual.
 */
#include "lab.h"
#include "event.h"
#include "fork_io.h" /* read_all(), wait_for_child(): read and waitpid, again after a signal */

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

static int exit_status = 3;
static bool fork_while_locked = false;

static int counter = 0; /* each process has its own; the threads of a process share it */
static pthread_mutex_t data_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct child_report { /* what the child sends back through the pipe */
    int counter;              /* the child's counter after its += 1 */
    int got_lock;             /* whether it could lock data_lock */
} child_report;

/* --fork-while-locked: main forks only once holder has data_lock, and holder keeps it
 * until main has forked. */
static lab_event holding, forked;

static void *hold_the_lock(void *arg)
{
    (void)arg;
    lab_pthread_mutex_lock(&data_lock);
    say("holding data_lock until main has forked");
    lab_event_set(&holding);
    lab_event_wait(&forked);
    lab_sleep(0.5);
    lab_pthread_mutex_unlock(&data_lock);
    say("released data_lock (in the parent process)");
    return NULL;
}

/* In the child: can it lock data_lock within 1 s? It tries every 0.05 s. (One call,
 * pthread_mutex_clocklock, would do; ThreadSanitizer does not know that one.) */
static bool child_tries_the_lock(void)
{
    double give_up = lab_now() + lab_real_seconds(1.0);
    int rc;
    while ((rc = pthread_mutex_trylock(&data_lock)) == EBUSY && lab_now() < give_up)
        lab_sleep(0.05);
    if (rc == EBUSY) {
        say("data_lock is still locked after 1 s: its owner was not copied into this process,");
        say("so nobody here will ever unlock it");
        return false;
    }
    LAB_CHECK(rc);
    say("locked and unlocked data_lock: nobody held it when main forked");
    lab_pthread_mutex_unlock(&data_lock);
    return true;
}

/* The child process: a copy of the parent's memory, and only the thread that forked. */
static _Noreturn void child(int report_fd)
{
    lab_thread_set_current_name("child");
    counter += 1;
    say("I am pid %d, child of %d: counter += 1 -> %d", (int)getpid(), (int)getppid(), counter);
    lab_sleep(0.5); /* the child's work, while the parent waits */
    child_report report = {.counter = counter};
    report.got_lock = child_tries_the_lock();
    LAB_CHECK_ERRNO((int)write(report_fd, &report, sizeof report)); /* 8 bytes: one atomic write */
    LAB_CHECK_ERRNO(close(report_fd));
    say("exiting with status %d", exit_status);
    /* _exit, not exit: exit() would run the parent's atexit handlers and flush the stdio
     * buffers it inherited, a second time, here in the child. */
    _exit(exit_status);
}

/* Part 2: fork a child, read its report, wait for it; returns the report. */
static child_report fork_a_child(int *status)
{
    int report_pipe[2];
    LAB_CHECK_ERRNO(pipe(report_pipe));
    say("pid %d, counter = %d: fork()", (int)getpid(), counter);
    pid_t pid = fork();
    LAB_CHECK_ERRNO(pid);
    if (pid == 0) { /* fork() returned 0: this is the child */
        LAB_CHECK_ERRNO(close(report_pipe[0]));
        child(report_pipe[1]);
    }
    LAB_CHECK_ERRNO(close(report_pipe[1])); /* else read() would never see the end */
    lab_event_set(&forked);                 /* --fork-while-locked: the holder may let go now */
    say("fork() returned %d: the child's pid; waiting for its report and its end", (int)pid);
    child_report report;
    if (!read_all(report_pipe[0], &report, sizeof report))
        lab_fail("the child ended without sending its report");
    LAB_CHECK_ERRNO(close(report_pipe[0]));
    wait_for_child(pid, status);
    if (WIFEXITED(*status))
        say("waitpid: child %d exited with status %d", (int)pid, WEXITSTATUS(*status));
    else if (WIFSIGNALED(*status))
        say("waitpid: child %d was killed by signal %d", (int)pid, WTERMSIG(*status));
    return report;
}

static void *add_one(void *arg)
{
    (void)arg;
    counter += 1; /* main reads it only after joining this thread */
    say("counter += 1 -> %d", counter);
    return NULL;
}

static const lab_option options[] = {
    LAB_INT("exit-status", &exit_status, 0, 255, "N", "the status the child exits with"),
    LAB_FLAG("fork-while-locked", &fork_while_locked,
             "broken: fork while another thread holds a mutex; in the child it stays locked"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "fork",
    .summary = "processes vs threads: a child's write stays in its own copy, a thread's is shared",
    .python = "pid = os.fork(); multiprocessing.Process(target=f).start(); p.join(); p.exitcode "
              "(Threads and processes)",
    .details = "Part 1: a thread adds 1 to a global counter; after the join main sees it.\n"
               "Part 2: from 0 again, fork(); the child adds 1, reports it through a pipe, exits;\n"
               "the parent waits (waitpid), decodes the status; its counter is still 0.\n"
               "--fork-while-locked: fork while a thread holds data_lock: the child never gets it",
    .options = options,
    .uncontrollable = "fork() copies the process with only its calling thread, and a "
                      "schedule steers the threads of one process",
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    LAB_SETUP(lab_event_init(&holding));
    LAB_SETUP(lab_event_init(&forked));
    lab_thread *holder = NULL;
    if (fork_while_locked) {
        holder = lab_thread_start(hold_the_lock, NULL, LAB_THREAD_NOT_DAEMON, "holder");
        lab_event_wait(&holding); /* fork only while holder has the lock */
    }

    int before = counter, status = 0;
    say("counter = %d; a thread adds 1 to it", counter);
    lab_thread_join(lab_thread_start(add_one, NULL, LAB_THREAD_NOT_DAEMON, "adder"));
    bool thread_write_seen = counter == before + 1;
    say("after the join, main sees counter = %d: threads share the process's memory", counter);

    counter = before = 0; /* again from 0, now with a process */
    child_report report = fork_a_child(&status);
    int after_fork = counter;
    bool child_write_seen = after_fork != before;
    say("the child's counter was %d; here it is still %d: the child changed its own copy",
        report.counter, after_fork);
    if (holder != NULL) {
        lab_thread_join(holder);
        lab_pthread_mutex_lock(&data_lock); /* in the parent the lock works as ever */
        say("locked data_lock: here its owner existed, and released it");
        lab_pthread_mutex_unlock(&data_lock);
    }

    char exit_text[32]; /* "3", or "signal-9" */
    snprintf(exit_text, sizeof exit_text, WIFEXITED(status) ? "%d" : "signal-%d",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    lab_result("child_counter=%d parent_counter_after_fork=%d parent_sees_child_write=%s "
               "parent_sees_thread_write=%s child_exit_status=%s child_got_lock=%s",
               report.counter, after_fork, child_write_seen ? "yes" : "no",
               thread_write_seen ? "yes" : "no", exit_text, report.got_lock ? "yes" : "no");
    return 0;
}
