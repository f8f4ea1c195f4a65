/* point.c — the scheduling-point recorder (see point.h).
 *
 * Each thread appends to its own record; nothing on the recording path is shared with
 * another writer. A record's events live in chunks allocated as they fill, so a thread
 * that records ten events costs ten events, not LAB_POINT_CAP. The owner writes an event
 * (and, first, its chunk pointer), then publishes the new count with a release store; the
 * reader loads the count with acquire and copies only what is published.
 * This module depends on libc and checked.h only (clock.c and thread.c report to it).
 */
#include "point.h"

#include "checked.h"
#include "schedule.h" /* schedule control */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

atomic_bool lab_points_on = false;    /* somebody listens: the recorder or the controller */
static atomic_bool recording = false; /* the recorder listens (lab_points_enable) */

bool lab_points_recording(void)
{
    return atomic_load_explicit(&recording, memory_order_relaxed);
}

#define CHUNK  256
#define CHUNKS (LAB_POINT_CAP / CHUNK)

/* Aligned to a cache line, the owner's counters on a line of their own: threads that record
 * (or drop) side by side do not slow each other down through a shared line. */
typedef struct thread_record {
    _Alignas(64) atomic_size_t count; /* published events */
    atomic_size_t dropped;
    _Alignas(64) int id;
    char name[32];                   /* guarded by records_lock */
    lab_point_event *chunks[CHUNKS]; /* written by the owner before the count covers them */
    struct thread_record *next;
} thread_record;

static pthread_mutex_t records_lock = PTHREAD_MUTEX_INITIALIZER;
static thread_record *records;
static thread_record **records_tail = &records;
static int next_id;
static _Thread_local thread_record *self;

/* fork(): a child must not inherit records_lock held by a thread it does not have. */
static void before_fork(void)
{
    LAB_CHECK(pthread_mutex_lock(&records_lock));
}

static void after_fork(void)
{
    LAB_CHECK(pthread_mutex_unlock(&records_lock));
}

__attribute__((constructor)) static void register_fork_handlers(void)
{
    LAB_CHECK(pthread_atfork(before_fork, after_fork, after_fork));
}

/* A new record, registered (given the next id); NULL when out of memory. */
static thread_record *new_record(const char *name)
{
    void *memory;
    if (posix_memalign(&memory, 64, sizeof(thread_record)) != 0)
        return NULL;
    thread_record *record = memset(memory, 0, sizeof(thread_record));
    LAB_CHECK(pthread_mutex_lock(&records_lock));
    record->id = next_id++;
    if (name != NULL)
        snprintf(record->name, sizeof record->name, "%s", name);
    else
        snprintf(record->name, sizeof record->name, "thread-%d", record->id);
    *records_tail = record;
    records_tail = &record->next;
    LAB_CHECK(pthread_mutex_unlock(&records_lock));
    return record;
}

/* The calling thread's record, registered on its first use; NULL when out of memory
 * (then the thread records nothing: a point can't fail). */
static thread_record *my_record(const char *name)
{
    if (self == NULL)
        self = new_record(name);
    return self;
}

void *lab_point_thread_new(const char *name)
{
    return lab_points_recording() ? new_record(name) : NULL;
}

void lab_point_thread_adopt(void *record)
{
    if (record != NULL)
        self = record;
}

/* ---- timestamps ------------------------------------------------------------------------
 * A point's time costs what clock_gettime(CLOCK_MONOTONIC) costs, about 22 ns here (half
 * of a recorded point). Where the CPU has an invariant TSC (constant rate, never stopped,
 * the same on every CPU: cpuid says so), a point reads the TSC instead (about 10 ns) and
 * stores its ticks since a base taken when the points were first enabled; reading turns
 * ticks into CLOCK_MONOTONIC seconds by the line through the base and a pair (TSC,
 * CLOCK_MONOTONIC) read then, so the rate is measured over the whole run. Elsewhere a
 * point reads CLOCK_MONOTONIC. (A schedule controller's virtual clock would replace
 * stamp() and seconds_of().) */

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* the clock of lab_now() */
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct {
    bool tsc; /* stamps are TSC ticks since base_ticks */
    unsigned long long base_ticks;
    double base_seconds; /* CLOCK_MONOTONIC at base_ticks */
} clock_base;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static bool invariant_tsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (getenv("LAB_POINTS_NO_TSC") != NULL) /* to compare, and a way out */
        return false;
    return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8)) != 0;
#else
    return false;
#endif
}

static unsigned long long ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return 0;
#endif
}

