/* timeline.h — what each thread did and when, built from the scheduling points (point.h),
 * and the three pictures of it: the ASCII chart (--timeline), the SVG swimlanes
 * (--timeline=FILE.svg) and the Chrome trace-event JSON (--trace=FILE.json).
 *
 * The model: one row per thread that recorded a point; each row a list of spans, back to
 * back, in one of three states: running, sleeping, waiting (for which object, of which
 * kind, held by whom when it is a lock). Between a thread's START and END it is always in
 * one of them; before and after, it does not exist. A wake-up (flow) is drawn from the
 * thread that RELEASEd an object (or ended, for a join) to the next thread whose wait for
 * that object ended with a GET. Marks are instants with a label. Time is in class seconds
 * since the program started (the demo's [elapsed] stamps times --speed).
 * docs/timeline.md says how to read each picture.
 */
#ifndef THREADLAB_TIMELINE_H
#define THREADLAB_TIMELINE_H

#include "point.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum lab_state { LAB_STATE_RUNNING, LAB_STATE_SLEEPING, LAB_STATE_WAITING } lab_state;

typedef struct lab_span {
    double begin, end; /* class seconds */
    lab_state state;
    const char *kind;    /* WAITING: "lock", "semaphore", "thread" (a join)...; else NULL */
    char object[32];     /* WAITING: the object's name */
    int owner;           /* WAITING for a lock: the row that held it, else -1 */
    const void *address; /* WAITING: the object's address (names may repeat) */
    bool timed_out;      /* WAITING ended by a TIMEOUT */
    const char *file;    /* where the span began */
    int line;
} lab_span;

typedef struct lab_row {
    char name[32];
    int id;            /* the recorder's thread id */
    double begin, end; /* when it started and ended (or stopped being recorded) */
    bool ended;        /* it recorded END */
    size_t dropped;    /* its events that did not fit: the row stops early */
    lab_span *spans;
    size_t span_count;
} lab_row;

typedef struct lab_flow {
    int from_row, to_row;
    double from, to; /* the RELEASE, and the GET it allowed */
    char object[32];
    const char *kind;
} lab_flow;

/* A lock or a semaphore permit held by one thread, from its GET to its RELEASE by the same
 * thread (or the end): who is "inside". */
typedef struct lab_hold {
    int row;
    double begin, end;
    char object[32];
    const char *kind;
} lab_hold;

typedef struct lab_mark {
    int row;
    double at;
    char label[48];
} lab_mark;

typedef struct lab_timeline {
    lab_row *rows;
    size_t row_count;
    lab_flow *flows;
    size_t flow_count;
    lab_mark *marks;
    size_t mark_count;
    lab_hold *holds; /* in the order they began */
    size_t hold_count;
    double end;     /* class seconds: the right edge */
    size_t dropped; /* all rows' dropped events */
} lab_timeline;

/* Build the model from recorded logs. origin: lab_now() at program start; speed: the
 * factor to class seconds; end: the lab_now() instant the chart ends at (threads still
 * running or waiting then are drawn up to it). Never NULL (aborts when out of memory). */
lab_timeline *lab_timeline_build(const lab_point_log *logs, size_t count, double origin,
                                 double speed, double end);
/* lab_points_collect() + lab_timeline_build() as of now. */
lab_timeline *lab_timeline_capture(void);
void lab_timeline_free(lab_timeline *timeline);

/* "running", "sleeping", "waiting". */
const char *lab_state_name(lab_state state);
/* Whether a point kind is a lock that one thread holds at a time ("lock", "rlock", "mutex"). */
bool lab_kind_is_lock(const char *kind);
/* What a span is, for a label: "running", "sleeping", "lock counter lock (held by t0)". */
void lab_span_describe(const lab_timeline *timeline, const lab_span *span, char *text, size_t size);

/* The ASCII chart: `columns` wide (at least 40), ANSI colours when colour is true. */
void lab_timeline_chart(const lab_timeline *timeline, const char *title, FILE *out, int columns,
                        bool colour);
/* Chrome trace-event JSON (Perfetto, chrome://tracing). Returns 0 or errno (write error). */
int lab_timeline_write_trace(const lab_timeline *timeline, const char *program, FILE *out);
/* SVG swimlanes. Returns 0 or errno (write error). */
int lab_timeline_write_svg(const lab_timeline *timeline, const char *program, FILE *out);

/* The flags: check that the files can be written (NULL when fine, else a one-line message
 * for a usage error), start the recorder, and at exit draw the chart on stderr (when
 * `chart`) and write each file (to FILE.tmp, then renamed; on failure: "<program>: cannot
 * write FILE: reason" on stderr and exit status 1). Paths may be NULL. */
const char *lab_timeline_setup(const char *program, bool chart, const char *svg_path,
                               const char *trace_path);
/* The chart's width: $COLUMNS, else the terminal's (stderr a TTY), else 100. */
int lab_timeline_columns(void);

#endif
