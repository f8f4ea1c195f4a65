/* ilock.h — an instrumented lock for teaching: a mutex that knows its name and its owner,
 * waits with a deadline, and explains a deadlock instead of hanging silently.
 *
 * Python's threading.Lock hangs quietly when two threads wait for each other (the two bank
 * accounts of the deadlock demo). This lock is a pthread_mutex_t plus what a teacher wants
 * to see:
 *   - its name and its owner thread (by the thread's lab name), so an unlock by a thread
 *     that does not hold it is reported and refused (EPERM) instead of being undefined;
 *   - a timed wait that, when its deadline passes, follows the waits (this thread waits for
 *     lock L, held by thread T, which waits for lock M, held by ...) and says what it found,
 *     one whole say() line at a time (ilock_report.c writes the picture):
 *         deadlock: t1 holds [hepang], waits for [luoziyao] (held by t2)
 *                   t2 holds [luoziyao], waits for [hepang] (held by t1)
 *                   t1 gives up (EDEADLK) after 2.00 s; the others keep waiting
 *     A cycle of any length is found, and a lock taken twice by its own owner is a cycle of
 *     one, reported at once. The thread that found the cycle is its victim: it gets EDEADLK
 *     and must back out (release what it holds); the others in the cycle are spared (their
 *     clock restarts), so exactly one thread per deadlock backs out.
 *     No cycle: ETIMEDOUT, with the chain of waits it found;
 *   - scheduling points (point.h): WAIT when it must block, GET, TIMEOUT (for EDEADLK too,
 *     after a MARK "deadlock found"), RELEASE; and an optional event log (ilock_log.h).
 * Time follows the library's one rule: lab_ilock_lock waits with no limit (a plain mutex's
 * wait: the real hang, for gdb), lab_ilock_lock_timeout for at most `seconds` >= 0 (0 polls).
 * When nobody waits, a lock/unlock pair is a trylock and an unlock plus a few plain loads
 * and stores: about 3 ns more than a bare pthread_mutex_lock/unlock on a 2-CPU VM
 * (tests/bench/bench_ilock.c measures it).
 *
 * LOCKING PROTOCOL: the caller holds no lock of this module when calling any function
 * here; internally, each ilock's mutex is taken by its users, and one global table lock
 * (never held while waiting for an ilock or printing) protects the wait-for table, the
 * list of locks and thread records. lab_ilock_unlock must be called by the owner.
 */
#ifndef THREADLAB_ILOCK_H
#define THREADLAB_ILOCK_H

#include "thread.h" /* LAB_THREAD_NAME_MAX */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define LAB_ILOCK_NAME_MAX 24 /* longest lock name kept, including the final NUL */

typedef struct lab_ilock_thread lab_ilock_thread; /* a thread, as the locks know it */

typedef struct lab_ilock {
    pthread_mutex_t mutex;             /* the real lock */
    char name[LAB_ILOCK_NAME_MAX];     /* set once by lab_ilock_init */
    _Atomic(lab_ilock_thread *) owner; /* who holds it, NULL when free: written by the owner */
    struct lab_ilock *next;            /* the list of every lock: protected by the table lock */
} lab_ilock;

/* Make a free lock called `name` (cut to LAB_ILOCK_NAME_MAX - 1 characters), also its name
 * in timelines (lab_point_name). Returns 0 or the error of pthread_mutex_init (EAGAIN,
 * ENOMEM); on error nothing is left initialised. */
int lab_ilock_init(lab_ilock *lock, const char *name);
/* Forget the lock. Can't fail. Aborts when somebody holds it (a programming error). */
void lab_ilock_destroy(lab_ilock *lock);

/* Take the lock, waiting as long as it takes, like pthread_mutex_lock: no deadline, so no
 * cycle search; locking a lock the caller holds waits forever (the real self-deadlock, for
 * gdb; the timed form reports it instead). Returns 0. Aborts on a pthread error. */
int lab_ilock_lock(lab_ilock *lock);
/* Take the lock, waiting at most `seconds` class seconds (scaled by --speed); 0 polls
 * (one try, then the verdict at once). Returns 0 (the caller now holds it), EINVAL when
 * seconds is negative, NaN or infinite (nothing happens), or, with the wait-for picture said:
 *   EDEADLK    the caller is in a cycle of waits (or already holds this lock): it must
 *              release what it holds for the others to go on;
 *   ETIMEDOUT  the deadline passed without a cycle through the caller.
 * Aborts on a pthread error. */
int lab_ilock_lock_timeout(lab_ilock *lock, double seconds);
/* Take the lock if it is free. Returns 0, or EBUSY when anybody (the caller too) holds it.
 * Aborts on a pthread error. */
int lab_ilock_trylock(lab_ilock *lock);
/* Release the lock. Returns 0, or EPERM when the caller does not hold it: the lock is left
 * as it was and a line names the lock, the caller and the owner. Aborts on a pthread error. */
int lab_ilock_unlock(lab_ilock *lock);

/* The lock's name. Can't fail. */
const char *lab_ilock_name(const lab_ilock *lock);
/* Whether the calling thread holds the lock. Can't fail. */
bool lab_ilock_held_by_me(const lab_ilock *lock);
/* Whether anybody holds the lock; if so and name is not NULL, copies the owner's name
 * ("t1", or "t1 (ended)"). Can't fail. */
bool lab_ilock_owner(const lab_ilock *lock, char *name, size_t size);

#endif
