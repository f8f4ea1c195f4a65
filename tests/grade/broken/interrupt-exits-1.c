/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/interrupt.c with one
 * change: a program ended by Ctrl-C exits 1 instead of 128 + the signal number (130).
 * Try: make grade MODULE=interrupt SRC=tests/grade/broken/interrupt-exits-1.c
 * grade: module interrupt
 * expect: FAIL ; sigint_exits_130_after_atexit_handlers
 */
/* interrupt.c — a thread that turns Ctrl-C into exit() (see interrupt.h). */
#include "interrupt.h"

#include "checked.h"
#include "thread.h"

#include <signal.h>
#include <stdlib.h>

static sigset_t interrupting;

/* The "signals" thread: sleeps in sigwait() until one of the signals arrives. */
static void *wait_for_interrupt(void *unused)
{
    (void)unused;
    int signal_number;
    LAB_CHECK(sigwait(&interrupting, &signal_number));
    (void)signal_number;
    exit(1); /* BROKEN: the shell cannot tell Ctrl-C from a failure (its convention: 128 + N) */
}

void lab_interrupt_exit_on_signal(void)
{
    sigemptyset(&interrupting);
    sigaddset(&interrupting, SIGINT);
    sigaddset(&interrupting, SIGTERM);
    sigaddset(&interrupting, SIGHUP);
    LAB_CHECK(pthread_sigmask(SIG_BLOCK, &interrupting, NULL));
    lab_thread_start(wait_for_interrupt, NULL, LAB_THREAD_DAEMON, "signals");
}
