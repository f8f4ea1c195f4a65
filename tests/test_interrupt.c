/* test_interrupt.c — Ctrl-C and SIGTERM end the program through exit(): atexit runs. */
#include "support.h"

#include "clock.h"
#include "interrupt.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void cleanup(void)
{
    printf("cleanup ran\n");
    fflush(stdout);
}

/* In a child: arm the interrupt thread, register cleanup, get signalled, block "forever". */
static void interrupted_while_busy(void *signal_number)
{
    atexit(cleanup);
    lab_interrupt_exit_on_signal();
    /* A process-directed signal, as the shell sends on Ctrl-C. It is blocked here in main,
     * so the "signals" thread takes it. (Sent from main, not from a helper thread: a thread
     * still joinable when exit() comes would be a leak in ThreadSanitizer's eyes.) */
    kill(getpid(), *(int *)signal_number);
    lab_sleep(20); /* the signal ends this early, through exit() */
    printf("slept through it\n");
}

START_TEST(sigint_exits_130_after_atexit_handlers)
{
    int signal_number = SIGINT;
    child_run run = run_in_child(interrupted_while_busy, &signal_number, 10);
    ck_assert(!run.timed_out);
    ck_assert_int_eq(run.exit_code, 128 + SIGINT);
    ck_assert_str_eq(run.out, "cleanup ran\n");
    child_run_free(&run);
}
END_TEST

START_TEST(sigterm_exits_143_after_atexit_handlers)
{
    int signal_number = SIGTERM;
    child_run run = run_in_child(interrupted_while_busy, &signal_number, 10);
    ck_assert_int_eq(run.exit_code, 128 + SIGTERM);
    ck_assert_str_eq(run.out, "cleanup ran\n");
    child_run_free(&run);
}
END_TEST

static Suite *interrupt_suite(void)
{
    Suite *suite = suite_create("interrupt");
    TCase *tc = tcase_create("interrupt");
    tcase_set_timeout(tc, 15);
    tcase_add_test(tc, sigint_exits_130_after_atexit_handlers);
    tcase_add_test(tc, sigterm_exits_143_after_atexit_handlers);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(interrupt_suite)
