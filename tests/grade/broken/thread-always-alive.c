/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/thread.c with one
 * change: is_alive() answers true even after the thread function returned.
 * Try: make grade MODULE=thread SRC=tests/grade/broken/thread-always-alive.c
 * grade: module thread
 * expect: FAIL ; is_alive_turns_false_when_fn_returns
 */
/* thread.c — named threads and the registry (see thread.h). */
#include "thread.h"

#include "checked.h"
#include "clock.h"
#include "point.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lab_thread {
    pthread_t id;
    char name[LAB_THREAD_NAME_MAX];
    lab_thread_daemon daemon;
    lab_thread_fn fn;
    void *arg;
    bool alive;       /* fn has not returned yet */
    bool claimed;     /* someone is joining it: nobody else may */
    bool orphaned;    /* left behind by fork(): exists only in the parent */
    lab_thread *next; /* registry list */
};

/* The registry: every started thread not yet joined. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static lab_thread *registry;
static int live_threads; /* started and fn not returned */

static _Thread_local char current_name[LAB_THREAD_NAME_MAX] = "";
static pthread_t main_thread;

/* In a child of fork() only the forking thread exists: the other threads' records
 * describe threads the child does not have. They are marked orphaned (not alive, not to
 * be waited for; joining one returns at once), and the forking thread becomes the
 * child's main thread, as Python does after os.fork(). */
static void before_fork(void)
{
    lab_pthread_mutex_lock(&registry_lock);
}

static void after_fork_in_parent(void)
{
    lab_pthread_mutex_unlock(&registry_lock);
}

static void after_fork_in_child(void)
{
    for (lab_thread *t = registry; t != NULL; t = t->next) {
        t->orphaned = true;
        t->alive = false;
    }
    live_threads = 0;
    main_thread = pthread_self();
    lab_pthread_mutex_unlock(&registry_lock);
}

/* Runs before main(), in the main thread. */
__attribute__((constructor)) static void remember_main_thread(void)
{
    main_thread = pthread_self();
    LAB_CHECK(pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child));
}

