/* timer.c — a thread that waits, then calls (see timer.h). */
#include "timer.h"

#include "checked.h"
#include "clock.h"
#include "point.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef enum { WAITING, FIRED, CANCELLED } timer_state;

struct lab_timer {
    pthread_mutex_t lock;
    pthread_cond_t cancelled; /* signalled by lab_timer_cancel() */
    timer_state state;        /* protected by lock */
    struct timespec deadline; /* when to fire; set before the thread starts */
    lab_timer_fn fn;
    void *arg;
    lab_thread *thread;
};

/* The timer thread: wait for a cancel until the deadline, then fire unless cancelled. */
static void *wait_then_fire(void *arg)
{
    lab_timer *timer = arg;
    lab_pthread_mutex_lock(&timer->lock);
    if (timer->state == WAITING)
        lab_point(LAB_POINT_WAIT, timer, "timer");
    while (timer->state == WAITING) { /* while: wake-ups can be spurious */
        int rc = lab_pthread_cond_timedwait(&timer->cancelled, &timer->lock, &timer->deadline);
        if (rc == ETIMEDOUT) {
            if (timer->state == WAITING)
                timer->state = FIRED; /* decided under the lock: a later cancel sees FIRED */
            break;
        }
    }
    bool fire = timer->state == FIRED;
    lab_pthread_mutex_unlock(&timer->lock);
    /* Like Python's Timer, which waits on an Event with a timeout: timing out means fire. */
    lab_point(fire ? LAB_POINT_TIMEOUT : LAB_POINT_GET, timer, "timer");
    if (fire)
        timer->fn(timer->arg); /* no lock held: fn may take as long as it likes */
    return NULL;
}

lab_timer *lab_timer_start(double delay, lab_timer_fn fn, void *arg, const char *name_format, ...)
{
    if (!(delay >= 0 && isfinite(delay))) { /* never "forever": the rule for time */
        errno = EINVAL;
        return NULL;
    }
    lab_timer *timer = lab_calloc(1, sizeof *timer);
    LAB_CHECK(pthread_mutex_init(&timer->lock, NULL));
    LAB_CHECK(lab_pthread_cond_init_monotonic(&timer->cancelled));
    timer->state = WAITING;
    timer->deadline = lab_deadline(delay); /* counted from start, as Python's */
    timer->fn = fn;
    timer->arg = arg;
    char name[LAB_THREAD_NAME_MAX];
    va_list args;
    va_start(args, name_format);
    vsnprintf(name, sizeof name, name_format, args);
    va_end(args);
    timer->thread = lab_thread_start(wait_then_fire, timer, LAB_THREAD_NOT_DAEMON, "%s", name);
    return timer;
}

bool lab_timer_cancel(lab_timer *timer)
{
    lab_pthread_mutex_lock(&timer->lock);
    if (timer->state == WAITING) {
        timer->state = CANCELLED;
        lab_point(LAB_POINT_RELEASE, timer, "timer"); /* before the timer thread's GET */
        /* wake the timer thread: it ends without firing */
        lab_pthread_cond_signal(&timer->cancelled);
    }
    bool prevented = timer->state == CANCELLED;
    lab_pthread_mutex_unlock(&timer->lock);
    return prevented;
}

bool lab_timer_fired(lab_timer *timer)
{
    lab_pthread_mutex_lock(&timer->lock);
    bool fired = timer->state == FIRED;
    lab_pthread_mutex_unlock(&timer->lock);
    return fired;
}

void lab_timer_join(lab_timer *timer)
{
    lab_thread_join(timer->thread);
    lab_pthread_cond_destroy(&timer->cancelled);
    lab_pthread_mutex_destroy(&timer->lock);
    free(timer);
}
