/* schedule.h — schedule control: one thread at a time, and the library picks which.
 *
 * With --schedule=SPEC, --step or --explore, the demo's threads take turns holding a
 * *baton*: only its holder runs. It passes the baton on only at a scheduling point (every
 * lab_point(), the checked mutex / condition variable / barrier wrappers, lab_sleep, thread
 * start, join and end). There the controller decides who runs next, among the threads that
 * can run, by a strategy: a replayed list of thread names, PCT (random:D), the student
 * (--step), or the explorer's list. Everything else the threads do between two points is
 * theirs alone, so a run is fixed by the list of choices: the same SPEC gives the same
 * output, byte for byte.
 *
 * Time is virtual: lab_now(), lab_elapsed(), lab_deadline() read a clock that stands still
 * while a thread can run, and jumps to the earliest sleep or timeout deadline when none
 * can. When no thread can run and none waits with a limit, the run is deadlocked: the
 * controller prints who waits for what and ends the run.
 *
 * Uncontrolled runs pay one relaxed load of lab_sched_on and a branch never taken.
 *
 * LOCKING PROTOCOL: none for callers. Inside, one mutex (raw pthread calls, never the
 * wrappers) guards the controller's state; a thread without the baton waits on its own
 * condition variable. The controller sits below every other module: it calls no lab_*
 * function, so that the wrappers of checked.h and clock.c can call it.
 */
#ifndef THREADLAB_SCHEDULE_H
#define THREADLAB_SCHEDULE_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Whether the run is controlled; set once by lab_sched_begin(), before threads start. */
extern atomic_bool lab_sched_on;

#define LAB_SCHED_ON() \
    __builtin_expect(atomic_load_explicit(&lab_sched_on, memory_order_relaxed), 0)

/* How a controlled run picks at each choice (a point where more than one thread can run). */
typedef enum {
    LAB_SCHED_LIST,   /* names from a list, then the default */
    LAB_SCHED_RANDOM, /* PCT: random priorities with depth - 1 change points */
    LAB_SCHED_STEP,   /* the student, on a terminal */
} lab_sched_mode;

#define LAB_SCHED_LIST_MAX  4096 /* names in one --schedule list */
#define LAB_SCHED_DEPTH_MAX 10   /* random:D, 1 <= D <= this */
#define LAB_SCHED_PCT_STEPS 24   /* PCT places its change points among the first 24 choices */

typedef struct lab_sched_spec {
    lab_sched_mode mode;
    int depth;   /* LAB_SCHED_RANDOM */
    int count;   /* LAB_SCHED_LIST: names in list */
    char **list; /* LAB_SCHED_LIST: names (allocated) */
} lab_sched_spec;

/* Parse SPEC ("random:D" or "t0,t1,t1,main"). Returns 0, or 2 with a one-line message in
 * error. The list is allocated; release it with lab_sched_spec_free(). */
int lab_sched_parse(const char *text, lab_sched_spec *spec, char *error, size_t error_size);
void lab_sched_spec_free(lab_sched_spec *spec);

/* The default used when a list runs out, in words. */
#define LAB_SCHED_DEFAULT_TEXT "the running thread goes on (else the first started)"

/* What lab_init() hands the controller. */
typedef struct lab_sched_config {
    const char *program; /* the demo's name, for messages */
    lab_sched_spec spec;
    uint64_t seed;           /* for random:D, and printed in a deadlock's result line */
    bool quiet;              /* deadlock picture silenced (its result line is not) */
    bool deadlock_is_lesson; /* a deadlock ends the run with status 0, not 1 */
    int report_fd;           /* >= 0: write the choices there at exit (--explore's child) */
} lab_sched_config;

/* "schedule: t0,t1 then ..." in words, for the run's first lines. Can't fail. */
const char *lab_sched_describe(void);

