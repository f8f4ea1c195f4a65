/* point.h — scheduling points: where every library operation that synchronises, waits or
 * sleeps says what it does.
 *
 * A thread's story, as far as the other threads are concerned, is a short list of
 * moments: it starts, begins to wait for something, gets it (or gives up), releases
 * something another thread may want, sleeps, and ends. Between two such moments it only
 * touches its own data (or races, which is what the race demo shows). Those moments are
 * the *scheduling points*. Every module of the library reports them here, in one form:
 *
 *     lab_point(LAB_POINT_WAIT, &light, "event");      // about to block on the event
 *     ... the real pthread_cond_wait ...
 *     lab_point(LAB_POINT_GET, &light, "event");       // the flag was up: going on
 *
 * Two users read them:
 *   - the timeline (--timeline, --timeline=FILE.svg, --trace=FILE.json): what each thread
 *     did and when, with an arrow from whoever released an object to whoever got it next;
 *   - the schedule control (--schedule, --step, --explore): at each point, one thread at a
 *     time is let through, chosen by a replayed list, by the student, or by a search.
 * When neither is on, a point is one relaxed load of a global flag and a branch that is
 * never taken: nothing is recorded, nothing is locked (make bench measures it).
 *
 * Objects are named by their address; lab_point_name() gives one a name a person reads
 * ("green light", "account hepang"). Unnamed objects show as "<kind>#<n>".
 *
 * LOCKING PROTOCOL: none for the caller. Recording is per thread (each thread appends to
 * its own buffer); the only lock is taken when a thread records its first point and when
 * a name is registered.
 *
 * The recorder: each thread gets a record (a small id, its name, a buffer of at most
 * LAB_POINT_CAP events; later events are dropped and counted) the first time it records.
 * The owner appends and publishes its count with a release store; lab_points_collect()
 * reads the counts with acquire loads, so it can copy everything at exit while daemon
 * threads are still recording. Build with -DLAB_NO_POINTS and every point compiles to
 * nothing (make bench compares the three costs: compiled out, off, on).
 *
 * For a schedule controller (--schedule/--step/--explore, not built yet): it would hook in
 * at the end of lab_point_at() (after the event is recorded, so the log is also the
 * schedule that ran): a thread reaching a point parks there until the controller lets it
 * go. The identity to choose by is lab_point_thread_id(): 0 for the thread that enabled
 * the points ("main"), then 1, 2... in the order lab_thread_start() was called (the
 * starting thread reserves the record, lab_point_thread_new()), so ids do not depend on
 * which new thread happened to run first; a new thread records START before its function.
 * WAIT/GET/TIMEOUT say who is blocked on what, RELEASE/END who may unblock whom. Two
 * things it must change: the mutex wrappers record WAIT only after a failed trylock (the
 * controller needs a point before every attempt), and the timestamps (stamp() in point.c,
 * turned into seconds by seconds_of() when read) would come from its virtual clock.
 */
#ifndef THREADLAB_POINT_H
#define THREADLAB_POINT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum lab_point_kind {
    LAB_POINT_START,   /* the calling thread begins running (first thing on a new thread) */
    LAB_POINT_END,     /* the calling thread ends (last thing it does) */
    LAB_POINT_WAIT,    /* it begins to wait for object: it is blocked from now on */
    LAB_POINT_GET,     /* it got object (a lock, a permit, an item, the flag, a result, a
                            joined thread, the barrier opened): it runs again. After a
                            WAIT, the object of that WAIT (and so for TIMEOUT) */
    LAB_POINT_TIMEOUT, /* it gave up waiting for object: it runs again */
    LAB_POINT_RELEASE, /* it released object, or made it ready for a waiter (unlock,
                            release, put, set, notify, finish a future): the next GET of
                            object by another thread is drawn as woken by this one */
    LAB_POINT_SLEEP,   /* it begins to sleep (lab_sleep) */
    LAB_POINT_WOKE,    /* its sleep is over: it runs again */
    LAB_POINT_MARK,    /* a notable instant the demo or a module marks: object is a
                            static label ("deadlock found", "read n"), not an address */
} lab_point_kind;

/* Whether anybody listens: set by lab_points_enable(), read by the lab_point() macro. */
extern atomic_bool lab_points_on;

/* Report a scheduling point of the calling thread. `object` is the address of what it
 * concerns (a lab_event, an ilock, a pthread_mutex_t, a lab_thread...), `kind` a static
 * word for what it is ("lock", "mutex" (the checked wrappers), "semaphore", "event",
 * "condition", "queue", "future", "thread", "barrier", "timer", "sleep"). Free when nobody listens. Can't fail.
 * For a lab_thread, START/END name the thread itself and a joiner WAITs/GETs it. */
#ifdef LAB_NO_POINTS
#define lab_points_listening()              false
#define lab_point(point_kind, object, kind) ((void)0)
#else
#define lab_points_listening() \
    __builtin_expect(atomic_load_explicit(&lab_points_on, memory_order_relaxed), 0)
