/* ilock_internal.h — what the three files of the instrumented lock share; not for demos.
 *   ilock.c         the lock and the cycle search (uses the three below)
 *   ilock_table.c   the list of every lock and the thread records, under the table lock
 *   ilock_log.c     the event log (ilock_log.h)
 *   ilock_report.c  the text of the wait-for picture
 * The three use nothing of ilock.c, nor of each other: what they need is passed to them.
 */
#ifndef THREADLAB_ILOCK_INTERNAL_H
#define THREADLAB_ILOCK_INTERNAL_H

#include "ilock.h"
#include "ilock_log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Helgrind (valgrind) does not model C11 atomics and would report the owner field and the
 * event log as races; where its header is installed, tell it they are meant. */
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#define ATOMIC_FOR_HELGRIND(address, size) \
    ANNOTATE_BENIGN_RACE_SIZED((address), (size), "C11 atomic")
#else
#define ATOMIC_FOR_HELGRIND(address, size) ((void)0)
#endif

/* ThreadSanitizer is told about each ilock as one mutex (named by the address of its name
 * field, since the real mutex sits at the lock's own address), and the pthread calls on
 * the real mutex are hidden from it between the pre and post calls. So TSan sees a
 * blocking lock where the code does a trylock or a timed wait: it can then report
 * lock-order inversions between ilocks. Without TSan these are no-ops. */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define TSAN_CREATE(l)           __tsan_mutex_create((l)->name, 0)
#define TSAN_DESTROY(l)          __tsan_mutex_destroy((l)->name, 0)
#define TSAN_PRE_LOCK(l, flags)  __tsan_mutex_pre_lock((l)->name, (flags))
#define TSAN_POST_LOCK(l, flags) __tsan_mutex_post_lock((l)->name, (flags), 0)
#define TSAN_PRE_UNLOCK(l)       __tsan_mutex_pre_unlock((l)->name, 0)
#define TSAN_POST_UNLOCK(l)      __tsan_mutex_post_unlock((l)->name, 0)
#define TSAN_TRY                 __tsan_mutex_try_lock
#define TSAN_FAILED              __tsan_mutex_try_lock_failed
#else
#define TSAN_CREATE(l)           ((void)0)
#define TSAN_DESTROY(l)          ((void)0)
#define TSAN_PRE_LOCK(l, flags)  ((void)0)
#define TSAN_POST_LOCK(l, flags) ((void)0)
#define TSAN_PRE_UNLOCK(l)       ((void)0)
#define TSAN_POST_UNLOCK(l)      ((void)0)
#define TSAN_TRY                 0u
#define TSAN_FAILED              0u
#endif

#define LAB_ILOCK_CHAIN_MAX 64 /* waits followed before the walk gives up */

/* A thread that has used an ilock. */
struct lab_ilock_thread {
    char name[LAB_THREAD_NAME_MAX]; /* written by the thread itself, under the table lock */
    lab_ilock *waiting_for;         /* table lock: the lock it waits for, or NULL */
    double waiting_since;           /* table lock: lab_now() when it began to wait */
    bool spared;            /* table lock: a victim is breaking its cycle: restart the clock */
    bool ended;             /* table lock: the thread ended while holding a lock */
    lab_ilock_thread *next; /* table lock: the list of every record */
};

/* One step of a chain of waits. */
typedef struct lab_ilock_hop {
    lab_ilock_thread *thread; /* waits for ... */
    lab_ilock *lock;          /* ... this lock, which is held by ... */
    lab_ilock_thread *owner;  /* ... this thread (NULL: it is free now) */
} lab_ilock_hop;

/* ---- ilock_table.c ---- */

/* Protects the list of locks and every record's table-lock fields. Never held while
 * waiting for an ilock or printing. */
extern pthread_mutex_t lab_ilock_table_lock;
extern _Thread_local lab_ilock_thread *lab_ilock_self; /* the caller's record, or NULL */
/* Make the calling thread's record, on its first use of an ilock; returns it. Exits 1 when
 * out of memory; aborts on a pthread error. */
lab_ilock_thread *lab_ilock_register_me(void) __attribute__((noinline, cold));
/* The first of every lock, in the order they were made (then lock->next). Call with the
 * table lock held. Can't fail. */
lab_ilock *lab_ilock_table_locks(void);
/* Put lock at the end of the list / take it off (takes the table lock). Can't fail. */
void lab_ilock_table_add(lab_ilock *lock);
void lab_ilock_table_remove(lab_ilock *lock);

/* ---- ilock_log.c ---- */

typedef struct lab_ilock_log lab_ilock_log;
/* The log being written, or NULL: read by lab_ilock_note() on every lock operation. */
extern _Atomic(lab_ilock_log *) lab_ilock_recording;
/* Append one event to log, or count it dropped when the log is full. Can't fail. */
void lab_ilock_log_append(lab_ilock_log *log, const char *lock, const char *thread,
                          lab_ilock_event_kind kind);
/* Record an event if the log is on: one load and a branch when it is off. Can't fail. */
static inline void lab_ilock_note(const lab_ilock *lock, const lab_ilock_thread *thread,
                                  lab_ilock_event_kind kind)
{
    lab_ilock_log *log = atomic_load_explicit(&lab_ilock_recording, memory_order_acquire);
    if (log != NULL)
        lab_ilock_log_append(log, lock->name, thread->name, kind);
}

/* ---- ilock_report.c (every function expects the table lock held, but say_lines) ---- */

/* A growing text of lines, said one line at a time once the table lock is released. */
typedef struct lab_ilock_text {
    char *buffer;
    size_t used, size;
} lab_ilock_text;

/* The picture of a cycle of `hops` waits (every lock is on the list `locks`), then the
 * verdict for `me`, who waited `waited` class seconds. Exits 1 when out of memory. */
void lab_ilock_report_deadlock(lab_ilock_text *t, const lab_ilock *locks,
                               const lab_ilock_hop *chain, int hops, const lab_ilock_thread *me,
                               double waited);
/* The chain of waits that did not come back to me, where it ends, and the verdict.
 * Exits 1 when out of memory. */
void lab_ilock_report_timeout(lab_ilock_text *t, const lab_ilock *locks, const lab_ilock_hop *chain,
                              int hops, const lab_ilock_thread *me, double waited);
/* Say the text one line at a time, then free it. Call without the table lock. Can't fail. */
void lab_ilock_report_say(lab_ilock_text *t);

#endif
