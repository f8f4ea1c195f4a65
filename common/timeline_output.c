/* timeline_output.c — the flags --timeline, --timeline=FILE.svg, --trace=FILE.json: check
 * the paths at start, record, and draw or write everything at exit (see timeline.h).
 * For tests and for whoever debugs a module's points, the environment variable
 * LAB_POINTS_LOG=FILE also records, and writes every recorded point as a line of text.
 *
 * The chart goes to stderr, so that the demo's last stdout line stays its result: line.
 * Files are written to FILE.tmp and renamed over FILE only when complete, so a failure
 * never leaves a half-written file that looks valid. */
#include "timeline.h"

#include "clock.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
    char program[64];
    bool chart;
    char *svg;
    char *trace;
    char *points; /* LAB_POINTS_LOG */
    pid_t pid;    /* a forked child does not write the parent's files */
} output;

lab_timeline *lab_timeline_capture(void)
{
    lab_point_log *logs;
    size_t count = lab_points_collect(&logs);
    double now = lab_now();
    lab_timeline *tl = lab_timeline_build(logs, count, now - lab_elapsed(), lab_speed(), now);
    lab_points_free(logs, count);
    return tl;
}

/* NULL when path can be written, else why not. */
static const char *check_path(const char *flag, const char *path, char *message, size_t size)
{
    struct stat status;
    if (stat(path, &status) == 0 && S_ISDIR(status.st_mode)) {
        snprintf(message, size, "%s=%s: that is a directory, not a file", flag, path);
        return message;
    }
    char *copy = strdup(path);
    if (copy == NULL) {
        snprintf(message, size, "%s=%s: out of memory", flag, path);
        return message;
    }
    const char *directory = dirname(copy);
    int rc = access(directory, W_OK) == 0 ? 0 : errno;
    if (rc != 0)
        snprintf(message, size, "%s=%s: cannot write in %s: %s", flag, path, directory,
                 strerror(rc));
    free(copy);
    return rc != 0 ? message : NULL;
}