/* Take control: the calling thread becomes "main", the baton holder; virtual time starts
 * at 0. Call once, before any thread starts. Can't fail (exits 1 when out of memory). */
void lab_sched_begin(const lab_sched_config *config);

/* A scheduling point of the calling thread: it is about to do `what` on object at
 * file:line (or just did: point.h's kinds). The controller may run others first. */
void lab_sched_point(int point_kind, const void *object, const char *what, const char *file,
                     int line);

/* ---- the blocking wrappers' controlled forms (checked.h) ----
 * name: how the caller spelled the object ("&counter_lock"), a string literal or NULL;
 * shown by --step and in the deadlock picture. */
void lab_sched_mutex_lock(pthread_mutex_t *mutex, const char *name, const char *file, int line);
void lab_sched_mutex_unlock(pthread_mutex_t *mutex, const char *name, const char *file, int line);
/* For a timed lock (ilock's slices of pthread_mutex_timedlock): returns 0 or ETIMEDOUT at
 * deadline (a lab_deadline() instant, on the virtual clock). */
int lab_sched_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *deadline,
                              const char *file, int line);
void lab_sched_cond_wait(pthread_cond_t *cond, const char *name, pthread_mutex_t *mutex,
                         const char *file, int line);
/* Returns 0 or ETIMEDOUT (deadline: a lab_deadline() instant, on the virtual clock). */
int lab_sched_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                             const struct timespec *deadline, const char *file, int line);
void lab_sched_cond_signal(pthread_cond_t *cond, const char *name, bool all, const char *file,
                           int line);
/* A POSIX semaphore: wait blocks under control while its value is 0; a post enables the
 * waiters (they try again). */
void lab_sched_sem_wait(sem_t *sem, const char *file, int line);
/* The same with a deadline (a lab_deadline() instant, virtual): returns 0 or ETIMEDOUT. */
int lab_sched_sem_timedwait(sem_t *sem, const struct timespec *deadline, const char *file,
                            int line);
void lab_sched_sem_posted(sem_t *sem);
/* A barrier's count is not readable from pthread_barrier_t: lab_sched_barrier_count()
 * tells it (lab_pthread_barrier_init does). Returns true in one thread per round. */
bool lab_sched_barrier_wait(pthread_barrier_t *barrier, const char *file, int line);
void lab_sched_barrier_count(pthread_barrier_t *barrier, unsigned count);

/* ---- time (clock.c) ---- */
double lab_sched_now(void);                /* virtual seconds since control began */
void lab_sched_sleep(double real_seconds); /* block until now + real_seconds */

/* ---- threads (thread.c) ---- */
typedef struct lab_sched_thread lab_sched_thread;
/* In the parent, before pthread_create: the new thread's place in the schedule. */
lab_sched_thread *lab_sched_thread_new(const char *name);
/* In the parent, after pthread_create: the point where the new thread may go first. */
void lab_sched_thread_started(lab_sched_thread *thread);
/* First thing on the new thread: wait for the baton. */
void lab_sched_thread_begin(lab_sched_thread *thread);
/* Last thing on the thread: mark it ended, wake its joiner, pass the baton on. */
void lab_sched_thread_end(void);
/* Wait for thread to end, at most until deadline (NULL: no limit; a lab_deadline()
 * instant). Returns 0 or ETIMEDOUT. */
int lab_sched_join(lab_sched_thread *thread, const struct timespec *deadline);

/* ---- the explorer (sched_explore.c) ---- */
/* Run the demo under many schedules in child processes and report (never returns). */
_Noreturn void lab_sched_explore(const char *program, int argc, char **argv, long budget,
                                 const char *invariant);
/* Evaluate an invariant ("lost == 0 && max <= stalls") over a result: line. Returns 1
 * (holds), 0 (does not; why in reason), or -1 (malformed or a key missing; why in reason). */
int lab_sched_invariant_holds(const char *invariant, const char *result_line, char *reason,
                              size_t reason_size);

#endif
