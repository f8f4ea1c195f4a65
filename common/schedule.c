/* schedule.c — the controller: the baton, blocking under control, virtual time, deadlock
 * (see sched.h). The strategies that pick at each choice live in sched_strategy.c. */
#include "schedule_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

atomic_bool lab_sched_on = false;

enum { RUNNABLE, BLOCKED, ENDED };
enum { W_NONE, W_MUTEX, W_COND, W_SLEEP, W_JOIN, W_BARRIER, W_SEM };

struct lab_sched_thread {
    int index; /* start order; 0 is main */
    char name[32];
    pthread_cond_t turn; /* signalled when the baton comes to this thread */
    int state;           /* RUNNABLE, BLOCKED, ENDED */
    int wait;            /* BLOCKED: on what kind of object */
    const void *on;      /* ... and which */
    double deadline;     /* BLOCKED: virtual time it gives up, or INFINITY */
    bool timed_out;      /* its last block ended by the deadline */
    unsigned long since; /* order of blocking: a signal wakes the longest waiter */
    char op[64];         /* what it does next, for --step and the deadlock picture */
    const char *file;
    int line;
    const void *last_object; /* the last point reported, to drop its echo: */
    int last_line;           /* a wrapper and lab_point() reporting one call */
    int last_source;         /* 0 none, 1 lab_point(), 2 a wrapper */
    int end_rounds;          /* ENDED: rounds of thread-specific-data destructors seen */
};

typedef struct {
    const void *mutex;
    int owner, depth;
} owner_entry;
typedef struct {
    const void *object;
    char *name; /* allocated; NULL: unnamed, shown as #N */
} name_entry;
typedef struct {
    const void *barrier;
    unsigned count, arrived;
} barrier_entry;

/* All of it under `lock` (raw pthread calls: the wrappers call us). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static lab_sched_thread **threads;
static int thread_count, thread_capacity;
static int baton;                  /* index of the only thread allowed to run */
static _Atomic double virtual_now; /* written by the baton holder only */
static unsigned long block_counter;
static int choice_counter;
static lab_sched_config config;
static owner_entry *owners;
static int owner_count, owner_capacity;
static name_entry *names; /* objects as the wrappers' callers spelled them */
static int name_count, name_capacity;
static barrier_entry *barriers;
static int barrier_count;
static _Thread_local lab_sched_thread *me;
static pthread_key_t end_key; /* an ended thread passes the baton in its destructor */
static void pass_on_after_destructors(void *value);

/* The watchdog: a thread that never reaches a point (a busy loop) would hang the run. */
#define WATCHDOG_SECONDS 10
static atomic_ulong progress; /* points passed */
atomic_bool sched_asking;     /* --step waits for the student: no progress needed */

/* The choices made, for the replay line and the explorer's report. */
static int *chosen_list, *fallback_list;
static int chosen_count, chosen_capacity;

static void *grow(void *array, int *capacity, size_t size)
{
    int wanted = *capacity > 0 ? *capacity * 2 : 16;
    void *bigger = realloc(array, (size_t)wanted * size);
    if (bigger == NULL) {
        fprintf(stderr, "%s: out of memory (schedule control)\n", config.program);
        exit(1);
    }
    *capacity = wanted;
    return bigger;
}

static _Noreturn void fatal(int code, const char *call, const char *file, int line)
{
    char message[512], reason[128];
    int n = snprintf(message, sizeof message, "fatal: %s at %s:%d: %s\n", call, file, line,
                     strerror_r(code, reason, sizeof reason));
    if (n > 0)
        (void)!write(STDERR_FILENO, message,
                     (size_t)n < sizeof message ? (size_t)n : sizeof message - 1);
    abort();
}

