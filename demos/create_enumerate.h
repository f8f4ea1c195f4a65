/* create_enumerate.h — the create demo's threading.enumerate(): say the names of the live
 * threads the registry (common/thread.h) knows, and count them.
 */
#ifndef THREADLAB_DEMO_CREATE_ENUMERATE_H
#define THREADLAB_DEMO_CREATE_ENUMERATE_H

#include "lab.h"

/* Python's threading.enumerate(): says the names of the live threads the registry knows;
 * returns how many there are. Bare pthreads are not among them. */
static inline int say_enumerate(void)
{
    char names[16][LAB_THREAD_NAME_MAX];
    size_t live = lab_thread_enumerate(names, 16);
    char list[100] = "";
    for (size_t i = 0; i < live && i < 16; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? " " : "", names[i]);
    say("enumerate: %s", list);
    return (int)live;
}

#endif
