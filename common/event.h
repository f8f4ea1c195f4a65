/* event.h — a flag that threads can wait on: set() wakes every waiter.
 *
 * Python: threading.Event. set() raises the flag and wakes every thread blocked in
 * wait(); clear() lowers it; is_set() reads it; wait() returns at once while the flag
 * is up and blocks while it is down; wait(timeout) gives up after the timeout and
 * returns whether the flag was set.
 *
 * Built on a mutex and a condition variable (pthreads has no event). Two details:
 *   - spurious wake-ups: pthread_cond_wait may return although nobody signalled, so
 *     every wait re-checks in a loop and only returns for a real set() or the timeout;
 *   - set() then clear() at once: every thread that was waiting when set() was called
 *     returns true, even if the flag is already down again by the time it runs (as in
 *     Python). A bare `while (!flag) wait` would send those threads back to sleep and
 *     miss the pulse; a counter of set() calls (generation) tells them it happened.
 *
 * Time: wait() blocks with no limit; wait_timeout(s) waits at most s >= 0 class seconds
 * (scaled by --speed), and 0 polls; a negative, NaN or infinite s is refused with EINVAL
 * (never read as "forever").
 *
 * Scheduling points (point.h), object = the event, word "event": WAIT just before a thread
 * blocks (only when the flag is down; under the internal lock, so it is exact), GET when
 * a wait saw the flag (also without blocking) and TIMEOUT when a timed wait gave up (both
 * after the internal unlock), RELEASE when set() raised a lowered flag (under the internal
 * lock, before the unlock that lets the waiters go: their GETs come after it).
 *
 * Fast paths: is_set(), clear(), and a wait() that finds the flag up take no lock (the
 * flag is an atomic bool); only set() and a wait() that must sleep do.
 *
 * LOCKING PROTOCOL: the event has its own internal mutex; no function here expects the
 * caller to hold a lock.
 */
#ifndef THREADLAB_EVENT_H
#define THREADLAB_EVENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct lab_event {
    pthread_mutex_t lock;
    pthread_cond_t changed;   /* broadcast by set() */
    atomic_bool flag;         /* raised under lock; read and lowered without it (event.c) */
    unsigned long generation; /* times the flag went up; protected by lock */
    int waiting;              /* threads blocked in a wait; protected by lock */
    atomic_int waking;        /* set() calls between their unlock and their wake-up */
} lab_event;

/* Set up an event with its flag down. Returns 0 or the pthread init error (nothing is
 * left initialised on error). */
int lab_event_init(lab_event *event);
/* Tear down an event nobody is waiting on. Call it before the event's memory goes away
 * (even when every wait is over): a set() may still be finishing its wake-up call, and
 * destroy waits for that (set() wakes after it unlocks: event.c says why). Aborts on a
 * pthread error (EBUSY: in use). */
void lab_event_destroy(lab_event *event);

/* Raise the flag and wake every waiting thread (set()). Aborts on a pthread error. */
void lab_event_set(lab_event *event);
/* Lower the flag (clear()); later waits block until the next set(). Can't fail. */
void lab_event_clear(lab_event *event);
/* Whether the flag is up right now (is_set()): a snapshot. Can't fail. */
bool lab_event_is_set(lab_event *event);

/* Block until the flag is set (wait()); returns at once if it is up. Aborts on a pthread
 * error. */
void lab_event_wait(lab_event *event);
/* Wait at most class_seconds >= 0 for the flag (wait(timeout); 0 polls). Returns 0 (the
 * flag was up, or a set() happened while waiting), ETIMEDOUT (no set() in time), or
 * EINVAL (negative, NaN or infinite class_seconds: nothing waited for). Python returns
 * True/False: here 0 is True. Aborts on a pthread error. */
int lab_event_wait_timeout(lab_event *event, double class_seconds)
    __attribute__((warn_unused_result));

/* How many threads are blocked in a wait right now (a snapshot, for stories and tests;
 * Python has no such call). Aborts on a pthread error. */
int lab_event_waiting(lab_event *event);

#endif