/* The base: the closest (TSC, CLOCK_MONOTONIC) pair of a few tries. */
static void take_pair(unsigned long long *tick, double *seconds)
{
    unsigned long long best = ~0ull;
    for (int i = 0; i < 5; i++) {
        unsigned long long before = ticks();
        double t = monotonic();
        unsigned long long after = ticks();
        if (after - before < best) {
            best = after - before;
            *tick = before + (after - before) / 2;
            *seconds = t;
        }
    }
}

static void set_clock_base(void)
{
    clock_base.tsc = invariant_tsc();
    if (clock_base.tsc)
        take_pair(&clock_base.base_ticks, &clock_base.base_seconds);
}

/* Under schedule control time is virtual: a stamp is then -(1 + virtual seconds), so that
 * seconds_of() tells it from a tick count or a clock reading (both >= 0). */
static inline double stamp(void)
{
    if (LAB_SCHED_ON())
        return -1.0 - lab_sched_now();
    return clock_base.tsc ? (double)(ticks() - clock_base.base_ticks) : monotonic();
}

/* Seconds per tick, measured from the base to now; 0 without the TSC. */
static double seconds_per_tick(void)
{
    if (!clock_base.tsc)
        return 0;
    unsigned long long tick;
    double seconds;
    take_pair(&tick, &seconds);
    if (tick <= clock_base.base_ticks || seconds <= clock_base.base_seconds)
        return 1e-9; /* no time has passed yet: any rate will do */
    return (seconds - clock_base.base_seconds) / (double)(tick - clock_base.base_ticks);
}

static double seconds_of(double stamped, double per_tick)
{
    if (stamped < 0) /* virtual seconds: lab_now() reads the same clock under control */
        return -1.0 - stamped;
    return clock_base.tsc ? clock_base.base_seconds + stamped * per_tick : stamped;
}

void lab_point_at(lab_point_kind point, const void *object, const char *kind, const char *file,
                  int line)
{
    /* schedule control: every point is a preemption point, except a thread's start, end and
     * join, where the controller hands the baton over itself (lab_sched_thread_begin, _end,
     * lab_sched_join): reporting them too would only add choices that change nothing. */
    if (LAB_SCHED_ON() && strcmp(kind, "thread") != 0)
        lab_sched_point(point, object, kind, file, line);
    lab_point_note(point, object, kind, file, line);
}

void lab_point_note(lab_point_kind point, const void *object, const char *kind, const char *file,
                    int line)
{
    if (!lab_points_recording())
        return;
    thread_record *record = my_record(NULL);
    if (record == NULL)
        return;
    size_t n = atomic_load_explicit(&record->count, memory_order_relaxed);
    lab_point_event *chunk = n < LAB_POINT_CAP ? record->chunks[n / CHUNK] : NULL;
    if (n < LAB_POINT_CAP && chunk == NULL) {
        chunk = malloc(CHUNK * sizeof *chunk);
        record->chunks[n / CHUNK] = chunk;
    }
    if (chunk == NULL) { /* full (or out of memory): count it, said once at output */
        size_t dropped = atomic_load_explicit(&record->dropped, memory_order_relaxed);
        atomic_store_explicit(&record->dropped, dropped + 1, memory_order_relaxed);
        return;
    }
    chunk[n % CHUNK] = (lab_point_event){
        .at = stamp(), .object = object, .kind = kind, .file = file, .line = line, .point = point};
    atomic_store_explicit(&record->count, n + 1, memory_order_release);
}

int lab_points_enable(void)
{
    atomic_store(&recording, true);
    LAB_CHECK(pthread_once(&clock_once, set_clock_base));
    my_record("main");
    atomic_store(&lab_points_on, true);
    return 0;
}

void lab_points_disable(void)
{
    atomic_store(&recording, false);
    if (!LAB_SCHED_ON()) /* the controller still listens */
        atomic_store(&lab_points_on, false);
}

void lab_point_thread_named(const char *name)
{
    if (!lab_points_recording())
        return;
    thread_record *record = my_record(name);
    if (record == NULL)
        return;
    LAB_CHECK(pthread_mutex_lock(&records_lock));
    snprintf(record->name, sizeof record->name, "%s", name);
    LAB_CHECK(pthread_mutex_unlock(&records_lock));
}

int lab_point_thread_id(void)
{
    if (!lab_points_recording())
        return -1;
    thread_record *record = my_record(NULL);
    return record != NULL ? record->id : -1;
}

const char *lab_point_kind_name(lab_point_kind point)
{
    static const char *const names[] = {"start",   "end",   "wait", "get", "timeout",
                                        "release", "sleep", "woke", "mark"};
    return (unsigned)point < sizeof names / sizeof names[0] ? names[point] : "?";
}

