/* ilock_table.c — what the instrumented locks know about each other (see ilock.h): the
 * list of every lock, and a record of every thread that has used one (its name, the lock
 * it waits for), all under one table lock. ilock.c reads and writes the records under that
 * lock to follow the waits; this file makes, lists and forgets them.
 * Before main: a constructor makes the key whose destructor forgets a thread at its exit.
 */
#include "ilock_internal.h"

#include "checked.h"

#include <stdio.h>
#include <stdlib.h>

pthread_mutex_t lab_ilock_table_lock = PTHREAD_MUTEX_INITIALIZER;
static lab_ilock *all_locks; /* table lock: in the order they were made (gdb: p *all_locks) */
static lab_ilock_thread *all_threads; /* table lock */

static pthread_key_t record_key;                /* its destructor forgets an ended thread */
_Thread_local lab_ilock_thread *lab_ilock_self; /* the calling thread's record, or NULL */

/* pthread key destructor, at thread exit: forget the thread, unless it still holds a lock
 * (then its record stays, so that the lock can still name its owner). */
static void forget_thread(void *record)
{
    lab_ilock_thread *thread = record;
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    bool holding = false;
    for (lab_ilock *lock = all_locks; lock != NULL; lock = lock->next)
        holding = holding || atomic_load_explicit(&lock->owner, memory_order_relaxed) == thread;
    if (holding) {
        thread->ended = true;
    } else {
        for (lab_ilock_thread **link = &all_threads; *link != NULL; link = &(*link)->next) {
            if (*link == thread) {
                *link = thread->next;
                break;
            }
        }
        free(thread);
    }
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
    lab_ilock_self = NULL;
}

/* Runs before main(), so the key exists before any thread can need it. */
__attribute__((constructor)) static void make_key(void)
{
    LAB_CHECK(pthread_key_create(&record_key, forget_thread));
}

lab_ilock *lab_ilock_table_locks(void)
{
    return all_locks;
}

lab_ilock_thread *lab_ilock_register_me(void)
{
    lab_ilock_thread *thread = lab_calloc(1, sizeof *thread);
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    snprintf(thread->name, sizeof thread->name, "%s", lab_thread_current_name());
    thread->next = all_threads;
    all_threads = thread;
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
    LAB_CHECK(pthread_setspecific(record_key, thread));
    lab_ilock_self = thread;
    return thread;
}

void lab_ilock_table_add(lab_ilock *lock)
{
    lock->next = NULL;
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    lab_ilock **link = &all_locks;
    while (*link != NULL)
        link = &(*link)->next;
    *link = lock;
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
}

void lab_ilock_table_remove(lab_ilock *lock)
{
    lab_pthread_mutex_lock(&lab_ilock_table_lock);
    for (lab_ilock **link = &all_locks; *link != NULL; link = &(*link)->next) {
        if (*link == lock) {
            *link = lock->next;
            break;
        }
    }
    lab_pthread_mutex_unlock(&lab_ilock_table_lock);
}
