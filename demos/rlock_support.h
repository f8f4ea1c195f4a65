/* rlock_support.h — the rlock demo's mechanics, kept beside it so the demo reads as the
 * story: a return code's name, and running a function in another thread, named, to its end.
 */
#ifndef THREADLAB_DEMO_RLOCK_SUPPORT_H
#define THREADLAB_DEMO_RLOCK_SUPPORT_H

#include "lab.h"

#include <errno.h>

/* The name of a return code: "0", "timeout" (ETIMEDOUT), "EDEADLK", "EPERM", "EBUSY"...
 * Can't fail. */
static inline const char *code_name(int rc)
{
    const char *name = rc == 0 ? "0" : rc == ETIMEDOUT ? "timeout" : strerrorname_np(rc);
    return name != NULL ? name : "unknown"; /* "EDEADLK", "EPERM", "EBUSY"... */
}

/* Run fn(NULL) in a new thread called name, join it, and return what it returned, as an int.
 * Exits 1 (as lab_thread_start does) if the thread cannot be started. */
static inline int in_another_thread(void *(*fn)(void *), const char *name)
{
    return (int)(long)lab_thread_join(
        lab_thread_start(fn, NULL, LAB_THREAD_NOT_DAEMON, "%s", name));
}

#endif