/* Append, so that the registry lists threads in the order they started. */
static void registry_add(lab_thread *thread)
{
    lab_pthread_mutex_lock(&registry_lock);
    lab_thread **link = &registry;
    while (*link != NULL)
        link = &(*link)->next;
    *link = thread;
    live_threads++;
    lab_pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(lab_thread *thread)
{
    lab_pthread_mutex_lock(&registry_lock);
    for (lab_thread **link = &registry; *link != NULL; link = &(*link)->next) {
        if (*link == thread) {
            *link = thread->next;
            break;
        }
    }
    lab_pthread_mutex_unlock(&registry_lock);
}

/* Every lab thread starts here: name itself, run fn, then count itself out. */
static void *thread_trampoline(void *self_arg)
{
    lab_thread *self = self_arg;
    lab_thread_set_current_name(self->name);
    lab_point(LAB_POINT_START, self, "thread");
    void *result = self->fn(self->arg);
    lab_point(LAB_POINT_END, self, "thread");
    lab_pthread_mutex_lock(&registry_lock);
    self->alive = false;
    live_threads--;
    lab_pthread_mutex_unlock(&registry_lock);
    return result;
}

lab_thread *lab_thread_start(lab_thread_fn fn, void *arg, lab_thread_daemon daemon,
                             const char *name_format, ...)
{
    lab_thread *thread = lab_calloc(1, sizeof *thread);
    va_list args;
    va_start(args, name_format);
    vsnprintf(thread->name, sizeof thread->name, name_format, args);
    va_end(args);
    thread->fn = fn;
    thread->arg = arg;
    thread->daemon = daemon;
    thread->alive = true; /* counted from start(), as Python does */

    registry_add(thread);
    int rc = pthread_create(&thread->id, NULL, thread_trampoline, thread);
    if (rc != 0) {
        registry_remove(thread);
        lab_pthread_mutex_lock(&registry_lock);
        live_threads--;
        lab_pthread_mutex_unlock(&registry_lock);
        char name[LAB_THREAD_NAME_MAX];
        char reason[128];
        memcpy(name, thread->name, sizeof name);
        free(thread);
        lab_fail("cannot start thread '%s': %s", name, strerror_r(rc, reason, sizeof reason));
    }
    return thread;
}

/* Mark the thread as being joined by the caller; a second joiner is a bug.
 * Returns false for a thread fork() left behind, which has nothing to join. */
static bool claim(lab_thread *thread)
{
    lab_pthread_mutex_lock(&registry_lock);
    bool already = thread->claimed;
    bool orphaned = thread->orphaned;
    thread->claimed = true;
    lab_pthread_mutex_unlock(&registry_lock);
    if (already && !orphaned)
        lab_check_at(EINVAL, "lab_thread_join (thread already joined)", __FILE__, __LINE__);
    return !orphaned;
}

static void *finish_join(lab_thread *thread, void *result)
{
    registry_remove(thread);
    free(thread);
    return result;
}

void *lab_thread_join(lab_thread *thread)
{
    if (!claim(thread))
        return finish_join(thread, NULL);
    void *result = NULL;
    lab_point(LAB_POINT_WAIT, thread, "thread");
    LAB_CHECK(pthread_join(thread->id, &result));
    lab_point(LAB_POINT_GET, thread, "thread");
    return finish_join(thread, result);
}

int lab_thread_join_timeout(lab_thread *thread, double class_seconds, void **result)
{
    if (lab_clock_check_duration(class_seconds) != 0)
        return EINVAL;
    /* pthread_timedjoin_np takes a CLOCK_REALTIME instant; 0 gives "now": one look. */
    struct timespec at = lab_timespec_after(CLOCK_REALTIME, lab_real_seconds(class_seconds));
    if (!claim(thread)) {
        finish_join(thread, NULL);
        return 0;
    }
    void *value = NULL;
    lab_point(LAB_POINT_WAIT, thread, "thread");
    int rc = pthread_timedjoin_np(thread->id, &value, &at);
    lab_point(rc == 0 ? LAB_POINT_GET : LAB_POINT_TIMEOUT, thread, "thread");
    if (rc == ETIMEDOUT) {
        lab_pthread_mutex_lock(&registry_lock);
        thread->claimed = false; /* still running: it can be joined later */
        lab_pthread_mutex_unlock(&registry_lock);
        return ETIMEDOUT;
    }
    LAB_CHECK(rc);
    if (result != NULL)
        *result = value;
    finish_join(thread, value);
    return 0;
}

bool lab_thread_is_alive(const lab_thread *thread)
{
    lab_pthread_mutex_lock(&registry_lock);
    bool alive = thread != NULL; /* BROKEN: alive forever */
    lab_pthread_mutex_unlock(&registry_lock);
    return alive;
}

const char *lab_thread_name(const lab_thread *thread)
{
    return thread->name;
}

const char *lab_thread_current_name(void)
{
    if (current_name[0] != '\0')
        return current_name;
    return pthread_equal(pthread_self(), main_thread) ? "main" : "?";
}

void lab_thread_set_current_name(const char *name)
{
    snprintf(current_name, sizeof current_name, "%s", name);
    char kernel_name[16]; /* the kernel keeps at most 15 characters */
    size_t length = strnlen(name, sizeof kernel_name - 1);
    memcpy(kernel_name, name, length);
    kernel_name[length] = '\0';
    pthread_setname_np(pthread_self(), kernel_name); /* cosmetic: ignore failure */
}

int lab_thread_active_count(void)
{
    lab_pthread_mutex_lock(&registry_lock);
    int count = 1 + live_threads;
    lab_pthread_mutex_unlock(&registry_lock);
    return count;
}

size_t lab_thread_enumerate(char names[][LAB_THREAD_NAME_MAX], size_t max)
{
    size_t count = 0;
    if (max > 0)
        snprintf(names[0], LAB_THREAD_NAME_MAX, "main");
    count++;
    lab_pthread_mutex_lock(&registry_lock);
    for (lab_thread *t = registry; t != NULL; t = t->next) {
        if (!t->alive)
            continue;
        if (count < max)
            memcpy(names[count], t->name, LAB_THREAD_NAME_MAX);
        count++;
    }
    lab_pthread_mutex_unlock(&registry_lock);
    return count;
}

/* A thread of the given kind that nobody is joining yet, claimed for the caller; or NULL. */
static lab_thread *claim_next(lab_thread_daemon kind)
{
    lab_pthread_mutex_lock(&registry_lock);
    lab_thread *found = NULL;
    for (lab_thread *t = registry; t != NULL && found == NULL; t = t->next) {
        if (t->daemon == kind && !t->claimed && !t->orphaned) {
            t->claimed = true;
            found = t;
        }
    }
    lab_pthread_mutex_unlock(&registry_lock);
    return found;
}

_Noreturn void lab_main_exit(int status)
{
    lab_thread *thread;
    while ((thread = claim_next(LAB_THREAD_NOT_DAEMON)) != NULL) {
        LAB_CHECK(pthread_join(thread->id, NULL));
        finish_join(thread, NULL);
    }
    /* Nobody will join the daemons now: detach them, so that their end (if they get
     * that far before exit) frees their resources instead of leaking a zombie thread. */
    while ((thread = claim_next(LAB_THREAD_DAEMON)) != NULL)
        LAB_CHECK(pthread_detach(thread->id));
    exit(status);
}
