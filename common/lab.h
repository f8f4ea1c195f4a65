/* lab.h — everything a demo needs, in one include.
 * Each module is a short read on its own: start with say.h, clock.h and thread.h. Demos
 * also include the headers of the objects they use, so a reader sees them at the top. */
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
#include "ilock.h"
#include "interrupt.h"
#include "pool.h"
#include "procpool.h"
#include "queue.h"
#include "rlock.h"
#include "semaphore.h"
#include "timer.h"

#endif
