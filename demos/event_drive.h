/* event_drive.h — the event demo's bookkeeping, kept beside it so the demo reads as the
 * light and the cars: the statistics of the run, and drive(), one tick of driving that
 * counts the cars running on red (licensed by a red answer) and the most at once.
 */
#ifndef THREADLAB_DEMO_EVENT_DRIVE_H
#define THREADLAB_DEMO_EVENT_DRIVE_H

#include "lab.h"

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static int on_red_now, max_running_on_red, red_waits; /* protected by stats_lock */
static long checks;                                   /* protected by stats_lock */

/* One tick of driving, tick class seconds; licensed_by_green is what the car last learned
 * about the light. Aborts on a pthread error. */
static void drive(bool licensed_by_green, double tick)
{
    int on_red = licensed_by_green ? 0 : 1;
    lab_pthread_mutex_lock(&stats_lock);
    if ((on_red_now += on_red) > max_running_on_red)
        max_running_on_red = on_red_now;
    lab_pthread_mutex_unlock(&stats_lock);
    if (on_red)
        say("is running ON RED");
    lab_sleep(tick);
    lab_pthread_mutex_lock(&stats_lock);
    on_red_now -= on_red;
    lab_pthread_mutex_unlock(&stats_lock);
}

#endif
