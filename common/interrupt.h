/* interrupt.h — let Ctrl-C end a threaded program through exit(), so cleanup runs.
 *
 * By default SIGINT (Ctrl-C) and SIGTERM kill the process on the spot: atexit() handlers
 * never run, and a demo that made temporary files leaves them behind. Python turns Ctrl-C
 * into a KeyboardInterrupt in the main thread, so `finally:` blocks still run.
 * The pthreads idiom: block the signals in every thread (threads inherit the signal mask
 * of the thread that creates them), and let one dedicated thread take them with
 * sigwait(): it runs ordinary code, so it may call exit(), which runs the atexit handlers.
 * (A signal *handler* could not: almost nothing is async-signal-safe, exit() included.)
 */
#ifndef THREADLAB_INTERRUPT_H
#define THREADLAB_INTERRUPT_H

/* From now on SIGINT, SIGTERM and SIGHUP make the program exit(128 + signal number):
 * atexit handlers run, then the process ends, whatever its threads were doing. Call it in
 * main() before starting any thread (they inherit the blocked mask). Starts a daemon thread
 * named "signals". Aborts on a pthread error.
 * The atexit handlers then run on the "signals" thread while the others go on: whatever they
 * read must be written before this call (starting the thread orders those writes before
 * it), or be protected by a lock or an atomic, like any data two threads share. */
void lab_interrupt_exit_on_signal(void);

#endif