/* ---- names: an open-addressing table, written under a lock, read without one ---------- */

#define SLOTS (2 * LAB_POINT_NAMES) /* at most half full: probes stay short */

typedef struct name_slot {
    _Atomic(const void *) object; /* published last, with release */
    _Atomic(char *) name;         /* replaced whole on renaming; old text is kept */
} name_slot;

static name_slot slots[SLOTS];
static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t names_used;
static atomic_uint names_generation; /* one more after every naming: caches look again */

static size_t slot_of(const void *object)
{
    uint64_t h = ((uint64_t)(uintptr_t)object >> 3) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 40) % SLOTS;
}

/* The slot holding object, or the empty slot where it would go (NULL: table full). */
static name_slot *find_slot(const void *object)
{
    size_t at = slot_of(object);
    for (size_t probe = 0; probe < SLOTS; probe++) {
        name_slot *slot = &slots[(at + probe) % SLOTS];
        const void *there = atomic_load_explicit(&slot->object, memory_order_acquire);
        if (there == object || there == NULL)
            return slot;
    }
    return NULL;
}

/* Names replaced by a rename: kept (a reader may still hold one), and reachable from here,
 * so a leak checker does not take them for lost. Under names_lock. */
typedef struct retired_name {
    struct retired_name *next;
    char *text;
} retired_name;
static retired_name *retired_names;

void lab_point_name(const void *object, const char *name)
{
    if (object == NULL || name == NULL)
        return;
    char *text = malloc(32);
    if (text == NULL)
        return;
    snprintf(text, 32, "%s", name);
    LAB_CHECK(pthread_mutex_lock(&names_lock));
    name_slot *slot = find_slot(object);
    if (slot != NULL && atomic_load_explicit(&slot->object, memory_order_relaxed) == object) {
        /* The old text may be being read: it is kept, on the retired list (renaming is rare). */
        retired_name *old = malloc(sizeof *old);
        if (old != NULL) {
            old->text = atomic_load_explicit(&slot->name, memory_order_relaxed);
            old->next = retired_names;
            retired_names = old;
        }
        atomic_store_explicit(&slot->name, text, memory_order_release);
    } else if (slot != NULL && names_used < LAB_POINT_NAMES) {
        atomic_store_explicit(&slot->name, text, memory_order_relaxed);
        atomic_store_explicit(&slot->object, object, memory_order_release);
        names_used++;
    } else {
        free(text); /* table full: the object stays unnamed */
    }
    atomic_fetch_add_explicit(&names_generation, 1, memory_order_release);
    LAB_CHECK(pthread_mutex_unlock(&names_lock));
}

bool lab_point_is_named(const void *object)
{
    name_slot *slot = object != NULL ? find_slot(object) : NULL;
    return slot != NULL && atomic_load_explicit(&slot->object, memory_order_acquire) == object;
}

bool lab_point_object_name(const void *object, char *name, size_t size)
{
    if (size > 0)
        name[0] = '\0';
    if (!lab_point_is_named(object))
        return false;
    const char *text = atomic_load_explicit(&find_slot(object)->name, memory_order_acquire);
    if (size > 0)
        snprintf(name, size, "%s", text);
    return true;
}

/* ---- reading ---------------------------------------------------------------------------- */

size_t lab_points_collect(lab_point_log **logs)
{
    double per_tick = seconds_per_tick();
    LAB_CHECK(pthread_mutex_lock(&records_lock));
    size_t count = 0;
    for (thread_record *r = records; r != NULL; r = r->next)
        count++;
    *logs = count > 0 ? lab_calloc(count, sizeof **logs) : NULL;
    size_t i = 0;
    for (thread_record *r = records; r != NULL; r = r->next, i++) {
        lab_point_log *log = &(*logs)[i];
        log->id = r->id;
        memcpy(log->name, r->name, sizeof log->name);
        log->count = atomic_load_explicit(&r->count, memory_order_acquire);
        log->dropped = atomic_load_explicit(&r->dropped, memory_order_relaxed);
        log->events = lab_calloc(log->count > 0 ? log->count : 1, sizeof *log->events);
        for (size_t done = 0; done < log->count; done += CHUNK) {
            size_t n = log->count - done < CHUNK ? log->count - done : CHUNK;
            memcpy(log->events + done, r->chunks[done / CHUNK], n * sizeof *log->events);
        }
        for (size_t k = 0; k < log->count; k++)
            log->events[k].at = seconds_of(log->events[k].at, per_tick);
    }
    LAB_CHECK(pthread_mutex_unlock(&records_lock));
    return count;
}