#define lab_point(point_kind, object, kind)                                   \
    do {                                                                      \
        if (lab_points_listening())                                           \
            lab_point_at((point_kind), (object), (kind), __FILE__, __LINE__); \
    } while (0)
#endif

/* What lab_point() calls when somebody listens. Can't fail (a full buffer drops the event
 * and counts it). */
void lab_point_at(lab_point_kind point, const void *object, const char *kind, const char *file,
                  int line);

/* Record a point for the timeline only, never a scheduling choice: for the few places
 * where the schedule controller itself decides (a controlled sleep). Can't fail. */
void lab_point_note(lab_point_kind point, const void *object, const char *kind, const char *file,
                    int line);

/* The checked mutex wrappers under schedule control (checked.h): the controller's lock and
 * unlock, noted on the timeline for a named mutex. */
void lab_point_sched_mutex_lock(pthread_mutex_t *mutex, const char *name, const char *file,
                                int line);
void lab_point_sched_mutex_unlock(pthread_mutex_t *mutex, const char *name, const char *file,
                                  int line);

/* Give object a name for timelines and schedules ("green light"); the text is copied
 * (at most 31 characters kept). Naming it again replaces the name. Can't fail (beyond
 * LAB_POINT_NAMES names, more are ignored and those objects show as "<kind>#<n>"). */
void lab_point_name(const void *object, const char *name);
/* Copy object's name into name[0..size-1]; false (and "") when it has none. */
bool lab_point_object_name(const void *object, char *name, size_t size);
/* Whether object was given a name (lock-free; used by the mutex wrappers). */
bool lab_point_is_named(const void *object);

/* Start listening: from now on every lab_point() is recorded. Called by lab_init() when
 * --timeline or --trace is given, before any thread starts; the calling thread is
 * recorded as "main". Returns 0 (kept as int so a future recorder may refuse). */
/* Whether the recorder records (lab_points_enable); lab_points_on may also be up for the
 * schedule controller alone. Can't fail. */
bool lab_points_recording(void);

int lab_points_enable(void);
/* Stop listening (what was recorded stays). For benchmarks and tests. */
void lab_points_disable(void);

/* Tell the recorder the calling thread's name (thread.c does, when a thread is named).
 * Nothing happens when nobody listens. */
void lab_point_thread_named(const char *name);
/* A record for a thread about to be started, so that ids follow the order threads are
 * started, whatever order they first run in: the starting thread calls
 * lab_point_thread_new(name) (NULL when nobody listens) and the new thread, first thing,
 * lab_point_thread_adopt() with it (NULL: nothing happens). */
void *lab_point_thread_new(const char *name);
void lab_point_thread_adopt(void *record);
/* The calling thread's recorder id (0 for the thread that enabled the points, then 1, 2...
 * in the order threads first record); -1 when nobody listens. */
int lab_point_thread_id(void);

/* "start", "end", "wait", "get", "timeout", "release", "sleep", "woke", "mark". */
const char *lab_point_kind_name(lab_point_kind point);

/* ---- reading what was recorded ------------------------------------------------------ */

#define LAB_POINT_CAP   4096 /* events kept per thread; later ones are counted as dropped */
#define LAB_POINT_NAMES 1024 /* object names kept */

typedef struct lab_point_event {
    double at; /* seconds on lab_now()'s clock (CLOCK_MONOTONIC); stamped from
                               the TSC where it is invariant, converted when collected */
    const void *object;
    const char *kind; /* the static word given to lab_point() */
    const char *file;
    int line;
    lab_point_kind point;
} lab_point_event;

/* One thread's record, as copied by lab_points_collect(). */
typedef struct lab_point_log {
    int id; /* lab_point_thread_id() of that thread */
    char name[32];
    size_t count;   /* events[0..count-1], in the order the thread recorded them */
    size_t dropped; /* events that did not fit */
    lab_point_event *events;
} lab_point_log;

/* Copy every thread's events recorded so far (safe while threads still record: each log
 * ends at what its thread had published). Returns how many logs, in id order, in *logs
 * (free with lab_points_free); 0 and NULL when nothing was recorded. ENOMEM aborts via
 * lab_calloc. */
size_t lab_points_collect(lab_point_log **logs);
void lab_points_free(lab_point_log *logs, size_t count);

/* Used by checked.h's mutex wrappers when somebody listens: the real call, with WAIT (only
 * when the lock is taken)/GET/RELEASE points for mutexes that have a name, of kind "mutex".
 * A library object whose first member is its mutex (an event, a semaphore...) shares that
 * address and so its name: the timeline drops "mutex" points at an address that also has
 * points of another kind (the object's own), so only a demo's raw mutexes show. */
void lab_point_mutex_lock_at(pthread_mutex_t *mutex, const char *file, int line);
void lab_point_mutex_unlock_at(pthread_mutex_t *mutex, const char *file, int line);
void lab_point_cond_wait_at(pthread_cond_t *cond, pthread_mutex_t *mutex, const char *file,
                            int line);

#endif
