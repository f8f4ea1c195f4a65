/* say.h — the story a demo tells, one whole line at a time.
 *
 *     [  1.503] car-MINT   | sees red light, waiting for green; every other car waits
 *                          | behind it
 *      class s  thread       what happened
 *
 * One call prints one complete line. Lines from different threads never tear or mix,
 * because each is formatted and then written with a single write() under a lock
 * (stdio's buffering would also lose the last lines of a thread cut off at exit).
 *
 * Time: the stamp is in *class seconds* since the start (real elapsed seconds x --speed),
 * the same seconds the story speaks, so a run at --speed 20 shows the stamps of a run at
 * class pace. It is read under the output lock, so the stamps on screen never go backwards.
 *
 * Width: a projector shows LAB_COLUMNS columns. A longer say() line wraps at a space onto
 * continuation lines that start under the text (a hanging indent below the " | "); a
 * lab_print() line wraps under its own indentation plus two. The result: line never wraps.
 *
 * Colour: each thread's name gets a colour by order of appearance in the run (the first
 * thread to speak after main gets the first colour, ...; main stays in the terminal's own
 * colour), from LAB_PALETTE_SIZE colours of the 256-colour table chosen to read on both
 * light and dark backgrounds (no yellow, no bright cyan), cycling after that. Whether to
 * colour: --color=auto|always|never; auto (the default) colours only when stdout is a
 * terminal and NO_COLOR (https://no-color.org) is unset or empty.
 *
 * --quiet silences the story; the result: line is always printed.
 */
#ifndef THREADLAB_SAY_H
#define THREADLAB_SAY_H

#include <stdbool.h>

#define LAB_LINE_MAX     1024 /* a longer text is cut short, marked with "..." (before wrapping) */
#define LAB_COLUMNS      100  /* the widest line a demo prints for a person */
#define LAB_PALETTE_SIZE 8    /* distinct thread colours before they cycle */

/* One story line, prefixed with class seconds and the calling thread's name; wrapped. */
void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* One line without the prefix (headings, tables); wrapped; silenced by --quiet like say(). */
void lab_print(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* The machine-checkable summary, always printed, never wrapped, and the last stdout line:
 * story lines that come after it (a daemon thread cut off at exit) are not printed.
 *     result: <your key=value pairs> seed=<the run's seed>                        */
void lab_result(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Silence (true) or restore (false) say() and lab_print(). */
void lab_set_quiet(bool quiet);
bool lab_quiet(void);

/* When to colour thread names (--color=WHEN); the order matches the option's words. */
typedef enum lab_color {
    LAB_COLOR_AUTO,   /* on a terminal, and NO_COLOR unset or empty (the default) */
    LAB_COLOR_ALWAYS, /* even into a pipe or a file, whatever NO_COLOR says */
    LAB_COLOR_NEVER,
} lab_color;
void lab_set_color(lab_color when);

#endif
