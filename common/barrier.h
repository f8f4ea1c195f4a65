/* barrier.h — Python's threading.Barrier as an object: parties, n_waiting, broken, an
 * action, abort and reset.
 *
 * Python: Barrier(parties, action=None). wait() blocks until `parties` threads have
 * called it, then lets them all go and returns each an index in 0..parties-1, different
 * for each (here, as in CPython, the arrival order: the last to arrive gets parties-1).
 * Before they go, one thread (the last to arrive, as in CPython) runs the action. The
 * barrier is then ready for the next round. A wait(timeout) that times out *breaks* the
 * barrier: every thread waiting at it, and every later wait, fails with
 * BrokenBarrierError, until reset(). abort() breaks it on purpose; reset() makes it
 * usable again, and threads waiting at that moment get BrokenBarrierError. An action
 * that raises breaks it too. n_waiting counts the threads waiting in this round.
 *
 * Where C differs (deliberately):
 *   - BrokenBarrierError is EPIPE ("broken pipe": the mnemonic for broken);
 *   - the thread whose own timeout broke the barrier gets ETIMEDOUT, not EPIPE, so it
 *     knows it was the one (CPython raises BrokenBarrierError there too); the others EPIPE;
 *   - the action returns 0 or an error number instead of raising: non-zero breaks the
 *     barrier, and the thread that ran it gets that number (the others EPIPE);
 *   - the action runs outside the barrier's internal lock, so it may look at the barrier;
 *   - no default timeout in the constructor: pass one to lab_barrier_wait_timeout.
 * Why not pthread_barrier_t: it has no timeout, no abort, no reset, no n_waiting, and
 * tells only one thread "you are the serial one" instead of giving each an index.
 *
 * Scheduling points (kind "barrier"): WAIT when a thread is about to block for the others
 * (or for the previous round to drain), GET when it goes through an open barrier,
 * RELEASE by the last arrival when it opens the barrier (after the action), and by
 * abort() and reset(); TIMEOUT when a wait ends with an error (timed out or broken).
 * Points are reported outside the internal mutex.
 *
 * LOCKING PROTOCOL: the barrier has its own internal mutex; no function here expects the
 * caller to hold a lock. Durations are class seconds (scaled by --speed).
 */
#ifndef THREADLAB_BARRIER_H
#define THREADLAB_BARRIER_H

#include <pthread.h>
#include <stdbool.h>

/* The action: run by one thread per round, before the others are let go. Returns 0, or
 * an error number, which breaks the barrier (Python: the action raised). */
typedef int (*lab_barrier_action)(void *arg);

typedef enum lab_barrier_state {
    LAB_BARRIER_FILLING,   /* threads arrive for this round */
    LAB_BARRIER_ACTING,    /* all arrived; the last one runs the action */
    LAB_BARRIER_DRAINING,  /* open: this round's threads are leaving */
    LAB_BARRIER_RESETTING, /* reset() while threads waited: they are leaving, EPIPE */
    LAB_BARRIER_BROKEN,    /* timed out, aborted or the action failed */
} lab_barrier_state;

typedef struct lab_barrier {
    pthread_mutex_t lock;      /* protects every field below but parties and action */
    pthread_cond_t changed;    /* broadcast whenever state or count changes */
    int parties;               /* threads per round; never changes after init */
    lab_barrier_action action; /* may be NULL */
    void *action_arg;
    lab_barrier_state state;
    int count; /* threads inside wait() for this round (not yet left) */
} lab_barrier;

/* Set up a barrier for `parties` threads (Barrier(parties, action)); action may be NULL.
 * Returns 0, EINVAL when parties < 1 (Python's ValueError), or the pthread init error
 * (nothing is left initialised on error). */
int lab_barrier_init(lab_barrier *barrier, int parties, lab_barrier_action action, void *arg);
/* Tear down a barrier no thread is inside. Destroying one with threads inside wait() is a
 * bug: aborts ("fatal: lab_barrier_destroy ...: Device or resource busy"). */
void lab_barrier_destroy(lab_barrier *barrier);

/* Wait for the round to fill (wait()). Returns 0 and the arrival index (0..parties-1)
 * in *index (if index is not NULL); EPIPE when the barrier is or becomes broken, or is
 * reset while this thread waits; the action's error number in the thread that ran a
 * failing action. Aborts on a pthread error. */
int lab_barrier_wait(lab_barrier *barrier, int *index);
/* The same, waiting at most class_seconds (wait(timeout)) for the round to fill; 0 polls:
 * unless this thread fills the round, the barrier breaks at once, as in Python. (Waiting for
 * the previous round to leave, which needs nobody else, is not timed, as in Python.) Returns as lab_barrier_wait,
 * or ETIMEDOUT when this thread's wait timed out (the barrier is then broken for
 * everyone), or EINVAL for a negative, NaN or infinite duration (nothing is done).
 * Aborts on a pthread error. */
int lab_barrier_wait_timeout(lab_barrier *barrier, double class_seconds, int *index);

/* Break the barrier (abort()): threads waiting get EPIPE, and so does every later wait
 * until lab_barrier_reset. Aborts on a pthread error. */
void lab_barrier_abort(lab_barrier *barrier);
/* Return the barrier to its empty state (reset()); threads waiting at this moment get
 * EPIPE; a round already open finishes as opened. Aborts on a pthread error. */
void lab_barrier_reset(lab_barrier *barrier);

/* Threads per round (parties). Can't fail. */
int lab_barrier_parties(const lab_barrier *barrier);
/* Threads waiting in the current round (n_waiting): 0 once it opened or broke; parties
 * while the action runs (as CPython). A snapshot.
 * Aborts on a pthread error. */
int lab_barrier_n_waiting(lab_barrier *barrier);
/* Whether the barrier is broken (broken). Aborts on a pthread error. */
bool lab_barrier_broken(lab_barrier *barrier);

#endif
