/* ilock_log.c — the instrumented locks' event log (see ilock_log.h).
 *
 * A log is one array of slots and a counter. A recording thread takes the next index with
 * one atomic add, fills its slot, and marks it ready; a reader copies ready slots from the
 * start and stops at the first one still being written, so what it returns has no gap.
 * ilock.c calls lab_ilock_note() (ilock_internal.h) at each step of a lock operation.
 */
#include "ilock_internal.h"

#include "clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct log_slot {
    lab_ilock_event event;
    atomic_bool ready; /* set (release) once event is written; a slot is written once */
} log_slot;

struct lab_ilock_log {
    size_t capacity;
    atomic_size_t next; /* events recorded so far, kept or not */
    log_slot slots[];
};

_Atomic(lab_ilock_log *) lab_ilock_recording; /* the log being written, or NULL */
static _Atomic(lab_ilock_log *) last_log;     /* the log lab_ilock_log_read reads */

void lab_ilock_log_append(lab_ilock_log *log, const char *lock, const char *thread,
                          lab_ilock_event_kind kind)
{
    size_t index = atomic_fetch_add_explicit(&log->next, 1, memory_order_relaxed);
    if (index >= log->capacity)
        return;
    log_slot *slot = &log->slots[index];
    slot->event.time =
        lab_elapsed(); /* a release is noted before its unlock: before the next acquire */
    slot->event.kind = kind;
    memcpy(slot->event.thread, thread, sizeof slot->event.thread);
    memcpy(slot->event.lock, lock, sizeof slot->event.lock);
    atomic_store_explicit(&slot->ready, true, memory_order_release);
}

int lab_ilock_log_start(size_t capacity)
{
    lab_ilock_log *log = calloc(1, sizeof *log + capacity * sizeof log->slots[0]);
    if (log == NULL)
        return ENOMEM;
    log->capacity = capacity;
    ATOMIC_FOR_HELGRIND(log, sizeof *log + capacity * sizeof log->slots[0]);
    ATOMIC_FOR_HELGRIND(&lab_ilock_recording, sizeof lab_ilock_recording);
    ATOMIC_FOR_HELGRIND(&last_log, sizeof last_log);
    lab_ilock_log_free();
    atomic_store(&last_log, log);
    atomic_store(&lab_ilock_recording, log);
    return 0;
}

void lab_ilock_log_stop(void)
{
    atomic_store(&lab_ilock_recording, NULL);
}

size_t lab_ilock_log_read(lab_ilock_event *events, size_t max, size_t *dropped)
{
    lab_ilock_log *log = atomic_load(&last_log);
    size_t copied = 0, recorded = 0;
    if (log != NULL) {
        recorded = atomic_load(&log->next);
        size_t kept = recorded < log->capacity ? recorded : log->capacity;
        /* Stop at the first slot still being written: what is returned has no gap. */
        while (copied < max && copied < kept &&
               atomic_load_explicit(&log->slots[copied].ready, memory_order_acquire)) {
            events[copied] = log->slots[copied].event;
            copied++;
        }
    }
    if (dropped != NULL)
        *dropped = log != NULL && recorded > log->capacity ? recorded - log->capacity : 0;
    return copied;
}

void lab_ilock_log_free(void)
{
    atomic_store(&lab_ilock_recording, NULL);
    free(atomic_exchange(&last_log, NULL));
}

const char *lab_ilock_event_name(lab_ilock_event_kind kind)
{
    static const char *const names[] = {"waiting", "acquired", "released",
                                        "busy",    "deadlock", "timeout"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}
