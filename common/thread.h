/* thread.h — threads with names, a registry, and Python's exit rule.
 *
 * Python's threading.Thread gives every thread a name, counts the live ones
 * (active_count, enumerate, current_thread().name) and, when the main program ends,
 * waits for every thread that is not a daemon. pthreads has none of that: returning
 * from main() ends the process and kills every thread mid-sentence. This module adds
 * those pieces on top of pthread_create:
 *   - the name is shown by gdb's `info threads`, `top -H` and every say() line;
 *   - lab_main_exit() waits for the non-daemon threads and then exits, as Python does;
 *   - a handle for every thread started here and for the main thread (main_thread(),
 *     current_thread()), with its name, daemon flag, ident and native_id;
 *   - threading.stack_size(): a process-wide stack size for threads started afterwards.
 *
 * Python's Thread is made first and started later, and its daemon flag may be set in
 * between (t.daemon = True, setDaemon); after start() Python refuses (RuntimeError). A
 * lab_thread exists only from lab_thread_start() on (an object that is a thread is
 * started and joined: there is no made-but-not-started state to configure), so the
 * flag is start's argument, the one moment Python allows setting it; lab_thread_is_daemon()
 * reads it. LAB_THREAD_INHERIT is Python's daemon=None: as the starting thread.
 *
 * Threads started with a bare pthread_create() (Python's _thread.start_new_thread) are
 * unknown here: not counted, not listed, not waited for; their name is "?" and
 * lab_thread_current() is NULL in them (Python would invent a dummy Thread object).
 *
 * LOCKING PROTOCOL: the registry has its own internal mutex; no function here expects
 * the caller to hold a lock.
 * fork(): the child starts with only the forking thread, which becomes its main thread;
 * the parent's other threads count as ended there (as Python does after os.fork()).
 */
#ifndef THREADLAB_THREAD_H
#define THREADLAB_THREAD_H

#include <stdbool.h>
#include <stddef.h>

#define LAB_THREAD_NAME_MAX 32 /* longest thread name kept, including the final NUL */

typedef struct lab_thread lab_thread;

/* A thread function: pthread's own signature. */
typedef void *(*lab_thread_fn)(void *arg);

typedef enum {
    LAB_THREAD_NOT_DAEMON = 0, /* lab_main_exit() waits for it (Python's default) */
    LAB_THREAD_DAEMON = 1,     /* cut off when the program exits (Thread(daemon=True)) */
    LAB_THREAD_INHERIT = 2,    /* as the starting thread (daemon=None; main is not one) */
} lab_thread_daemon;

/* Start fn(arg) on a new thread named by the printf-style format (names longer than
 * 15 characters are shortened for the kernel, kept whole for say()), with the stack size
 * of lab_thread_set_stack_size() if one was set. Returns its handle.
 * When the system refuses a new thread (e.g. EAGAIN: too many threads), prints
 * "<program>: cannot start thread '<name>': <reason>" and exits with status 1. */
lab_thread *lab_thread_start(lab_thread_fn fn, void *arg, lab_thread_daemon daemon,
                             const char *name_format, ...) __attribute__((format(printf, 4, 5)));

/* Wait for the thread to end (pthread_join), with no limit, and return what fn returned.
 * The handle is freed: use it no more. Joining a thread twice is a bug (aborts). In the child of a
 * fork(), the parent's threads do not exist: joining one returns NULL at once. */
void *lab_thread_join(lab_thread *thread);

/* Python's join(timeout): wait at most class_seconds (scaled; 0 looks once). Returns 0
 * when the thread ended: its result is in *result if result is not NULL, and the handle
 * is freed. Returns ETIMEDOUT when it is still running, EINVAL for a negative, NaN or
 * infinite duration (nothing happens): the handle stays valid. Joining a thread that
 * another caller is joining aborts, as for lab_thread_join. */
int lab_thread_join_timeout(lab_thread *thread, double class_seconds, void **result);

/* Whether fn is still running (Python's is_alive()). Can't fail (aborts on a pthread error). */
bool lab_thread_is_alive(const lab_thread *thread);
/* The thread's name (t.name). It changes only if the thread renames itself, which is then
 * a race with another thread reading it. Can't fail. */
const char *lab_thread_name(const lab_thread *thread);
/* Whether the thread is a daemon (t.daemon, t.isDaemon()). Can't fail. */
bool lab_thread_is_daemon(const lab_thread *thread);
/* Python's t.ident: the pthread_t as a number (what pthread_self() returns in it). It may
 * be reused by a thread started after this one ended. Can't fail. */
unsigned long lab_thread_ident(const lab_thread *thread);
/* Python's t.native_id: the kernel's thread id (gettid(); top -H, /proc/<pid>/task, gdb's
 * "LWP"). Python's start() waits until the thread runs, so it is known at once; here the
 * call waits the few microseconds until the new thread has recorded it. 0 for a thread
 * that fork() left behind before it began. Aborts only on a pthread error. */
long lab_thread_native_id(const lab_thread *thread);

/* The calling thread's ident and native id, in any thread, also one not started here
 * (threading.get_ident(), threading.get_native_id()). Can't fail. */
unsigned long lab_thread_get_ident(void);
long lab_thread_get_native_id(void);

/* The calling thread's handle (current_thread()), NULL in a thread not started here; and
 * the main thread's (main_thread()): after fork() in a child, the thread that forked.
 * The handles are const: joining yourself or main is refused by the compiler (Python:
 * RuntimeError). Can't fail. */
const lab_thread *lab_thread_current(void);
const lab_thread *lab_thread_main(void);

/* Python's threading.stack_size(): the stack size of threads started from now on, in
 * bytes; 0 means the system's default (ulimit -s, usually 8 MiB). Can't fail. */
size_t lab_thread_stack_size(void);
/* Set it: 0 (the default) or at least PTHREAD_STACK_MIN bytes. Returns 0, or EINVAL for
 * a smaller size (nothing changes). A size the system cannot give makes the next start
 * fail (Python: RuntimeError "can't start new thread"). Aborts only on a pthread error. */
int lab_thread_set_stack_size(size_t bytes);

/* The calling thread's name (current_thread().name): "main" in main() unless it renamed
 * itself, "?" in a thread not started here. Can't fail. */
const char *lab_thread_current_name(void);
/* Rename the calling thread (current_thread().name = ...; for say(), the debugger and
 * enumerate); the text is copied (at most LAB_THREAD_NAME_MAX - 1 characters kept).
 * Aborts only on a pthread error. */
void lab_thread_set_current_name(const char *name);

/* Live threads, counting the main thread (Python's threading.active_count()). Aborts
 * only on a pthread error, as every function here. */
int lab_thread_active_count(void);
/* Copy the names of the live threads (main first, by its current name) into
 * names[0..max-1]; returns how many are live, which may be more than max (Python's
 * threading.enumerate()). Aborts only on a pthread error. */
size_t lab_thread_enumerate(char names[][LAB_THREAD_NAME_MAX], size_t max);

/* Python's interpreter exit: wait for every non-daemon thread (including those they
 * start meanwhile), then exit(status). Daemon threads still running are cut off.
 * Functions registered with atexit() run after the wait, as Python's atexit does.
 * Never returns; aborts on a pthread error. */
_Noreturn void lab_main_exit(int status);

#endif
