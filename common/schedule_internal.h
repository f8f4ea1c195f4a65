/* schedule_internal.h — what the controller's parts share (sched.c, sched_strategy.c).
 * Not for demos: see sched.h.
 * LOCKING PROTOCOL: every function here is called with the controller's lock held, by the
 * baton holder; none of them blocks except the --step prompt, which waits for the student. */
#ifndef THREADLAB_SCHEDULE_INTERNAL_H
#define THREADLAB_SCHEDULE_INTERNAL_H

#include "schedule.h"

#include <stdbool.h>

/* One choice: several threads can run, one must be picked. */
typedef struct sched_choice {
    int number;           /* 1, 2, ... in this run */
    int count;            /* threads that can run */
    const int *enabled;   /* their indexes, in start order (0 is main) */
    int current;          /* the thread that reached the point */
    bool current_enabled; /* whether it can go on (false: it blocked or ended) */
    int fallback;         /* the default: current if enabled, else enabled[0] */
} sched_choice;

/* The strategy of the run (config->spec) picks one of choice->enabled. A list naming a
 * thread that cannot run here ends the run as a usage error (exit 2). */
int sched_strategy_pick(const sched_choice *choice);
/* A thread was registered (PCT gives it its priority). */
void sched_strategy_thread_added(int index);
/* Set up the strategy for the run. */
void sched_strategy_begin(const lab_sched_config *config);

/* Queries on the controller's threads. */
int sched_thread_count(void);
const char *sched_thread_name(int index);
/* "race.c:44  mark read n": where the thread is and what it does next. */
void sched_thread_describe(int index, char *text, size_t size);
/* Index of the thread named name, or -1. */
int sched_thread_find(const char *name);

/* True while --step waits for the student (the watchdog then waits too). */
extern atomic_bool sched_asking;

/* Fatal in the controller (no lab_* call: the controller is the bottom layer). */
_Noreturn void sched_usage_exit(const char *format, ...) __attribute__((format(printf, 1, 2)));

#endif
