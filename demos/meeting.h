/* meeting.h — a meeting with a deadline, beside the demos that need one (deadlock): each
 * thread that arrives waits until `expected` threads have arrived or `seconds` class
 * seconds have passed, whichever comes first. A pthread_barrier with a time limit: a
 * thread stuck elsewhere (behind a lock) cannot keep the others waiting for ever.
 * LOCKING PROTOCOL: meeting.lock protects arrived; only meeting_* touch it.
 */
#ifndef THREADLAB_DEMO_MEETING_H
#define THREADLAB_DEMO_MEETING_H

#include "lab.h"

#include <errno.h>

typedef struct meeting {
    pthread_mutex_t lock;
    pthread_cond_t everyone_here; /* monotonic: paired with lab_deadline() */
    int arrived;
} meeting;

/* Returns 0 or the error of pthread_cond_init. */
static inline int meeting_init(meeting *m)
{
    *m = (meeting){.lock = PTHREAD_MUTEX_INITIALIZER};
    return lab_pthread_cond_init_monotonic(&m->everyone_here);
}

/* Arrive, and wait for the others (at most `seconds`). Aborts on a pthread error. */
static inline void meeting_attend(meeting *m, int expected, double seconds)
{
    struct timespec until = lab_deadline(seconds);
    lab_pthread_mutex_lock(&m->lock);
    m->arrived++;
    lab_pthread_cond_broadcast(&m->everyone_here);
    int rc = 0;
    while (m->arrived < expected && rc != ETIMEDOUT)
        rc = lab_pthread_cond_timedwait(&m->everyone_here, &m->lock, &until);
    if (rc != 0 && rc != ETIMEDOUT)
        LAB_CHECK(rc);
    lab_pthread_mutex_unlock(&m->lock);
}

#endif
