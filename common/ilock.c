/* ilock.c — the instrumented lock (see ilock.h).
 *
 * Fast path: pthread_mutex_trylock, then write the owner. Nobody else is involved.
 * Slow path: write "I wait for L" in the wait-for table (under table_lock), wait for the
 * mutex in slices until the deadline, and at the deadline follow the waits:
 * me -> the lock I wait for -> its owner -> the lock that owner waits for -> ...
 * If that comes back to me, it is a deadlock.
 *
 * Why a reported cycle is real: a thread's "waiting for" is written under table_lock, and
 * an owner is cleared before the real unlock; so, reading under table_lock, the walk sees
 * every release a waiting thread made before it began to wait. A waiting thread cannot
 * release anything, so the owners it is seen with are still its locks.
 */
#include "ilock.h"

#include "checked.h"
#include "cli.h"
#include "clock.h"
#include "say.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ThreadSanitizer is told about each ilock as one mutex (named by the address of its name
 * field, since the real mutex sits at the lock's own address), and the pthread calls on
 * the real mutex are hidden from it between the pre and post calls. So TSan sees a
 * blocking lock where the code does a trylock or a timed wait: it can then report
 * lock-order inversions between ilocks. Without TSan these are no-ops. */
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define TSAN_CREATE(l) __tsan_mutex_create((l)->name, 0)
#define TSAN_DESTROY(l) __tsan_mutex_destroy((l)->name, 0)
#define TSAN_PRE_LOCK(l, flags) __tsan_mutex_pre_lock((l)->name, (flags))
#define TSAN_POST_LOCK(l, flags) __tsan_mutex_post_lock((l)->name, (flags), 0)
#define TSAN_PRE_UNLOCK(l) __tsan_mutex_pre_unlock((l)->name, 0)
#define TSAN_POST_UNLOCK(l) __tsan_mutex_post_unlock((l)->name, 0)
#define TSAN_TRY __tsan_mutex_try_lock
#define TSAN_FAILED __tsan_mutex_try_lock_failed
#else
#define TSAN_CREATE(l) ((void)0)
#define TSAN_DESTROY(l) ((void)0)
#define TSAN_PRE_LOCK(l, flags) ((void)0)
#define TSAN_POST_LOCK(l, flags) ((void)0)
#define TSAN_PRE_UNLOCK(l) ((void)0)
#define TSAN_POST_UNLOCK(l) ((void)0)
#define TSAN_TRY 0u
#define TSAN_FAILED 0u
#endif

/* Helgrind (valgrind) does not model C11 atomics and would report the owner field and the
 * event log as races; where its header is installed, tell it they are meant. */
#if __has_include(<valgrind/helgrind.h>)
#include <valgrind/helgrind.h>
#define ATOMIC_FOR_HELGRIND(address, size) ANNOTATE_BENIGN_RACE_SIZED((address), (size), "C11 atomic")
#else
#define ATOMIC_FOR_HELGRIND(address, size) ((void)0)
#endif

#define SLICE_SECONDS 0.05   /* real seconds per timed wait on the mutex */
#define CHAIN_MAX 64         /* waits followed before giving up the walk */

