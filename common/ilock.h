/* ilock.h — an instrumented lock for teaching: a mutex that knows its name and its owner,
 * waits with a deadline, and explains a deadlock instead of hanging silently.
 *
 * Python's threading.Lock hangs quietly when two threads wait for each other (seed 003,
 * the two bank accounts). This lock is a pthread_mutex_t plus what a teacher wants to see:
 *   - its name and its owner thread (by the thread's lab name), so an unlock by a thread
 *     that does not hold it is reported and refused (EPERM) instead of being undefined;
 *   - a wait with a deadline: when it passes, the lock follows the waits
 *     (this thread waits for lock L, held by thread T, which waits for lock M, held by ...)
 *     and says what it found, one whole say() line at a time:
 *         deadlock: t1 holds [hepang], waits for [luoziyao] (held by t2)
 *                   t2 holds [luoziyao], waits for [hepang] (held by t1)
 *                   t1 gives up (EDEADLK) after 2.00 s; the others keep waiting
 *     A cycle of any length is found, and a lock taken twice by its own owner is a cycle of
 *     one, reported at once. The thread that found the cycle is its victim: it gets EDEADLK
 *     and must back out (release what it holds); the others in the cycle are spared (their
 *     clock restarts), so exactly one thread per deadlock backs out.
 *     No cycle: ETIMEDOUT, with the chain of waits it found;
 *   - an optional event log (off by default): when each thread began to wait for, got,
 *     and released each lock, for timelines.
 * When nobody waits, a lock/unlock pair is a trylock and an unlock plus a few plain loads
 * and stores: about 3 ns more than a bare pthread_mutex_lock/unlock on a 2-CPU VM
 * (tests/bench/bench_ilock.c measures it). The event log, when on, costs more (~70 ns).
 *
 * LOCKING PROTOCOL: the caller holds no lock of this module when calling any function
 * here; internally, each ilock's mutex is taken by its users, and one global table lock
 * (never held while waiting for an ilock or printing) protects the wait-for table, the
 * list of locks and thread records. lab_ilock_unlock must be called by the owner.
 */
#ifndef THREADLAB_ILOCK_H
#define THREADLAB_ILOCK_H

#include "thread.h"   /* LAB_NAME_MAX */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define LAB_ILOCK_NAME_MAX 24   /* longest lock name kept, including the final NUL */

typedef struct lab_ilock_thread lab_ilock_thread;   /* a thread, as the locks know it */

typedef struct lab_ilock {
    pthread_mutex_t mutex;                 /* the real lock */
    char name[LAB_ILOCK_NAME_MAX];         /* set once by lab_ilock_init */
    _Atomic(lab_ilock_thread *) owner;     /* who holds it, NULL when free: written by the owner */
    struct lab_ilock *next;                /* the list of every lock: protected by the table lock */
} lab_ilock;

/* Make a free lock called `name` (cut to LAB_ILOCK_NAME_MAX - 1 characters).
 * Returns 0 or the error of pthread_mutex_init; on error nothing is left initialised. */
int lab_ilock_init(lab_ilock *lock, const char *name);
/* Forget the lock. Destroying a lock that somebody holds is a bug: aborts. */
void lab_ilock_destroy(lab_ilock *lock);

/* Take the lock, waiting at most `timeout` class seconds (scaled by --speed).
 * Returns 0 (the caller now holds it), or, with the wait-for picture said:
 *   EDEADLK    the caller is in a cycle of waits (or already holds this lock): it must
 *              release what it holds for the others to go on;
 *   ETIMEDOUT  the deadline passed without a cycle through the caller.
 * timeout <= 0 waits forever, like pthread_mutex_lock (the real hang, for gdb). */
int lab_ilock_lock(lab_ilock *lock, double timeout);
/* Take the lock if it is free. Returns 0, or EBUSY when anybody (the caller too) holds it. */
int lab_ilock_trylock(lab_ilock *lock);
/* Release the lock. Returns 0, or EPERM when the caller does not hold it: the lock is left
 * as it was and a line names the lock, the caller and the owner. */
int lab_ilock_unlock(lab_ilock *lock);

/* The lock's name. */
const char *lab_ilock_name(const lab_ilock *lock);
/* Whether the calling thread holds the lock. Can't fail. */
bool lab_ilock_held_by_me(const lab_ilock *lock);
/* Whether anybody holds the lock; if so and name is not NULL, copies the owner's name. */
bool lab_ilock_owner(const lab_ilock *lock, char *name, size_t size);

/* ---- the event log, for timelines ---- */

typedef enum lab_ilock_event_kind {
    LAB_ILOCK_WAITING,    /* began to wait: somebody else held the lock */
    LAB_ILOCK_ACQUIRED,   /* got the lock */
    LAB_ILOCK_RELEASED,   /* let it go (recorded just before the real unlock) */
    LAB_ILOCK_BUSY,       /* lab_ilock_trylock found it held */
    LAB_ILOCK_DEADLOCK,   /* stopped waiting: EDEADLK */
    LAB_ILOCK_TIMEOUT,    /* stopped waiting: ETIMEDOUT */
} lab_ilock_event_kind;

typedef struct lab_ilock_event {
    double time;                        /* lab_elapsed() when it happened: real seconds */
    lab_ilock_event_kind kind;
    char thread[LAB_NAME_MAX];          /* who */
    char lock[LAB_ILOCK_NAME_MAX];      /* which lock */
} lab_ilock_event;

/* Start recording into a fresh log of `capacity` events; once full, later events are
 * dropped (and counted). Replaces and frees any earlier log. Call while no other thread
 * uses an ilock. Returns 0, or ENOMEM (then nothing is recorded). */
int lab_ilock_log_start(size_t capacity);
/* Stop recording; what was recorded stays readable. Can't fail. */
void lab_ilock_log_stop(void);
/* Copy up to max recorded events, in the order they were recorded, into events; returns
 * how many were copied. Per thread that order is the order of its calls; a release is
 * recorded before the next owner's acquisition. Safe while threads record. If dropped is
 * not NULL, *dropped is the number of events the full log could not keep. */
size_t lab_ilock_log_read(lab_ilock_event *events, size_t max, size_t *dropped);
/* Stop recording and free the log. Call while no other thread uses an ilock. */
void lab_ilock_log_free(void);
/* The kind as a word: "waiting", "acquired", "released", "busy", "deadlock", "timeout". */
const char *lab_ilock_event_name(lab_ilock_event_kind kind);

#endif
