/* lab.h — everything a demo needs, in one include.
 * Each module is a short read on its own: start with say.h, clock.h and thread.h. */
#ifndef THREADLAB_LAB_H
#define THREADLAB_LAB_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "cli.h"
#include "clock.h"
#include "rng.h"
#include "say.h"
#include "thread.h"

#endif