/* A thread that has used an ilock. */
struct lab_ilock_thread {
    char name[LAB_NAME_MAX];      /* written by the thread itself, under table_lock */
    lab_ilock *waiting_for;       /* table_lock: the lock it waits for, or NULL */
    double waiting_since;         /* table_lock: lab_now() when it began to wait */
    bool spared;                  /* table_lock: a victim is breaking its cycle: restart the clock */
    bool ended;                   /* table_lock: the thread ended while holding a lock */
    lab_ilock_thread *next;       /* table_lock: the list of every record */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static lab_ilock *all_locks;            /* table_lock: in the order they were made */
static lab_ilock_thread *all_threads;   /* table_lock */

static pthread_key_t record_key;                /* its destructor forgets an ended thread */
static _Thread_local lab_ilock_thread *self;    /* the calling thread's record, or NULL */

/* ---- the event log ---- */

typedef struct log_slot {
    lab_ilock_event event;
    atomic_bool ready;   /* set (release) once event is written; a slot is written once */
} log_slot;

typedef struct event_log {
    size_t capacity;
    atomic_size_t next;   /* events recorded so far, kept or not */
    log_slot slots[];
} event_log;

static _Atomic(event_log *) recording;   /* the log being written, or NULL */
static _Atomic(event_log *) last_log;    /* the log lab_ilock_log_read reads */

/* Append one event to log (or count it as dropped when the log is full). Can't fail. */
static void append_event(event_log *log, const lab_ilock *lock, const lab_ilock_thread *me,
                         lab_ilock_event_kind kind)
{
    size_t index = atomic_fetch_add_explicit(&log->next, 1, memory_order_relaxed);
    if (index >= log->capacity)
        return;
    log_slot *slot = &log->slots[index];
    slot->event.time = lab_elapsed();   /* a release is noted before its unlock: before the next acquire */
    slot->event.kind = kind;
    memcpy(slot->event.thread, me->name, sizeof slot->event.thread);
    memcpy(slot->event.lock, lock->name, sizeof slot->event.lock);
    atomic_store_explicit(&slot->ready, true, memory_order_release);
}

/* Record an event if the log is on: one load and a branch when it is off. */
static inline void note(const lab_ilock *lock, const lab_ilock_thread *me, lab_ilock_event_kind kind)
{
    event_log *log = atomic_load_explicit(&recording, memory_order_acquire);
    if (log != NULL)
        append_event(log, lock, me, kind);
}

int lab_ilock_log_start(size_t capacity)
{
    event_log *log = calloc(1, sizeof *log + capacity * sizeof log->slots[0]);
    if (log == NULL)
        return ENOMEM;
    log->capacity = capacity;
    ATOMIC_FOR_HELGRIND(log, sizeof *log + capacity * sizeof log->slots[0]);
    ATOMIC_FOR_HELGRIND(&recording, sizeof recording);
    ATOMIC_FOR_HELGRIND(&last_log, sizeof last_log);
    lab_ilock_log_free();
    atomic_store(&last_log, log);
    atomic_store(&recording, log);
    return 0;
}

void lab_ilock_log_stop(void)
{
    atomic_store(&recording, NULL);
}

size_t lab_ilock_log_read(lab_ilock_event *events, size_t max, size_t *dropped)
{
    event_log *log = atomic_load(&last_log);
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
    atomic_store(&recording, NULL);
    free(atomic_exchange(&last_log, NULL));
}

const char *lab_ilock_event_name(lab_ilock_event_kind kind)
{
    static const char *const names[] = {"waiting", "acquired", "released", "busy", "deadlock", "timeout"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

/* ---- thread records ---- */

/* pthread key destructor, at thread exit: forget the thread, unless it still holds a lock
 * (then its record stays, so that the lock can still name its owner). */
static void forget_thread(void *record)
{
    lab_ilock_thread *thread = record;
    lab_pthread_mutex_lock(&table_lock);
    bool holding = false;
    for (lab_ilock *lock = all_locks; lock != NULL; lock = lock->next)
        holding = holding || atomic_load_explicit(&lock->owner, memory_order_relaxed) == thread;
    if (holding) {
        thread->ended = true;
    } else {
        for (lab_ilock_thread **link = &all_threads; *link != NULL; link = &(*link)->next) {
            if (*link == thread) {
                *link = thread->next;
                break;
            }
        }
        free(thread);
    }
    lab_pthread_mutex_unlock(&table_lock);
    self = NULL;
}

/* Runs before main(), so the key exists before any thread can need it. */
__attribute__((constructor)) static void make_key(void)
{
    LAB_CHECK(pthread_key_create(&record_key, forget_thread));
}

/* Make the calling thread's record, on its first use of an ilock. */
static __attribute__((noinline, cold)) lab_ilock_thread *register_me(void)
{
    lab_ilock_thread *thread = lab_calloc(1, sizeof *thread);
    lab_pthread_mutex_lock(&table_lock);
    snprintf(thread->name, sizeof thread->name, "%s", lab_thread_current_name());
    thread->next = all_threads;
    all_threads = thread;
    lab_pthread_mutex_unlock(&table_lock);
    LAB_CHECK(pthread_setspecific(record_key, thread));
    self = thread;
    return thread;
}

/* The calling thread's record. */
static inline lab_ilock_thread *me_now(void)
{
    return __builtin_expect(self != NULL, 1) ? self : register_me();
}

/* ---- making and forgetting locks ---- */

int lab_ilock_init(lab_ilock *lock, const char *name)
{
    int rc = pthread_mutex_init(&lock->mutex, NULL);
    if (rc != 0)
        return rc;
    snprintf(lock->name, sizeof lock->name, "%s", name);
    atomic_init(&lock->owner, NULL);
    ATOMIC_FOR_HELGRIND(&lock->owner, sizeof lock->owner);
    lock->next = NULL;
    TSAN_CREATE(lock);
    lab_pthread_mutex_lock(&table_lock);
    lab_ilock **link = &all_locks;
    while (*link != NULL)
        link = &(*link)->next;
    *link = lock;
    lab_pthread_mutex_unlock(&table_lock);
    return 0;
}

void lab_ilock_destroy(lab_ilock *lock)
{
    if (atomic_load(&lock->owner) != NULL)
        lab_check_at(EBUSY, "lab_ilock_destroy (the lock is still held)", __FILE__, __LINE__);
    lab_pthread_mutex_lock(&table_lock);
    for (lab_ilock **link = &all_locks; *link != NULL; link = &(*link)->next) {
        if (*link == lock) {
            *link = lock->next;
            break;
        }
    }
    lab_pthread_mutex_unlock(&table_lock);
    TSAN_DESTROY(lock);
    lab_pthread_mutex_destroy(&lock->mutex);
}

/* ---- the wait-for picture (everything here expects table_lock held) ---- */

typedef struct hop {
    lab_ilock_thread *thread;   /* waits for ... */
    lab_ilock *lock;            /* ... this lock, which is held by ... */
    lab_ilock_thread *owner;    /* ... this thread (NULL: it is free now) */
} hop;

/* Follow the waits from me: me waits for chain[0].lock held by chain[0].owner, who waits
 * for chain[1].lock ... Returns the number of hops; *cycle when it came back to me. */
static int follow_waits(lab_ilock_thread *me, hop *chain, bool *cycle)
{
    int hops = 0;
    *cycle = false;
    for (lab_ilock_thread *thread = me; hops < CHAIN_MAX && thread->waiting_for != NULL;) {
        lab_ilock *lock = thread->waiting_for;
        lab_ilock_thread *owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
        chain[hops++] = (hop){thread, lock, owner};
        if (owner == me) {
            *cycle = true;
            break;
        }
        bool seen = false;   /* a cycle that does not go through me: stop there */
        for (int i = 0; i < hops; i++)
            seen = seen || chain[i].thread == owner;
        if (owner == NULL || seen)
            break;
        thread = owner;
    }
    return hops;
}

/* A growing text of lines, said one line at a time once table_lock is released. */
typedef struct text {
    char *buffer;
    size_t used, size;
} text;

static void add(text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *format, ...)
{
    if (t->buffer == NULL) {
        t->size = 256;
        t->buffer = lab_calloc(1, t->size);
    }
    for (;;) {
        va_list args;
        va_start(args, format);
        int n = vsnprintf(t->buffer + t->used, t->size - t->used, format, args);
        va_end(args);
        if (n < 0)
            return;
        if ((size_t)n < t->size - t->used) {
            t->used += (size_t)n;
            return;
        }
        t->size = 2 * t->size + (size_t)n;
        char *bigger = realloc(t->buffer, t->size);
        if (bigger == NULL)
            lab_fail("out of memory");
        t->buffer = bigger;
    }
}

/* "t1" or "t1 (ended)". */
static void add_name(text *t, const lab_ilock_thread *thread)
{
    add(t, "%s%s", thread->name, thread->ended ? " (ended)" : "");
}

/* "[hepang]", "[a, b]" or "nothing": every lock the thread holds. */
static void add_holdings(text *t, const lab_ilock_thread *thread)
{
    int count = 0;
    for (const lab_ilock *lock = all_locks; lock != NULL; lock = lock->next)
        if (atomic_load_explicit(&lock->owner, memory_order_relaxed) == thread)
            add(t, "%s%s", count++ == 0 ? "[" : ", ", lock->name);
    add(t, "%s", count == 0 ? "nothing" : "]");
}

/* "<margin>t1 holds [hepang], waits for [luoziyao] (held by t2)\n" */
static void add_hop(text *t, const char *margin, const hop *h)
{
    add(t, "%s", margin);
    add_name(t, h->thread);
    add(t, " holds ");
    add_holdings(t, h->thread);
    add(t, ", waits for [%s] (", h->lock->name);
    if (h->owner != NULL) {
        add(t, "held by ");
        add_name(t, h->owner);
    } else {
        add(t, "free now");
    }
    add(t, ")\n");
}

/* The picture of a cycle, starting with the thread whose name sorts first (so the same
 * deadlock reads the same whoever found it), then the verdict for me. */
static void describe_deadlock(text *t, const hop *chain, int hops, const lab_ilock_thread *me, double waited)
{
    int first = 0;
    for (int i = 1; i < hops; i++)
        if (strcmp(chain[i].thread->name, chain[first].thread->name) < 0)
            first = i;
    for (int i = 0; i < hops; i++)
        add_hop(t, i == 0 ? "deadlock: " : "          ", &chain[(first + i) % hops]);
    if (hops == 1)
        add(t, "          %s gives up (EDEADLK) at once: it would wait for itself forever\n", me->name);
    else
        add(t, "          %s gives up (EDEADLK) after %.2f s; the others keep waiting\n", me->name, waited);
}

/* The chain of waits that did not come back to me, where it ends, and the verdict. */
static void describe_timeout(text *t, const hop *chain, int hops, const lab_ilock_thread *me, double waited)
{
    for (int i = 0; i < hops; i++)
        add_hop(t, i == 0 ? "timeout: " : "         ", &chain[i]);
    const lab_ilock_thread *last = chain[hops - 1].owner;
    if (last == NULL) {
        add(t, "         [%s] was released just as the deadline passed\n", chain[hops - 1].lock->name);
    } else if (last->waiting_for != NULL && hops < CHAIN_MAX) {
        add(t, "         %s is in a deadlock that %s is not part of\n", last->name, me->name);
    } else if (last->ended) {
        add(t, "         %s ended holding ", last->name);
        add_holdings(t, last);
        add(t, ": nobody will ever release it\n");
    } else if (last->waiting_for == NULL) {
        add(t, "         ");
        add_name(t, last);
        add(t, " holds ");
        add_holdings(t, last);
        add(t, " and waits for no lock (it is working, sleeping, or waiting for something else)\n");
    } else {
        add(t, "         ... (more than %d waits: not followed further)\n", CHAIN_MAX);
    }
    add(t, "         %s gives up (ETIMEDOUT) after %.2f s\n", me->name, waited);
}

/* Say the text one line at a time, then free it. Call without table_lock. */
static void say_lines(text *t)
{
    for (char *line = t->buffer; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        say("%s", line);
        line = end != NULL ? end + 1 : NULL;
    }
    free(t->buffer);
}

/* ---- waiting ---- */

/* Put "me waits for lock" in the table and the log. With a deadline, a lock that me holds
 * already is a deadlock with itself: reported, and EDEADLK returned. Otherwise 0. */
static int begin_wait(lab_ilock *lock, lab_ilock_thread *me, double timeout)
{
    text report = {0};
    lab_pthread_mutex_lock(&table_lock);
    snprintf(me->name, sizeof me->name, "%s", lab_thread_current_name());   /* it may have been renamed */
    bool mine = atomic_load_explicit(&lock->owner, memory_order_relaxed) == me;
    if (mine && timeout > 0) {
        hop self_wait = {me, lock, me};
        describe_deadlock(&report, &self_wait, 1, me, 0);
    } else {
        me->waiting_for = lock;
        me->waiting_since = lab_now();
        me->spared = false;
    }
    lab_pthread_mutex_unlock(&table_lock);
    if (report.buffer != NULL) {
        say_lines(&report);
        note(lock, me, LAB_ILOCK_DEADLOCK);
        return EDEADLK;
    }
    note(lock, me, LAB_ILOCK_WAITING);
    return 0;
}

/* The CLOCK_REALTIME instant `seconds` real seconds from now. */
static struct timespec realtime_in(double seconds)
{
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    long nanoseconds = (long)(seconds * 1e9);
    at.tv_sec += nanoseconds / 1000000000L;
    at.tv_nsec += nanoseconds % 1000000000L;
    if (at.tv_nsec >= 1000000000L) {
        at.tv_sec++;
        at.tv_nsec -= 1000000000L;
    }
    return at;
}

/* Wait for the real mutex until the monotonic deadline. Returns 0 (got it) or ETIMEDOUT.
 * The waits are slices of pthread_mutex_timedlock, whose instants are on CLOCK_REALTIME:
 * TSan and Helgrind know that call (not pthread_mutex_clocklock). The deadline itself
 * stays on the monotonic clock, so setting the wall clock can only stretch or cut a slice. */
static int lock_before(lab_ilock *lock, const struct timespec *deadline)
{
    for (;;) {
        double left = lab_seconds_until(deadline);
        struct timespec until = realtime_in(left < 0 ? 0 : left < SLICE_SECONDS ? left : SLICE_SECONDS);
        TSAN_PRE_LOCK(lock, 0);
        int rc = pthread_mutex_timedlock(&lock->mutex, &until);   /* a past instant: one try */
        TSAN_POST_LOCK(lock, rc == 0 ? 0 : TSAN_FAILED);
        if (rc == 0)
            return 0;
        if (rc != ETIMEDOUT)
            lab_check_at(rc, "pthread_mutex_timedlock", __FILE__, __LINE__);
        if (lab_seconds_until(deadline) <= 0)
            return ETIMEDOUT;
    }
}

/* The deadline has passed: look for a cycle through me. Returns 0 when me was spared by
 * the victim of its cycle (the deadline starts again), or the verdict, said and with me
 * taken out of the table: EDEADLK (me is the victim; the others of the cycle are spared)
 * or ETIMEDOUT. */
static int at_deadline(lab_ilock *lock, lab_ilock_thread *me, double timeout, struct timespec *deadline)
{
    lab_pthread_mutex_lock(&table_lock);
    if (me->spared) {   /* a victim is backing out of my cycle: give it the time to */
        me->spared = false;
        lab_pthread_mutex_unlock(&table_lock);
        *deadline = lab_deadline(timeout);
        return 0;
    }
    hop chain[CHAIN_MAX];
    bool cycle;
    int hops = follow_waits(me, chain, &cycle);
    double waited = lab_class_seconds(lab_now() - me->waiting_since);
    text report = {0};
    if (cycle) {
        for (int i = 1; i < hops; i++)
            chain[i].thread->spared = true;
        describe_deadlock(&report, chain, hops, me, waited);
    } else {
        describe_timeout(&report, chain, hops, me, waited);
    }
    me->waiting_for = NULL;   /* from now on, the others see me as not waiting */
    lab_pthread_mutex_unlock(&table_lock);
    say_lines(&report);
    note(lock, me, cycle ? LAB_ILOCK_DEADLOCK : LAB_ILOCK_TIMEOUT);
    return cycle ? EDEADLK : ETIMEDOUT;
}

/* The slow path: the lock was busy. Returns 0, EDEADLK or ETIMEDOUT, as lab_ilock_lock.
 * Kept out of line: the fast path stays small, and backtraces show this frame. */
static __attribute__((noinline)) int wait_for_lock(lab_ilock *lock, lab_ilock_thread *me, double timeout)
{
    if (begin_wait(lock, me, timeout) != 0)
        return EDEADLK;
    if (timeout > 0) {
        struct timespec deadline = lab_deadline(timeout);
        for (;;) {
            if (lock_before(lock, &deadline) == 0)
                break;
            int verdict = at_deadline(lock, me, timeout, &deadline);
            if (verdict != 0)
                return verdict;
        }
    } else {
        TSAN_PRE_LOCK(lock, 0);
        int rc = pthread_mutex_lock(&lock->mutex);   /* no deadline: a plain mutex's wait, forever if need be */
        TSAN_POST_LOCK(lock, 0);
        LAB_CHECK(rc);
    }
    /* Owner and "not waiting" change together, so no walk sees me waiting for my own lock. */
    lab_pthread_mutex_lock(&table_lock);
    atomic_store_explicit(&lock->owner, me, memory_order_relaxed);
    me->waiting_for = NULL;
    me->spared = false;
    lab_pthread_mutex_unlock(&table_lock);
    note(lock, me, LAB_ILOCK_ACQUIRED);
    return 0;
}

/* ---- lock, trylock, unlock ---- */

int lab_ilock_lock(lab_ilock *lock, double timeout)
{
    lab_ilock_thread *me = me_now();
    TSAN_PRE_LOCK(lock, 0);
    int rc = pthread_mutex_trylock(&lock->mutex);
    TSAN_POST_LOCK(lock, rc == 0 ? 0 : TSAN_FAILED);
    if (rc == 0) {   /* the fast path: nobody held it */
        atomic_store_explicit(&lock->owner, me, memory_order_relaxed);
        note(lock, me, LAB_ILOCK_ACQUIRED);
        return 0;
    }
    if (rc != EBUSY)
        lab_check_at(rc, "pthread_mutex_trylock", __FILE__, __LINE__);
    return wait_for_lock(lock, me, timeout);
}

int lab_ilock_trylock(lab_ilock *lock)
{
    lab_ilock_thread *me = me_now();
    TSAN_PRE_LOCK(lock, TSAN_TRY);
    int rc = pthread_mutex_trylock(&lock->mutex);
    TSAN_POST_LOCK(lock, TSAN_TRY | (rc == 0 ? 0 : TSAN_FAILED));
    if (rc == 0) {
        atomic_store_explicit(&lock->owner, me, memory_order_relaxed);
        note(lock, me, LAB_ILOCK_ACQUIRED);
        return 0;
    }
    if (rc != EBUSY)
        lab_check_at(rc, "pthread_mutex_trylock", __FILE__, __LINE__);
    note(lock, me, LAB_ILOCK_BUSY);
    return EBUSY;
}

/* Say why me may not unlock the lock; returns EPERM. */
static int refuse_unlock(const lab_ilock *lock, const lab_ilock_thread *me)
{
    char owner[LAB_NAME_MAX + 8] = "";
    bool held = lab_ilock_owner(lock, owner, sizeof owner);
    if (held)
        say("error: %s cannot unlock [%s]: it is held by %s (EPERM)", me->name, lock->name, owner);
    else
        say("error: %s cannot unlock [%s]: nobody holds it (EPERM)", me->name, lock->name);
    return EPERM;
}

int lab_ilock_unlock(lab_ilock *lock)
{
    lab_ilock_thread *me = me_now();
    if (atomic_load_explicit(&lock->owner, memory_order_relaxed) != me)
        return refuse_unlock(lock, me);
    note(lock, me, LAB_ILOCK_RELEASED);   /* before the unlock: the next owner's "acquired" comes after */
    /* Cleared before the unlock: afterwards it is the next owner's to write. */
    atomic_store_explicit(&lock->owner, NULL, memory_order_relaxed);
    TSAN_PRE_UNLOCK(lock);
    int rc = pthread_mutex_unlock(&lock->mutex);
    TSAN_POST_UNLOCK(lock);
    if (rc != 0)   /* not LAB_CHECK: no call on the fast path */
        lab_check_at(rc, "pthread_mutex_unlock", __FILE__, __LINE__);
    return 0;
}

/* ---- questions ---- */

const char *lab_ilock_name(const lab_ilock *lock)
{
    return lock->name;
}

bool lab_ilock_held_by_me(const lab_ilock *lock)
{
    return self != NULL && atomic_load_explicit(&lock->owner, memory_order_relaxed) == self;
}

bool lab_ilock_owner(const lab_ilock *lock, char *name, size_t size)
{
    lab_pthread_mutex_lock(&table_lock);   /* keeps the owner's record from being freed meanwhile */
    const lab_ilock_thread *owner = atomic_load_explicit(&lock->owner, memory_order_relaxed);
    if (owner != NULL && name != NULL && size > 0)
        snprintf(name, size, "%s%s", owner->name, owner->ended ? " (ended)" : "");
    lab_pthread_mutex_unlock(&table_lock);
    return owner != NULL;
}