#define RAW(call)                                  \
    do {                                           \
        int rc_ = (call);                          \
        if (rc_ != 0)                              \
            fatal(rc_, #call, __FILE__, __LINE__); \
    } while (0)

_Noreturn void sched_usage_exit(const char *format, ...)
{
    char message[512];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    fprintf(stderr, "%s: %s\n", config.program, message);
    fflush(stderr);
    _exit(2); /* the other threads are parked in the controller: no atexit, no joins */
}

/* Lines printed while the demo is stopped: plain write()s, as say() does. */
static void print_line(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void print_line(int fd, const char *format, ...)
{
    char text[512];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(text, sizeof text - 1, format, args);
    va_end(args);
    if (n < 0)
        return;
    if ((size_t)n > sizeof text - 2)
        n = (int)sizeof text - 2;
    text[n++] = '\n';
    (void)!write(fd, text, (size_t)n);
}

static const char *base_name(const char *file)
{
    const char *slash = file != NULL ? strrchr(file, '/') : NULL;
    return slash != NULL ? slash + 1 : (file != NULL ? file : "?");
}

/* The library's own locks (say's output lock, an event's lock...) are not points: the
 * modules report their own, meaningful ones. A demo's lock is. */
static bool inside_library(const char *file)
{
    return file != NULL && strncmp(file, "common/", 7) == 0;
}

/* ---- threads --------------------------------------------------------------------- */

int sched_thread_count(void)
{
    return thread_count;
}

const char *sched_thread_name(int index)
{
    return index >= 0 && index < thread_count ? threads[index]->name : "?";
}

void sched_thread_describe(int index, char *text, size_t size)
{
    const lab_sched_thread *t = threads[index];
    char where[64];
    if (t->file != NULL)
        snprintf(where, sizeof where, "%s:%d", base_name(t->file), t->line);
    else
        snprintf(where, sizeof where, "-");
    snprintf(text, size, "%-16s %s", where, t->op);
}

int sched_thread_find(const char *name)
{
    for (int i = 0; i < thread_count; i++)
        if (strcmp(threads[i]->name, name) == 0)
            return i;
    return -1;
}

static void set_op(lab_sched_thread *t, const char *file, int line, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static void set_op(lab_sched_thread *t, const char *file, int line, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(t->op, sizeof t->op, format, args);
    va_end(args);
    t->file = file;
    t->line = line;
}

/* Names in a schedule are words: no commas, colons or blanks; duplicates get "#2". */
static lab_sched_thread *add_thread(const char *name)
{
    if (thread_count == thread_capacity)
        threads = grow(threads, &thread_capacity, sizeof *threads);
    lab_sched_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        sched_usage_exit("out of memory (schedule control)");
    t->index = thread_count;
    snprintf(t->name, sizeof t->name - 4, "%s", name[0] != '\0' ? name : "thread");
    for (char *c = t->name; *c != '\0'; c++)
        if (*c == ',' || *c == ':' || *c == ' ' || *c == '\t' || *c == '=')
            *c = '_';
    char base[32];
    memcpy(base, t->name, sizeof base);
    for (int copy = 2; sched_thread_find(t->name) >= 0; copy++)
        snprintf(t->name, sizeof t->name, "%.20s#%d", base, copy % 1000000);
    RAW(pthread_cond_init(&t->turn, NULL));
    t->state = RUNNABLE;
    t->deadline = INFINITY;
    set_op(t, NULL, 0, "start");
    threads[thread_count++] = t;
    sched_strategy_thread_added(t->index);
    if (config.report_fd >= 0)
        print_line(config.report_fd, "thread %d %s", t->index, t->name);
    return t;
}

/* ---- names of objects ------------------------------------------------------------ */

/* Whether a library module's name for an object is one a person gave it ("hepang", an
 * ilock's name) rather than the C expression of its own call ("&q->lock"). */
static bool given_name(const char *name)
{
    return name != NULL && name[0] != '\0' && strpbrk(name, "&()->.[]*") == NULL;
}

/* Names are copied: a named object (an ilock) may go before the controller does. */
static void remember_name(const void *object, const char *name)
{
    if (name == NULL)
        return;
    while (*name == '&' || *name == '(')
        name++; /* "&counter_lock" reads as counter_lock */
    for (int i = 0; i < name_count; i++) {
        if (names[i].object == object) {
            if (names[i].name == NULL || strcmp(names[i].name, name) != 0) {
                free(names[i].name);
                names[i].name = strdup(name);
            }
            return;
        }
    }
    if (name_count == name_capacity)
        names = grow(names, &name_capacity, sizeof *names);
    names[name_count++] = (name_entry){object, strdup(name)};
}

/* The object's name, or "#N" (N: the order in which unnamed objects were first shown,
 * the same in every run of one schedule, unlike an address). */
static const char *name_of(const void *object, char *buffer, size_t size)
{
    int unnamed = 0;
    for (int i = 0; i < name_count; i++) {
        if (names[i].object == object && names[i].name != NULL)
            return names[i].name;
        if (names[i].object == object) {
            snprintf(buffer, size, "#%d", unnamed + 1);
            return buffer;
        }
        unnamed += names[i].name == NULL;
    }
    if (name_count == name_capacity)
        names = grow(names, &name_capacity, sizeof *names);
    names[name_count++] = (name_entry){object, NULL};
    snprintf(buffer, size, "#%d", unnamed + 1);
    return buffer;
}

/* ---- owners of mutexes (for the deadlock picture) --------------------------------- */

static owner_entry *owner_of(const void *mutex, bool create)
{
    for (int i = 0; i < owner_count; i++)
        if (owners[i].mutex == mutex)
            return &owners[i];
    if (!create)
        return NULL;
    if (owner_count == owner_capacity)
        owners = grow(owners, &owner_capacity, sizeof *owners);
    owners[owner_count] = (owner_entry){mutex, -1, 0};
    return &owners[owner_count++];
}

static void note_locked(const void *mutex, int thread)
{
    owner_entry *o = owner_of(mutex, true);
    o->owner = thread;
    o->depth++;
}

static void note_unlocked(const void *mutex)
{
    owner_entry *o = owner_of(mutex, false);
    if (o != NULL && --o->depth <= 0) {
        o->owner = -1;
        o->depth = 0;
    }
}

/* ---- the deadlock picture ------------------------------------------------------ */

static void describe_wait(const lab_sched_thread *t, char *text, size_t size)
{
    const owner_entry *o;
    char address[32];
    switch (t->wait) {
        case W_MUTEX:
            o = owner_of(t->on, false);
            if (o != NULL && o->owner >= 0)
                snprintf(text, size, "waits for lock %s, held by %s",
                         name_of(t->on, address, sizeof address), threads[o->owner]->name);
            else
                snprintf(text, size, "waits for lock %s", name_of(t->on, address, sizeof address));
            return;
        case W_COND:
            snprintf(text, size, "waits on condition variable %s (nobody left to signal it)",
                     name_of(t->on, address, sizeof address));
            return;
        case W_JOIN:
            snprintf(text, size, "waits for %s to end (join)",
                     ((const lab_sched_thread *)t->on)->name);
            return;
        case W_BARRIER:
            snprintf(text, size, "waits at barrier %s", name_of(t->on, address, sizeof address));
            return;
        case W_SEM:
            snprintf(text, size, "waits on semaphore %s (its value is 0)",
                     name_of(t->on, address, sizeof address));
            return;
        default:
            snprintf(text, size, "waits");
    }
}

static _Noreturn void deadlocked(void)
{
    int blocked = 0;
    for (int i = 0; i < thread_count; i++)
        blocked += threads[i]->state == BLOCKED;
    /* The picture: on stdout unless --quiet; to --explore's report always ("wait ..."
     * lines), so that the explorer can show the deadlock it found. */
    if (!config.quiet)
        print_line(STDOUT_FILENO,
                   "deadlock: no thread can run, and none sleeps or waits with a "
                   "time limit (virtual time %.3f):",
                   atomic_load(&virtual_now));
    for (int i = 0; i < thread_count; i++) {
        const lab_sched_thread *t = threads[i];
        if (t->state != BLOCKED)
            continue;
        char text[160], line[256];
        describe_wait(t, text, sizeof text);
        if (t->file != NULL)
            snprintf(line, sizeof line, "%-10s %s  (%s:%d)", t->name, text, base_name(t->file),
                     t->line);
        else
            snprintf(line, sizeof line, "%-10s %s", t->name, text);
        if (!config.quiet)
            print_line(STDOUT_FILENO, "  %s", line);
        if (config.report_fd >= 0)
            print_line(config.report_fd, "wait %s", line);
    }
    if (config.report_fd >= 0)
        print_line(config.report_fd, "end deadlock");
    print_line(STDOUT_FILENO, "result: deadlock=1 blocked=%d seed=%llu", blocked,
               (unsigned long long)config.seed);
    RAW(pthread_mutex_unlock(&lock));
    exit(config.deadlock_is_lesson ? 0 : 1);
}

/* ---- choosing who runs ------------------------------------------------------------- */

/* No thread can run: jump to the earliest deadline and wake whoever reached it.
 * Returns false when nobody waits with a limit (a deadlock). */
static bool advance_time(void)
{
    double earliest = INFINITY;
    for (int i = 0; i < thread_count; i++)
        if (threads[i]->state == BLOCKED && threads[i]->deadline < earliest)
            earliest = threads[i]->deadline;
    if (isinf(earliest))
        return false;
    if (earliest > atomic_load(&virtual_now))
        atomic_store(&virtual_now, earliest);
    for (int i = 0; i < thread_count; i++) {
        lab_sched_thread *t = threads[i];
        if (t->state == BLOCKED && t->deadline <= earliest) {
            t->state = RUNNABLE;
            t->wait = W_NONE;
            t->timed_out = true;
        }
    }
    return true;
}

static void record_choice(int chosen, int fallback)
{
    if (chosen_count == chosen_capacity) {
        int capacity = chosen_capacity;
        chosen_list = grow(chosen_list, &capacity, sizeof *chosen_list);
        fallback_list = grow(fallback_list, &chosen_capacity, sizeof *fallback_list);
    }
    chosen_list[chosen_count] = chosen;
    fallback_list[chosen_count++] = fallback;
}

/* Who runs next, after `current` reached a point (enabled: it could go on). */
static int pick(lab_sched_thread *current, bool current_enabled)
{
    atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
    static int *enabled;
    static int enabled_capacity;
    int count;
    for (;;) {
        if (enabled_capacity < thread_count) {
            while (enabled_capacity < thread_count)
                enabled = grow(enabled, &enabled_capacity, sizeof *enabled);
        }
        count = 0;
        for (int i = 0; i < thread_count; i++)
            if (threads[i]->state == RUNNABLE)
                enabled[count++] = i;
        if (count > 0)
            break;
        if (!advance_time())
            deadlocked();
    }
    bool stays = current_enabled && current->state == RUNNABLE;
    int fallback = stays ? current->index : enabled[0];
    if (count == 1)
        return enabled[0];
    sched_choice choice = {.number = ++choice_counter,
                           .count = count,
                           .enabled = enabled,
                           .current = current->index,
                           .current_enabled = stays,
                           .fallback = fallback};
    int chosen = sched_strategy_pick(&choice);
    record_choice(chosen, fallback);
    if (config.report_fd >= 0) {
        char list[1024];
        size_t used = 0;
        list[0] = '\0';
        for (int i = 0; i < count && used < sizeof list - 12; i++)
            used +=
                (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? "," : "", enabled[i]);
        char where[128]; /* where the preempted (or blocked) thread stopped */
        sched_thread_describe(current->index, where, sizeof where);
        print_line(config.report_fd, "choice %d %d %d %d %s\t%s", current->index, stays ? 1 : 0,
                   chosen, fallback, list, where);
    }
    return chosen;
}

/* Give the baton to next and, unless that is self, wait until it comes back. */
static void hand_over(lab_sched_thread *self, int next)
{
    baton = next;
    if (next != self->index)
        RAW(pthread_cond_signal(&threads[next]->turn));
    while (baton != self->index)
        RAW(pthread_cond_wait(&self->turn, &lock));
}

/* A preemption point of self (lock held). */
static void preempt(lab_sched_thread *self)
{
    hand_over(self, pick(self, true));
}

/* Block self on (kind, object) until enabled or until deadline (virtual); lock held.
 * Returns true when the deadline ended it. */
static bool block(lab_sched_thread *self, int kind, const void *object, double deadline)
{
    self->state = BLOCKED;
    self->wait = kind;
    self->on = object;
    self->deadline = deadline;
    self->timed_out = false;
    self->since = ++block_counter;
    hand_over(self, pick(self, false));
    self->deadline = INFINITY;
    return self->timed_out;
}

static void enable(lab_sched_thread *t)
{
    t->state = RUNNABLE;
    t->wait = W_NONE;
    t->timed_out = false;
}

/* Enable the threads blocked on (kind, object): all, or the one that waited longest. */
static int enable_waiters(int kind, const void *object, bool all)
{
    lab_sched_thread *first = NULL;
    int woken = 0;
    for (int i = 0; i < thread_count; i++) {
        lab_sched_thread *t = threads[i];
        if (t->state != BLOCKED || t->wait != kind || t->on != object)
            continue;
        if (all) {
            enable(t);
            woken++;
        } else if (first == NULL || t->since < first->since) {
            first = t;
        }
    }
    if (first != NULL) {
        enable(first);
        woken++;
    }
    return woken;
}

/* ---- set-up -------------------------------------------------------------------------- */

/* At exit. The lock may be held by this very thread (q at a --step prompt): then the
 * others are parked anyway. */
static void print_replay(void)
{
    bool locked = pthread_mutex_trylock(&lock) == 0;
    int last = chosen_count - 1; /* trailing defaults need not be spelled out */
    while (last >= 0 && chosen_list[last] == fallback_list[last])
        last--;
    char text[8192];
    size_t used = 0;
    text[0] = '\0';
    for (int i = 0; i <= last && used < sizeof text - 40; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? "," : "",
                                 threads[chosen_list[i]]->name);
    if (last < 0)
        snprintf(text, sizeof text, "default");
    print_line(STDERR_FILENO, "%s: replay this run with --schedule=%s", config.program, text);
    if (locked)
        RAW(pthread_mutex_unlock(&lock));
}

static void report_end(void)
{
    print_line(config.report_fd, "end ok");
}

/* Ends a run in which no thread has reached a scheduling point for WATCHDOG_SECONDS. */
static void *watch(void *unused)
{
    (void)unused;
    unsigned long seen = atomic_load(&progress);
    int still = 0;
    for (;;) {
        struct timespec second = {1, 0};
        nanosleep(&second, NULL);
        unsigned long now = atomic_load(&progress);
        still = now == seen && !atomic_load(&sched_asking) ? still + 1 : 0;
        seen = now;
        if (still >= WATCHDOG_SECONDS) {
            char text[256];
            int n = snprintf(text, sizeof text,
                             "%s: no thread has reached a scheduling point for "
                             "%d s (a busy loop, or a wait outside the library?): schedule control "
                             "cannot go on; ending the run\n",
                             config.program, WATCHDOG_SECONDS);
            (void)!write(STDERR_FILENO, text,
                         (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
            _exit(1);
        }
    }
    return NULL;
}

static char description[160];

const char *lab_sched_describe(void)
{
    return description;
}

void lab_sched_begin(const lab_sched_config *given)
{
    config = *given;
    if (config.program == NULL)
        config.program = "threadlab";
    sched_strategy_begin(&config);
    RAW(pthread_mutex_lock(&lock));
    me = add_thread("main");
    baton = 0;
    RAW(pthread_mutex_unlock(&lock));
    atomic_store(&virtual_now, 0.0);
    switch (config.spec.mode) {
        case LAB_SCHED_RANDOM:
            snprintf(description, sizeof description,
                     "schedule: random:%d (PCT, %d change point%s, --seed %llu); time is virtual",
                     config.spec.depth, config.spec.depth - 1, config.spec.depth == 2 ? "" : "s",
                     (unsigned long long)config.seed);
            break;
        case LAB_SCHED_STEP:
            snprintf(description, sizeof description,
                     "schedule: you choose (--step), time is virtual");
            break;
        case LAB_SCHED_LIST:
            if (config.spec.count == 0)
                snprintf(description, sizeof description, "schedule: default: %s",
                         LAB_SCHED_DEFAULT_TEXT);
            else
                snprintf(description, sizeof description, "schedule: %d choice%s, then %s",
                         config.spec.count, config.spec.count == 1 ? "" : "s",
                         LAB_SCHED_DEFAULT_TEXT);
            break;
    }
    RAW(pthread_key_create(&end_key, pass_on_after_destructors));
    RAW(pthread_setspecific(end_key, me)); /* main's pthread_exit() passes the baton on */
    pthread_t watchdog;
    pthread_attr_t attr;
    RAW(pthread_attr_init(&attr));
    RAW(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED));
    RAW(pthread_create(&watchdog, &attr, watch, NULL));
    pthread_setname_np(watchdog, "sched-watchdog"); /* for gdb's info threads; cosmetic */
    RAW(pthread_attr_destroy(&attr));
    if (config.report_fd >= 0)
        atexit(report_end);
    else if (config.spec.mode != LAB_SCHED_LIST)
        atexit(print_replay);
    atomic_store(&lab_sched_on, true);
}

/* ---- points ----------------------------------------------------------------------------- */

static const char *kind_word(int kind)
{
    static const char *const words[] = {"start",   "end",   "wait", "get", "timeout",
                                        "release", "sleep", "woke", "mark"};
    return kind >= 0 && (size_t)kind < sizeof words / sizeof words[0] ? words[kind] : "point";
}

void lab_sched_point(int point_kind, const void *object, const char *what, const char *file,
                     int line)
{
    lab_sched_thread *self = me;
    if (self == NULL)
        return; /* a thread the controller does not know (not started by the library) */
    if (self->last_source == 2 && object == self->last_object && line == self->last_line) {
        self->last_source = 0; /* the wrapper's own point, reported again by lab_point() */
        return;
    }
    self->last_source = 1;
    self->last_object = object;
    self->last_line = line;
    RAW(pthread_mutex_lock(&lock));
    /* A lock the library took without us (ilock's fast path: a trylock that succeeded)
     * reports GET on itself, its mutex first in it: its holder, for the deadlock picture. */
    if (point_kind == 3 /* LAB_POINT_GET */ && object != NULL) {
        owner_entry *o = owner_of(object, false);
        if (o == NULL || o->owner < 0) {
            o = owner_of(object, true);
            o->owner = self->index;
            o->depth = 1;
        }
    }
    if (point_kind == 8 /* LAB_POINT_MARK: object is a label */)
        set_op(self, file, line, "mark: %s", (const char *)object);
    else
        set_op(self, file, line, "%s %s", kind_word(point_kind), what);
    preempt(self);
    RAW(pthread_mutex_unlock(&lock));
}

/* A point of the wrappers: only for the demos' own calls. */
static void wrapper_point(lab_sched_thread *self, const void *object, const char *what,
                          const char *file, int line)
{
    if (inside_library(file))
        return;
    if (self->last_source == 1 && object == self->last_object && line == self->last_line) {
        self->last_source = 0; /* lab_point() of this very call came first */
        return;
    }
    self->last_source = 2;
    self->last_object = object;
    self->last_line = line;
    char address[32];
    set_op(self, file, line, "%s %s", what, name_of(object, address, sizeof address));
    preempt(self);
}

/* ---- mutexes and condition variables ------------------------------------------------------ */

static double seconds_of(const struct timespec *at)
{
    return (double)at->tv_sec + (double)at->tv_nsec / 1e9;
}

/* Take mutex, blocking under control while someone holds it; lock held. */
static void relock(lab_sched_thread *self, pthread_mutex_t *mutex, const char *file, int line)
{
    int rc;
    char address[32];
    while ((rc = pthread_mutex_trylock(mutex)) == EBUSY) {
        set_op(self, file, line, "lock %s", name_of(mutex, address, sizeof address));
        (void)block(self, W_MUTEX, mutex, INFINITY);
    }
    if (rc != 0)
        fatal(rc, "pthread_mutex_lock", file, line);
    note_locked(mutex, self->index);
}

static void release(lab_sched_thread *self, pthread_mutex_t *mutex, const char *file, int line)
{
    (void)self;
    int rc = pthread_mutex_unlock(mutex);
    if (rc != 0)
        fatal(rc, "pthread_mutex_unlock", file, line);
    note_unlocked(mutex);
    enable_waiters(W_MUTEX, mutex, true); /* they try again; one wins, the rest block */
}

void lab_sched_mutex_lock(pthread_mutex_t *mutex, const char *name, const char *file, int line)
{
    lab_sched_thread *self = me;
    if (self == NULL) {
        RAW(pthread_mutex_lock(mutex));
        return;
    }
    RAW(pthread_mutex_lock(&lock));
    if (!inside_library(file) || given_name(name))
        remember_name(mutex, name);
    wrapper_point(self, mutex, "lock", file, line);
    relock(self, mutex, file, line);
    RAW(pthread_mutex_unlock(&lock));
}

int lab_sched_mutex_timedlock(pthread_mutex_t *mutex, const struct timespec *deadline,
                              const char *file, int line)
{
    lab_sched_thread *self = me;
    if (self == NULL)
        return pthread_mutex_timedlock(mutex, deadline);
    RAW(pthread_mutex_lock(&lock));
    wrapper_point(self, mutex, "lock", file, line);
    int rc;
    while ((rc = pthread_mutex_trylock(mutex)) == EBUSY) {
        char address[32];
        set_op(self, file, line, "lock %s (with a time limit)",
               name_of(mutex, address, sizeof address));
        if (block(self, W_MUTEX, mutex, seconds_of(deadline)))
            break; /* the deadline passed */
    }
    if (rc == 0)
        note_locked(mutex, self->index);
    else if (rc != EBUSY)
        fatal(rc, "pthread_mutex_timedlock", file, line);
    RAW(pthread_mutex_unlock(&lock));
    return rc == 0 ? 0 : ETIMEDOUT;
}

void lab_sched_mutex_unlock(pthread_mutex_t *mutex, const char *name, const char *file, int line)
{
    lab_sched_thread *self = me;
    if (self == NULL) {
        RAW(pthread_mutex_unlock(mutex));
        return;
    }
    RAW(pthread_mutex_lock(&lock));
    if (!inside_library(file))
        remember_name(mutex, name);
    wrapper_point(self, mutex, "unlock", file, line);
    release(self, mutex, file, line);
    RAW(pthread_mutex_unlock(&lock));
}

static int wait_on(pthread_cond_t *cond, pthread_mutex_t *mutex, double deadline, const char *file,
                   int line)
{
    lab_sched_thread *self = me;
    RAW(pthread_mutex_lock(&lock));
    release(self, mutex, file, line);
    char address[32];
    set_op(self, file, line, "wait on %s", name_of(cond, address, sizeof address));
    bool timed_out = block(self, W_COND, cond, deadline);
    relock(self, mutex, file, line);
    RAW(pthread_mutex_unlock(&lock));
    return timed_out ? ETIMEDOUT : 0;
}

void lab_sched_cond_wait(pthread_cond_t *cond, const char *name, pthread_mutex_t *mutex,
                         const char *file, int line)
{
    if (me == NULL) {
        RAW(pthread_cond_wait(cond, mutex));
        return;
    }
    if (!inside_library(file)) {
        RAW(pthread_mutex_lock(&lock));
        remember_name(cond, name);
        RAW(pthread_mutex_unlock(&lock));
    }
    (void)wait_on(cond, mutex, INFINITY, file, line);
}

int lab_sched_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
                             const struct timespec *deadline, const char *file, int line)
{
    if (me == NULL)
        return pthread_cond_timedwait(cond, mutex, deadline);
    if (deadline->tv_nsec < 0 || deadline->tv_nsec >= 1000000000L)
        fatal(EINVAL, "pthread_cond_timedwait", file, line);
    return wait_on(cond, mutex, seconds_of(deadline), file, line);
}

void lab_sched_cond_signal(pthread_cond_t *cond, const char *name, bool all, const char *file,
                           int line)
{
    lab_sched_thread *self = me;
    if (self == NULL) {
        RAW(all ? pthread_cond_broadcast(cond) : pthread_cond_signal(cond));
        return;
    }
    RAW(pthread_mutex_lock(&lock));
    if (!inside_library(file))
        remember_name(cond, name);
    wrapper_point(self, cond, all ? "broadcast" : "signal", file, line);
    enable_waiters(W_COND, cond, all); /* nobody waits on the real one under control */
    RAW(pthread_mutex_unlock(&lock));
}

/* ---- POSIX semaphores -------------------------------------------------------------------- */

/* sem_wait (deadline NULL) or sem_clockwait on the virtual clock. Returns 0 or ETIMEDOUT. */
int lab_sched_sem_timedwait(sem_t *sem, const struct timespec *deadline, const char *file, int line)
{
    lab_sched_thread *self = me;
    RAW(pthread_mutex_lock(&lock));
    if (self != NULL)
        wrapper_point(self, sem, "sem_wait", file, line);
    int rc = 0;
    for (;;) {
        if (sem_trywait(sem) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN || self == NULL) {
            int code = errno == EAGAIN ? EDEADLK : errno; /* no baton: it could never wake */
            fatal(code, "sem_wait", file, line);
        }
        char address[32];
        set_op(self, file, line, "sem_wait %s", name_of(sem, address, sizeof address));
        if (block(self, W_SEM, sem, deadline != NULL ? seconds_of(deadline) : INFINITY)) {
            rc = ETIMEDOUT;
            break;
        }
    }
    RAW(pthread_mutex_unlock(&lock));
    return rc;
}

void lab_sched_sem_wait(sem_t *sem, const char *file, int line)
{
    (void)lab_sched_sem_timedwait(sem, NULL, file, line);
}

void lab_sched_sem_posted(sem_t *sem)
{
    RAW(pthread_mutex_lock(&lock));
    enable_waiters(W_SEM, sem, true);
    RAW(pthread_mutex_unlock(&lock));
}

/* ---- barriers ------------------------------------------------------------------------------ */

void lab_sched_barrier_count(pthread_barrier_t *barrier, unsigned count)
{
    RAW(pthread_mutex_lock(&lock));
    barrier_entry *entry = NULL;
    for (int i = 0; i < barrier_count; i++)
        if (barriers[i].barrier == barrier)
            entry = &barriers[i];
    if (entry == NULL) {
        barrier_entry *bigger = realloc(barriers, (size_t)(barrier_count + 1) * sizeof *bigger);
        if (bigger == NULL)
            sched_usage_exit("out of memory (schedule control)");
        barriers = bigger;
        entry = &barriers[barrier_count++];
    }
    *entry = (barrier_entry){barrier, count, 0};
    RAW(pthread_mutex_unlock(&lock));
}

bool lab_sched_barrier_wait(pthread_barrier_t *barrier, const char *file, int line)
{
    lab_sched_thread *self = me;
    RAW(pthread_mutex_lock(&lock));
    barrier_entry *entry = NULL;
    for (int i = 0; i < barrier_count; i++)
        if (barriers[i].barrier == barrier)
            entry = &barriers[i];
    if (entry == NULL || self == NULL) {
        RAW(pthread_mutex_unlock(&lock));
        sched_usage_exit("pthread_barrier_wait at %s:%d: under schedule control a barrier must "
                         "be made by lab_pthread_barrier_init()",
                         base_name(file), line);
    }
    wrapper_point(self, barrier, "wait at barrier", file, line);
    bool serial = ++entry->arrived == entry->count;
    if (serial) { /* the last to arrive opens it, as pthread's serial thread */
        entry->arrived = 0;
        enable_waiters(W_BARRIER, barrier, true);
    } else {
        char address[32];
        set_op(self, file, line, "wait at barrier %s", name_of(barrier, address, sizeof address));
        (void)block(self, W_BARRIER, barrier, INFINITY);
    }
    RAW(pthread_mutex_unlock(&lock));
    return serial;
}

/* ---- time ------------------------------------------------------------------------------------ */

double lab_sched_now(void)
{
    return atomic_load(&virtual_now);
}

void lab_sched_sleep(double real_seconds)
{
    lab_sched_thread *self = me;
    if (self == NULL)
        return;
    RAW(pthread_mutex_lock(&lock));
    double now = atomic_load(&virtual_now);
    if (real_seconds > 0) {
        set_op(self, self->file, self->line, "sleep until %.3f", now + real_seconds);
        (void)block(self, W_SLEEP, NULL, now + real_seconds);
    } else {
        set_op(self, self->file, self->line, "sleep 0 (yield)");
        preempt(self);
    }
    RAW(pthread_mutex_unlock(&lock));
}

/* ---- threads ------------------------------------------------------------------------------ */

lab_sched_thread *lab_sched_thread_new(const char *name)
{
    RAW(pthread_mutex_lock(&lock));
    lab_sched_thread *t = add_thread(name);
    RAW(pthread_mutex_unlock(&lock));
    return t;
}

void lab_sched_thread_started(lab_sched_thread *thread)
{
    lab_sched_thread *self = me;
    if (self == NULL)
        return;
    RAW(pthread_mutex_lock(&lock));
    set_op(self, NULL, 0, "started %s", thread->name);
    preempt(self);
    RAW(pthread_mutex_unlock(&lock));
}

void lab_sched_thread_begin(lab_sched_thread *thread)
{
    me = thread;
    RAW(pthread_setspecific(end_key, thread)); /* for a pthread_exit() on the way */
    RAW(pthread_mutex_lock(&lock));
    while (baton != thread->index)
        RAW(pthread_cond_wait(&thread->turn, &lock));
    set_op(thread, NULL, 0, "run");
    RAW(pthread_mutex_unlock(&lock));
}

/* Lock held. */
static void mark_ended(lab_sched_thread *self)
{
    self->state = ENDED;
    set_op(self, NULL, 0, "ended");
    enable_waiters(W_JOIN, self, true);
}

/* A thread's own key destructors (pthread_key_create: local's) run after its function
 * returned, so after lab_sched_thread_end(): they may print. The ended thread keeps the
 * baton until they are done: this destructor of the controller's key puts itself back
 * once, so it runs again in the next round of destructors, when the others have run
 * (a destructor that sets its key again, round after round, is not waited for). */
static void pass_on_after_destructors(void *value)
{
    lab_sched_thread *self = value;
    if (self->state != ENDED) { /* it called pthread_exit() (main too): it ends here */
        RAW(pthread_mutex_lock(&lock));
        mark_ended(self);
        RAW(pthread_mutex_unlock(&lock));
        me = NULL;
    }
    if (self->end_rounds++ == 0 && pthread_setspecific(end_key, self) == 0)
        return;
    RAW(pthread_mutex_lock(&lock));
    bool all_ended = true; /* after main's pthread_exit(), the last thread's end ends it all */
    for (int i = 0; i < thread_count && all_ended; i++)
        all_ended = threads[i]->state == ENDED;
    if (all_ended) { /* as POSIX says: exit(0) (the watchdog thread would keep us alive) */
        RAW(pthread_mutex_unlock(&lock));
        exit(0);
    }
    baton = pick(self, false); /* no waiting: this thread is done */
    RAW(pthread_cond_signal(&threads[baton]->turn));
    RAW(pthread_mutex_unlock(&lock));
}

void lab_sched_thread_end(void)
{
    lab_sched_thread *self = me;
    if (self == NULL)
        return;
    RAW(pthread_mutex_lock(&lock));
    mark_ended(self);
    RAW(pthread_mutex_unlock(&lock));
    me = NULL; /* points in its destructors are not points of the schedule */
    if (pthread_setspecific(end_key, self) != 0) { /* cannot happen: the key exists */
        self->end_rounds = 1;
        pass_on_after_destructors(self);
    }
}

int lab_sched_join(lab_sched_thread *thread, const struct timespec *deadline)
{
    lab_sched_thread *self = me;
    if (self == NULL || thread == NULL)
        return 0;
    RAW(pthread_mutex_lock(&lock));
    set_op(self, NULL, 0, "join %s", thread->name);
    preempt(self);
    bool timed_out = false;
    if (thread->state != ENDED) {
        set_op(self, NULL, 0, "join %s", thread->name);
        timed_out = block(self, W_JOIN, thread, deadline != NULL ? seconds_of(deadline) : INFINITY);
    }
    RAW(pthread_mutex_unlock(&lock));
    return timed_out ? ETIMEDOUT : 0;
}