void lab_points_free(lab_point_log *logs, size_t count)
{
    for (size_t i = 0; logs != NULL && i < count; i++)
        free(logs[i].events);
    free(logs);
}

/* ---- the mutex wrappers' points --------------------------------------------------------- */

/* Whether mutex is named, remembered per thread for the last mutex asked about: a loop
 * that locks one mutex millions of times looks it up once (make bench: this is most of
 * what the points cost such a loop once its buffer is full). */
static _Thread_local struct {
    const void *object;
    unsigned generation;
    bool named;
} last_asked;

static bool is_named_cached(const void *mutex)
{
    unsigned generation = atomic_load_explicit(&names_generation, memory_order_acquire);
    if (last_asked.object != mutex || last_asked.generation != generation) {
        last_asked.object = mutex;
        last_asked.generation = generation;
        last_asked.named = lab_point_is_named(mutex);
    }
    return last_asked.named;
}

/* Whether the calling thread's buffer is full: then a lock takes the plain path (a long
 * locking loop costs little more than with the points off) and counts what it drops. */
static bool full(void)
{
    if (self == NULL || atomic_load_explicit(&self->count, memory_order_relaxed) < LAB_POINT_CAP)
        return false;
    size_t dropped = atomic_load_explicit(&self->dropped, memory_order_relaxed);
    atomic_store_explicit(&self->dropped, dropped + 1, memory_order_relaxed);
    return true;
}

/* A failed call aborts; checked here, so that a lock that worked costs no call. */
static inline void check(int rc, const char *call, const char *file, int line)
{
    if (__builtin_expect(rc != 0, 0))
        lab_check_at(rc, call, file, line);
}

void lab_point_mutex_lock_at(pthread_mutex_t *mutex, const char *file, int line)
{
    if (!is_named_cached(mutex) || full()) {
        check(pthread_mutex_lock(mutex), "pthread_mutex_lock", file, line);
        return;
    }
    /* Try first, so that a WAIT is recorded only when the thread really has to wait. */
    int rc = pthread_mutex_trylock(mutex);
    if (rc == EBUSY) {
        lab_point_at(LAB_POINT_WAIT, mutex, "mutex", file, line);
        rc = pthread_mutex_lock(mutex);
    }
    check(rc, "pthread_mutex_lock", file, line);
    lab_point_at(LAB_POINT_GET, mutex, "mutex", file, line);
}

/* Under schedule control the controller takes and gives the mutex; a named one is noted for
 * the timeline around it (a wait that did not block lasts 0 virtual seconds: not drawn). */
void lab_point_sched_mutex_lock(pthread_mutex_t *mutex, const char *name, const char *file,
                                int line)
{
    bool noted = lab_points_recording() && lab_point_is_named(mutex);
    if (noted)
        lab_point_note(LAB_POINT_WAIT, mutex, "mutex", file, line);
    lab_sched_mutex_lock(mutex, name, file, line);
    if (noted)
        lab_point_note(LAB_POINT_GET, mutex, "mutex", file, line);
}

void lab_point_sched_mutex_unlock(pthread_mutex_t *mutex, const char *name, const char *file,
                                  int line)
{
    if (lab_points_recording() && lab_point_is_named(mutex))
        lab_point_note(LAB_POINT_RELEASE, mutex, "mutex", file, line);
    lab_sched_mutex_unlock(mutex, name, file, line);
}

void lab_point_mutex_unlock_at(pthread_mutex_t *mutex, const char *file, int line)
{
    /* Recorded before the unlock: the next owner's GET always comes after it in time. A
     * full buffer's drop is counted after it, to keep the critical section as short. */
    bool room =
        self == NULL || atomic_load_explicit(&self->count, memory_order_relaxed) < LAB_POINT_CAP;
    bool named = is_named_cached(mutex);
    if (named && room)
        lab_point_at(LAB_POINT_RELEASE, mutex, "mutex", file, line);
    check(pthread_mutex_unlock(mutex), "pthread_mutex_unlock", file, line);
    if (named && !room)
        full();
}

void lab_point_cond_wait_at(pthread_cond_t *cond, pthread_mutex_t *mutex, const char *file,
                            int line)
{
    /* The wait lets go of the mutex and takes it back: say so, or the mutex would
     * seem held by two threads at once. */
    bool named = lab_point_is_named(mutex);
    if (named)
        lab_point_at(LAB_POINT_RELEASE, mutex, "mutex", file, line);
    lab_check_at(pthread_cond_wait(cond, mutex), "pthread_cond_wait", file, line);
    if (named)
        lab_point_at(LAB_POINT_GET, mutex, "mutex", file, line);
}
