/* gil_lock.h — a simulated global interpreter lock, beside the gil demo, built like
 * CPython's (Python/ceval_gil.c): a flag under a mutex, and a condition variable.
 *   gil_take()          block until the calling thread holds the GIL
 *   gil_drop()          let go of it (the caller holds it)
 *   gil_yield(fair)     the holder, now and then: give the others a turn. fair: CPython 3's
 *                       forced switching; !fair: Python 2's unlock-then-lock
 *   gil_sleep(held, s)  sleep, with the GIL dropped around the wait when the caller holds it
 *   gil_wait_for_queue(n), gil_switches()   for main: the queue, and the hand-overs so far
 * LOCKING PROTOCOL: gil.mutex protects every field; only the gil_* functions touch them.
 */
#ifndef THREADLAB_DEMO_GIL_LOCK_H
#define THREADLAB_DEMO_GIL_LOCK_H

#include "lab.h"

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t changed; /* broadcast whenever held, waiting or switches change */
    bool held;
    int waiting;            /* threads queued for the GIL */
    unsigned long switches; /* times it went to a different thread */
    pthread_t last_holder;
} gil = {.mutex = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};

/* Caller holds gil.mutex and the GIL is free: make it ours. */
static inline void gil_claim(void)
{
    gil.held = true;
    if (!pthread_equal(gil.last_holder, pthread_self())) {
        gil.last_holder = pthread_self();
        gil.switches++;
    }
    lab_pthread_cond_broadcast(&gil.changed);
}

static inline void gil_take(void)
{
    lab_pthread_mutex_lock(&gil.mutex);
    gil.waiting++;
    lab_pthread_cond_broadcast(&gil.changed); /* main may be counting the queue */
    while (gil.held)
        lab_pthread_cond_wait(&gil.changed, &gil.mutex);
    gil.waiting--;
    gil_claim();
    lab_pthread_mutex_unlock(&gil.mutex);
}

static inline void gil_drop(void)
{
    lab_pthread_mutex_lock(&gil.mutex);
    gil.held = false;
    lab_pthread_cond_broadcast(&gil.changed);
    lab_pthread_mutex_unlock(&gil.mutex);
}

static inline void gil_yield(bool fair)
{
    if (!fair) { /* Python 2's way: release, then acquire again at once */
        gil_drop();
        gil_take(); /* usually wins: the waiter it woke is still waking up */
        return;
    }
    /* CPython 3's forced switching: when someone waits, drop the GIL and do not take it back
     * before another thread has had it. Queue up again at once, so it comes back to us. */
    lab_pthread_mutex_lock(&gil.mutex);
    if (gil.waiting > 0) {
        unsigned long before = gil.switches;
        gil.held = false;
        gil.waiting++;
        lab_pthread_cond_broadcast(&gil.changed);
        while (gil.switches == before || gil.held)
            lab_pthread_cond_wait(&gil.changed, &gil.mutex);
        gil.waiting--;
        gil_claim();
    }
    lab_pthread_mutex_unlock(&gil.mutex);
}

/* Sleep `seconds`; with held (the caller holds the GIL), drop it around the wait, as CPython
 * does around every blocking call (Py_BEGIN_ALLOW_THREADS), and take it back after. */
static inline void gil_sleep(bool held, double seconds)
{
    if (held)
        gil_drop();
    lab_sleep(seconds);
    if (held)
        gil_take();
}

/* Main, holding the GIL while it starts the threads (as CPython's main thread does): wait
 * until n threads are queued for it. */
static inline void gil_wait_for_queue(int n)
{
    lab_pthread_mutex_lock(&gil.mutex);
    while (gil.waiting < n)
        lab_pthread_cond_wait(&gil.changed, &gil.mutex);
    lab_pthread_mutex_unlock(&gil.mutex);
}

/* How many times the GIL has gone to a different thread so far. */
static inline unsigned long gil_switches(void)
{
    lab_pthread_mutex_lock(&gil.mutex);
    unsigned long switches = gil.switches;
    lab_pthread_mutex_unlock(&gil.mutex);
    return switches;
}

#endif
