/* say.h — the story a demo tells, one whole line at a time.
 *
 *     [  1.503] car-MINT   | sees red light, waiting...
 *      elapsed   thread       what happened
 *
 * One call prints one complete line. Lines from different threads never tear or mix,
 * because each is formatted first and then written with a single write() under a lock
 * (stdio's buffering would also lose the last lines of a thread cut off at exit).
 * Elapsed time is real seconds since the program started.
 * On a terminal each thread's name gets its own colour, unless NO_COLOR is set.
 * --quiet silences the story; the result: line is always printed.
 */
#ifndef THREADLAB_SAY_H
#define THREADLAB_SAY_H

#include <stdbool.h>

#define LAB_LINE_MAX 1024   /* longer lines are cut short, marked with "..." */

/* One story line, prefixed with elapsed time and the calling thread's name. */
void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* One line without the prefix (headings, tables); silenced by --quiet like say(). */
void lab_print(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* The machine-checkable summary, always printed, meant to be the last stdout line:
 *     result: <your key=value pairs> seed=<the run's seed>                        */
void lab_result(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Silence (true) or restore (false) say() and lab_print(). */
void lab_set_quiet(bool quiet);
bool lab_quiet(void);

/* Force colour on or off (the default: on a terminal and NO_COLOR unset or empty). */
void lab_set_colour(bool colour);

#endif
