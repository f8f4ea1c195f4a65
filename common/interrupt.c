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
    exit(128 + signal_number); /* the shell's convention for "ended by signal N" */
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