static bool colour_wanted(void)
{
    const char *no_colour = getenv("NO_COLOR");
    return isatty(STDERR_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
}

int lab_timeline_columns(void)
{
    const char *text = getenv("COLUMNS");
    char *end;
    long columns = text != NULL ? strtol(text, &end, 10) : 0;
    if (text != NULL && end != text && *end == '\0' && columns >= 40 && columns <= 1000)
        return (int)columns;
    struct winsize size;
    if (isatty(STDERR_FILENO) && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40)
        return size.ws_col;
    return 100;
}

/* The raw points, one line each in time order (ties: by thread), tab-separated:
 * class seconds, thread id, thread name, point, kind, object, file:line. The object is its
 * name, else kind@address; for a mark, its label. */
typedef struct point_line {
    const lab_point_event *event;
    const lab_point_log *log;
    size_t index;
} point_line;

static int by_time(const void *a, const void *b)
{
    const point_line *x = a, *y = b;
    if (x->event->at != y->event->at)
        return x->event->at < y->event->at ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int write_points(const lab_timeline *tl, const char *program, FILE *out)
{
    (void)tl;
    (void)program;
    lab_point_log *logs;
    size_t count = lab_points_collect(&logs);
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += logs[i].count;
    point_line *lines = calloc(total + 1, sizeof *lines);
    if (lines == NULL) {
        lab_points_free(logs, count);
        return ENOMEM;
    }
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < logs[i].count; j++, n++)
            lines[n] = (point_line){&logs[i].events[j], &logs[i], n};
    qsort(lines, n, sizeof *lines, by_time); /* ties: each thread's own order */
    double origin = lab_now() - lab_elapsed();
    for (size_t i = 0; i < n; i++) {
        const lab_point_event *e = lines[i].event;
        char object[64];
        if (e->point == LAB_POINT_MARK)
            snprintf(object, sizeof object, "%s", e->object ? (const char *)e->object : "");
        else if (e->object == NULL)
            snprintf(object, sizeof object, "-");
        else if (!lab_point_object_name(e->object, object, sizeof object))
            snprintf(object, sizeof object, "%s@%p", e->kind ? e->kind : "object", e->object);
        fprintf(out, "%.6f\t%d\t%s\t%s\t%s\t%s\t%s:%d\n", (e->at - origin) * lab_speed(),
                lines[i].log->id, lines[i].log->name, lab_point_kind_name(e->point),
                e->kind ? e->kind : "-", object, e->file ? e->file : "?", e->line);
    }
    free(lines);
    lab_points_free(logs, count);
    return ferror(out) ? (errno != 0 ? errno : EIO) : 0;
}

/* Write path through path.tmp; 0 or the errno of what failed. */
static int write_file(const char *path, const lab_timeline *tl,
                      int (*writer)(const lab_timeline *, const char *, FILE *))
{
    size_t length = strlen(path) + 5;
    char *temporary = malloc(length);
    if (temporary == NULL)
        return ENOMEM;
    snprintf(temporary, length, "%s.tmp", path);
    int rc = 0;
    FILE *file = fopen(temporary, "w");
    if (file == NULL) {
        rc = errno;
    } else {
        rc = writer(tl, output.program, file);
        if (fclose(file) != 0 && rc == 0)
            rc = errno;
        if (rc == 0 && rename(temporary, path) != 0)
            rc = errno;
        if (rc != 0)
            unlink(temporary);
    }
    free(temporary);
    return rc;
}

static void write_outputs(void)
{
    if (getpid() != output.pid)
        return;
    lab_timeline *tl = lab_timeline_capture();
    if (output.chart) {
        fflush(stdout);
        char title[128];
        snprintf(title, sizeof title, "timeline of %s at speed %gx", output.program, lab_speed());
        lab_timeline_chart(tl, title, stderr, lab_timeline_columns(), colour_wanted());
        fflush(stderr);
    }
    if (!output.chart && tl->dropped > 0) /* the chart says it otherwise */
        fprintf(stderr, "%s: note: %zu timeline events dropped (at most %d kept per thread)\n",
                output.program, tl->dropped, LAB_POINT_CAP);
    bool failed = false;
    const char *paths[] = {output.svg, output.trace, output.points};
    int (*writers[])(const lab_timeline *, const char *,
                     FILE *) = {lab_timeline_write_svg, lab_timeline_write_trace, write_points};
    for (int i = 0; i < 3; i++) {
        if (paths[i] == NULL)
            continue;
        int rc = write_file(paths[i], tl, writers[i]);
        if (rc != 0) {
            fprintf(stderr, "%s: cannot write %s: %s\n", output.program, paths[i], strerror(rc));
            failed = true;
        }
    }
    lab_timeline_free(tl);
    if (failed) {
        fflush(NULL);
        _exit(1); /* exit() must not be called again from an atexit handler */
    }
}

const char *lab_timeline_setup(const char *program, bool chart, const char *svg_path,
                               const char *trace_path)
{
    static char message[512];
    if (svg_path != NULL && check_path("--timeline", svg_path, message, sizeof message))
        return message;
    if (trace_path != NULL && check_path("--trace", trace_path, message, sizeof message))
        return message;
    const char *points_path = getenv("LAB_POINTS_LOG");
    if (points_path != NULL && points_path[0] == '\0')
        points_path = NULL;
    if (points_path != NULL && check_path("LAB_POINTS_LOG", points_path, message, sizeof message))
        return message;
    if (!chart && svg_path == NULL && trace_path == NULL && points_path == NULL)
        return NULL;
    snprintf(output.program, sizeof output.program, "%s", program);
    output.chart = chart;
    output.svg = svg_path != NULL ? strdup(svg_path) : NULL;
    output.trace = trace_path != NULL ? strdup(trace_path) : NULL;
    output.points = points_path != NULL ? strdup(points_path) : NULL;
    output.pid = getpid();
    lab_points_enable();
    if (atexit(write_outputs) != 0)
        return "cannot register the timeline's output at exit";
    return NULL;
}
