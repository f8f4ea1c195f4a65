/* ilock_log.h — the instrumented locks' event log, for timelines: when each thread began to
 * wait for, got, and released each lab_ilock (ilock.h). Off by default; when on, each lock
 * operation costs about 70 ns more. (The scheduling points of point.h say the same for
 * every module; this log stays for what reads it today: test_ilock, bench_ilock.)
 *
 * LOCKING PROTOCOL: none for the caller; recording is lock-free (one atomic add per event).
 * lab_ilock_log_start and lab_ilock_log_free must be called while no other thread uses an
 * ilock.
 */
#ifndef THREADLAB_ILOCK_LOG_H
#define THREADLAB_ILOCK_LOG_H

#include "ilock.h" /* LAB_ILOCK_NAME_MAX, LAB_THREAD_NAME_MAX */

#include <stddef.h>

typedef enum lab_ilock_event_kind {
    LAB_ILOCK_WAITING,  /* began to wait: somebody else held the lock */
    LAB_ILOCK_ACQUIRED, /* got the lock */
    LAB_ILOCK_RELEASED, /* let it go (recorded just before the real unlock) */
    LAB_ILOCK_BUSY,     /* lab_ilock_trylock found it held */
    LAB_ILOCK_DEADLOCK, /* stopped waiting: EDEADLK */
    LAB_ILOCK_TIMEOUT,  /* stopped waiting: ETIMEDOUT */
} lab_ilock_event_kind;

typedef struct lab_ilock_event {
    double time; /* lab_elapsed() when it happened: real seconds */
    lab_ilock_event_kind kind;
    char thread[LAB_THREAD_NAME_MAX]; /* who */
    char lock[LAB_ILOCK_NAME_MAX];    /* which lock */
} lab_ilock_event;

/* Start recording into a fresh log of `capacity` events; once full, later events are
 * dropped (and counted). Replaces and frees any earlier log. Returns 0, or ENOMEM (then
 * nothing is recorded). */
int lab_ilock_log_start(size_t capacity);
/* Stop recording; what was recorded stays readable. Can't fail. */
void lab_ilock_log_stop(void);
/* Copy up to max recorded events, in the order they were recorded, into events; returns
 * how many were copied. Per thread that order is the order of its calls; a release is
 * recorded before the next owner's acquisition. Safe while threads record. If dropped is
 * not NULL, *dropped is the number of events the full log could not keep. Can't fail. */
size_t lab_ilock_log_read(lab_ilock_event *events, size_t max, size_t *dropped);
/* Stop recording and free the log. Can't fail. */
void lab_ilock_log_free(void);
/* The kind as a word: "waiting", "acquired", "released", "busy", "deadlock", "timeout".
 * Can't fail ("?" for a value out of range). */
const char *lab_ilock_event_name(lab_ilock_event_kind kind);

#endif
