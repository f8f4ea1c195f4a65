/* point.c — scheduling points (see point.h). The recorder is built by the timeline work;
 * until it is enabled, every point is the flag test in lab_point() alone. */
#include "point.h"

#include "schedule.h"   /* schedule control */

#include <errno.h>

atomic_bool lab_points_on = false;

void lab_point_at(lab_point_kind point, const void *object, const char *kind, const char *file,
                  int line)
{
    if (LAB_SCHED_ON())   /* schedule control: every point is a preemption point */
        lab_sched_point(point, object, kind, file, line);
}

void lab_point_name(const void *object, const char *name)
{
    (void)object, (void)name;
}

int lab_points_enable(void)
{
    return ENOSYS;
}

const char *lab_point_kind_name(lab_point_kind point)
{
    static const char *const names[] = {"start", "end",   "wait",  "get", "timeout",
                                        "release", "sleep", "woke", "mark"};
    return (unsigned)point < sizeof names / sizeof names[0] ? names[point] : "?";
}
