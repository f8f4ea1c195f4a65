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
 */
#ifndef THREADLAB_POINT_H
#define THREADLAB_POINT_H

#include <stdatomic.h>
#include <stdbool.h>

typedef enum lab_point_kind {
    LAB_POINT_START,     /* the calling thread begins running (first thing on a new thread) */
    LAB_POINT_END,       /* the calling thread ends (last thing it does) */
    LAB_POINT_WAIT,      /* it begins to wait for object: it is blocked from now on */
    LAB_POINT_GET,       /* it got object (a lock, a permit, an item, the flag, a result, a
                            joined thread, the barrier opened): it runs again */
    LAB_POINT_TIMEOUT,   /* it gave up waiting for object: it runs again */
    LAB_POINT_RELEASE,   /* it released object, or made it ready for a waiter (unlock,
                            release, put, set, notify, finish a future): the next GET of
                            object by another thread is drawn as woken by this one */
    LAB_POINT_SLEEP,     /* it begins to sleep (lab_sleep) */
    LAB_POINT_WOKE,      /* its sleep is over: it runs again */
    LAB_POINT_MARK,      /* a notable instant the demo or a module marks: object is a
                            static label ("deadlock found", "read n"), not an address */
} lab_point_kind;

/* Whether anybody listens: set by lab_points_enable(), read by the lab_point() macro. */
extern atomic_bool lab_points_on;

/* Report a scheduling point of the calling thread. `object` is the address of what it
 * concerns (a lab_event, an ilock, a pthread_mutex_t, a lab_thread...), `kind` a static
 * word for what it is ("lock", "semaphore", "event", "condition", "queue", "future",
 * "thread", "barrier", "timer", "sleep"). Free when nobody listens. Can't fail. */
#define lab_point(point_kind, object, kind)                                                \
    do {                                                                                   \
        if (__builtin_expect(atomic_load_explicit(&lab_points_on, memory_order_relaxed), 0)) \
            lab_point_at((point_kind), (object), (kind), __FILE__, __LINE__);             \
    } while (0)

/* What lab_point() calls when somebody listens. Can't fail (a full buffer drops the event
 * and counts it). */
void lab_point_at(lab_point_kind point, const void *object, const char *kind, const char *file,
                  int line);

/* Give object a name for timelines and schedules ("green light"); the text is copied
 * (at most 31 characters kept). Naming it again replaces the name. Can't fail. */
void lab_point_name(const void *object, const char *name);

/* Start listening: from now on every lab_point() is recorded. Called by lab_init() when
 * --timeline or --trace is given, before any thread starts. Returns 0 or ENOMEM. */
int lab_points_enable(void);

/* "start", "end", "wait", "get", "timeout", "release", "sleep", "woke", "mark". */
const char *lab_point_kind_name(lab_point_kind point);

#endif
