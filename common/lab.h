/* lab.h — everything a demo needs, in one include.
 * Each module is a short read on its own: start with say.h, clock.h and thread.h. Demos
 * also include the headers of the objects they use, so a reader sees them at the top.
 *
 * LAYERS. Each module uses only the modules below it, judged by the symbols its object
 * files use (tests/tools/check-layers.sh, run by `make test`, fails on any cycle; a file
 * X_part.c with no header of its own is part of module X):
 *     fail                    lab_check_at / LAB_CHECK, lab_fail, LAB_SETUP, lab_calloc,
 *                             the program name: the ground floor, uses nothing
 *     rng, schedule           reproducible random streams; the schedule controller
 *                             (--schedule, --step, --explore: one thread at a time)
 *     checked, point          the checked pthread wrappers (through the controller when it
 *                             runs); scheduling points and their recorder
 *     clock                   time (all timespec arithmetic, the one rule for time, the
 *                             speed factor, lab_sleep; virtual under the controller)
 *     thread, timeline        named threads, the registry, lab_main_exit; the timeline's
 *                             model and its chart, SVG and trace outputs
 *     say                     untearable output lines
 *     cli                     the command line, lab_init
 *     the objects (barrier, bsem, condition, event, future, futures, ilock, ilock_log,
 *     interrupt, pool, procpool, queue, rlock, semaphore, timer) sit where their uses put
 *     them; `make test` prints the layers it found.
 *
 * BEFORE MAIN. What the library runs before main() and around fork():
 *   - clock.c  constructor remember_start_time: notes the start instant that lab_elapsed()
 *              and every say() stamp count from;
 *   - thread.c constructor remember_main_thread: notes main's pthread_t (so it is named
 *              "main") and registers fork handlers: the registry's lock is held across
 *              fork(), and in the child the parent's other threads are marked orphaned
 *              (not alive, never waited for) and the forking thread becomes main;
 *   - say.c    constructor register_fork_handlers: the output lock is held across fork(),
 *              so a child never starts with a half-written line's lock taken;
 *   - ilock.c  constructor make_key: creates the thread-specific key whose destructor
 *              forgets an ended thread's lock records.
 *
 * GLOBAL STATE. Everything the library keeps for the whole process:
 *   - fail.c    the program name (lab_set_program_name, set by lab_init);
 *   - clock.c   the speed factor (atomic; --speed, LAB_SPEED) and the start instant;
 *   - rng.c     the run's seed (atomic; --seed or a fresh one);
 *   - point.c   lab_points_on (anybody listens) and whether the recorder records; each
 *               thread's record of points (thread-local) and the names given to objects;
 *   - schedule.c under --schedule/--step/--explore: the baton, the threads' places in the
 *               schedule, the virtual clock (under its own lock);
 *   - thread.c  the registry of started, not yet joined threads and the count of live
 *               ones (under its own lock), main's pthread_t, each thread's name
 *               (thread-local);
 *   - say.c     the output lock, the --quiet flag and the colour decision (atomics);
 *   - ilock.c   the table of instrumented locks and of the threads that use them (under
 *               its own lock), the records' key, each thread's own record (thread-local);
 *   - interrupt.c the set of signals the "signals" thread waits for;
 *   - pool.c    the registry of live pools and an atexit handler (registered by the first
 *               lab_pool_new) that shuts each one down and waits for its queue, as Python
 *               finishes a ThreadPoolExecutor's tasks at interpreter exit;
 *   - future.c  64 shared "waiting rooms" (a mutex and a condition variable each) where
 *               threads sleep on futures, set up on first use (pthread_once).
 * All of it is set before threads start (lab_init) or protected as noted.
 *
 * THE CORE WORDS every demo uses keep short names (docs/contributing.md, rule 2): say,
 * lab_print, lab_result, lab_init, lab_sleep, lab_now, lab_elapsed, lab_fail,
 * lab_main_exit, lab_program_name; with the option table (lab_demo, lab_option, its kinds
 * LAB_OPT_*, LAB_INT, LAB_DOUBLE, LAB_FLAG, LAB_CHOICE, LAB_STRING, LAB_END) and the speed
 * factor (lab_speed, lab_set_speed, lab_real_seconds, lab_class_seconds, lab_deadline).
 */
#ifndef THREADLAB_LAB_H
#define THREADLAB_LAB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the core: every demo uses these */
#include "checked.h"
#include "cli.h"
#include "clock.h"
#include "point.h"
#include "rng.h"
#include "say.h"
#include "thread.h"

/* Python's threading, queue, concurrent.futures and multiprocessing objects, in C */
#include "barrier.h"
#include "bsem.h"
#include "condition.h"
#include "event.h"
#include "future.h"
#include "futures.h"
#include "ilock.h"
#include "ilock_log.h"
#include "interrupt.h"
#include "pool.h"
#include "procpool.h"
#include "queue.h"
#include "rlock.h"
#include "semaphore.h"
#include "timer.h"

#endif
