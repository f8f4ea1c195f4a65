/* timeline_chart.c — the ASCII chart of --timeline (see timeline.h, docs/timeline.md).
 *
 *              0         0.5       1.0
 *              +---------+---------+------
 *   main       |==JJJJJJJJJJJJJJJJJJJJJJJJ=
 *   t0         | =zzzzzz=|
 *   t1         | L[counter lock held by t0]=zzzzz=|
 *
 * Each column is a slice of class time; it shows the state the thread was in for most of
 * that slice. A wait long enough carries its label: the object and who held it. */
#include "timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_COLUMNS 12

typedef struct cell {
    char c;
    int colour; /* ANSI SGR code, 0 for none */
    long span;  /* index of the span shown, -1 for none */
} cell;

/* Colours readable on a light and on a dark terminal alike: no yellow or cyan (faint on
 * white), a bright blue (plain blue is faint on black); marks are bold, in the text colour. */
enum { RED = 31, GREEN = 32, MAGENTA = 35, BRIGHT_BLUE = 94, BOLD = 1 };

static char letter_of(const lab_span *span)
{
    static const struct {
        const char *kind;
        char letter;
    } letters[] = {
        {"lock", 'L'},      {"mutex", 'L'}, {"semaphore", 'S'}, {"event", 'E'},
        {"condition", 'C'}, {"queue", 'Q'}, {"future", 'F'},    {"thread", 'J'},
        {"barrier", 'B'},   {"timer", 'T'}, {"pool", 'P'},      {"result", 'R'},
    };
    if (span->state == LAB_STATE_RUNNING)
        return '=';
    if (span->state == LAB_STATE_SLEEPING)
        return 'z';
    for (size_t i = 0; i < sizeof letters / sizeof letters[0]; i++)
        if (span->kind != NULL && strstr(span->kind, letters[i].kind) != NULL)
            return letters[i].letter;
    return 'W';
}

static int colour_of(const lab_span *span)
{
    if (span->state == LAB_STATE_RUNNING)
        return GREEN;
    if (span->state == LAB_STATE_SLEEPING)
        return BRIGHT_BLUE;
    return letter_of(span) == 'L' ? RED : MAGENTA;
}

static const char *legend_of(char letter)
{
    switch (letter) {
        case '=':
            return "running";
        case 'z':
            return "sleeping";
        case 'L':
            return "lock";
        case 'S':
            return "semaphore";
        case 'E':
            return "event";
        case 'C':
            return "condition";
        case 'Q':
            return "queue";
        case 'F':
            return "future";
        case 'J':
            return "join";
        case 'B':
            return "barrier";
        case 'T':
            return "timer";
        case 'P':
            return "pool (a worker waits for a task)";
        case 'R':
            return "result";
        case '*':
            return "mark";
        case '|':
            return "ended";
        default:
            return "other wait";
    }
}

/* A tick step of 1, 2 or 5 times a power of ten, at least min_step. */
static double nice_step(double min_step)
{
    double power = pow(10, floor(log10(min_step)));
    for (int i = 0; i < 3; i++) {
        double step = power * (double[]){1, 2, 5}[i];
        if (step >= min_step)
            return step;
    }
    return power * 10;
}

/* Fill one row's cells: per column, the span covering most of it (ties: not running). */
static void fill_row(const lab_row *row, cell *cells, int width, double per_column)
{
    size_t s = 0;
    for (int c = 0; c < width; c++) {
        double a = c * per_column, b = a + per_column;
        cells[c] = (cell){' ', 0, -1};
        while (s < row->span_count && row->spans[s].end <= a && row->spans[s].end < b)
            s++;
        double best = 0;
        for (size_t k = s; k < row->span_count && row->spans[k].begin < b; k++) {
            const lab_span *span = &row->spans[k];
            double overlap = fmin(b, span->end) - fmax(a, span->begin);
            if (span->end == span->begin && span->begin >= a)
                overlap = 1e-12; /* an instant span still shows when nothing else does */
            bool better = overlap > best ||
                          (overlap == best && overlap > 0 && span->state != LAB_STATE_RUNNING);
            if (better) {
                best = overlap;
                cells[c] = (cell){letter_of(span), colour_of(span), (long)k};
            }
        }
    }
}

/* Whether spans a and b wait for one object. */
static bool same_wait(const lab_span *a, const lab_span *b)
{
    return a->state == LAB_STATE_WAITING && b->state == LAB_STATE_WAITING &&
           a->address == b->address && strcmp(a->object, b->object) == 0;
}

/* Write "[object held by owner]" into a wait's run of cells when it fits; a wait split in
 * short spans (a lock changing hands while the thread queues) gets "[object]" over the
 * whole run instead. */
static void label_waits(const lab_timeline *tl, const lab_row *row, cell *cells, int width)
{
    for (int c = 0; c < width;) { /* first the runs of one object, wider than a span */
        long k = cells[c].span;
        int end = c + 1;
        while (k >= 0 && end < width && cells[end].span >= 0 &&
               same_wait(&row->spans[k], &row->spans[cells[end].span]))
            end++;
        if (k >= 0 && row->spans[k].state == LAB_STATE_WAITING && cells[end - 1].span != k) {
            char text[64];
            snprintf(text, sizeof text, "[%s]", row->spans[k].object);
            int length = (int)strlen(text);
            if (length <= end - c - 1)
                for (int i = 0; i < length; i++)
                    cells[c + 1 + i].c = text[i];
            for (int i = c; i < end; i++)
                cells[i].span = -2 - k; /* labelled: not again per span below */
        }
        c = end;
    }
    for (int c = 0; c < width;) {
        int end = c;
        while (end < width && cells[end].span == cells[c].span)
            end++;
        long k = cells[c].span;
        if (k >= 0 && row->spans[k].state == LAB_STATE_WAITING) {
            const lab_span *span = &row->spans[k];
            char text[96];
            bool join = strcmp(span->kind ? span->kind : "", "thread") == 0;
            if (span->owner >= 0 && !join)
                snprintf(text, sizeof text, "[%s held by %s]", span->object,
                         tl->rows[span->owner].name);
            else
                snprintf(text, sizeof text, "[%s%s]", join ? "join " : "", span->object);
            if ((int)strlen(text) > end - c - 1)
                snprintf(text, sizeof text, "[%s]", span->object);
            int length = (int)strlen(text);
            if (length <= end - c - 1)
                for (int i = 0; i < length; i++)
                    cells[c + 1 + i].c = text[i];
        }
        c = end;
    }
}

static void print_cells(const cell *cells, int width, FILE *out, bool colour)
{
    int current = 0;
    int last = width;
    while (last > 0 && cells[last - 1].c == ' ')
        last--;
    for (int c = 0; c < last; c++) {
        int wanted = colour ? cells[c].colour : 0;
        if (wanted != current) {
            fprintf(out, "\033[%dm", wanted);
            current = wanted;
        }
        fputc(cells[c].c, out);
    }
    fputs(current ? "\033[0m\n" : "\n", out);
}

static void print_axis(FILE *out, int name_width, int width, double per_column)
{
    double step = nice_step(per_column * 10);
    char labels[1024], ticks[1024];
    memset(labels, ' ', sizeof labels);
    memset(ticks, '-', sizeof ticks);
    for (double t = 0; t < per_column * width; t += step) {
        int c = (int)lround(t / per_column);
        if (c >= width)
            break;
        ticks[c] = '+';
        char text[32];
        int n = snprintf(text, sizeof text, "%g", t);
        if (c + n <= width)
            memcpy(labels + c, text, (size_t)n);
    }
    int last = width;
    while (last > 0 && labels[last - 1] == ' ')
        last--;
    fprintf(out, "%*s  %.*s\n", name_width, "", last, labels);
    fprintf(out, "%*s  %.*s\n", name_width, "", width, ticks);
}

static void print_notes(const lab_timeline *tl, FILE *out, const bool used[256], int columns)
{
    int at = fprintf(out, "legend:");
    for (int c = 0; c <= 256; c++) {
        if (c < 256 && !used[c])
            continue;
        char item[64];
        int n = c < 256 ? snprintf(item, sizeof item, "  %c %s", c, legend_of((char)c))
                        : snprintf(item, sizeof item, "  (blank: not running yet / over)");
        if (at + n > columns) /* wrap, under the first item */
            at = fprintf(out, "\n      ");
        at += fprintf(out, "%s", item);
    }
    fputc('\n', out);
    for (size_t i = 0; i < tl->row_count; i++) {
        const lab_row *row = &tl->rows[i];
        if (row->ended || row->span_count == 0 || row->dropped > 0)
            continue;
        const lab_span *last = &row->spans[row->span_count - 1];
        if (last->state == LAB_STATE_WAITING) {
            char what[128];
            lab_span_describe(tl, last, what, sizeof what);
            fprintf(out, "%s at the end: waiting since %.3f for %s\n", row->name, last->begin,
                    what);
        }
    }
    for (size_t i = 0; i < tl->mark_count && i < 12; i++)
        fprintf(out, "* %.3f %s: %s\n", tl->marks[i].at, tl->rows[tl->marks[i].row].name,
                tl->marks[i].label);
    if (tl->dropped > 0)
        fprintf(out,
                "note: %zu events dropped (at most %d kept per thread): rows with dropped "
                "events stop at their last recorded event\n",
                tl->dropped, LAB_POINT_CAP);
}

void lab_timeline_chart(const lab_timeline *tl, const char *title, FILE *out, int columns,
                        bool colour)
{
    if (columns < 40)
        columns = 40;
    if (columns > 1000)
        columns = 1000;
    int name_width = 4;
    for (size_t i = 0; i < tl->row_count; i++) {
        int n = (int)strlen(tl->rows[i].name);
        name_width = n > name_width ? n : name_width;
    }
    name_width = name_width > NAME_MAX_COLUMNS ? NAME_MAX_COLUMNS : name_width;
    int width = columns - name_width - 3;
    double end = tl->end > 0 ? tl->end : 1e-3;
    double per_column = end / (width - 1); /* a spare column for the last "|" */
    fprintf(out, "%s (class seconds; one column = %.3g s)\n", title, per_column);
    print_axis(out, name_width, width, per_column);

    bool used[256] = {false};
    cell *cells = calloc((size_t)width, sizeof *cells);
    if (cells == NULL)
        return;
    for (size_t i = 0; i < tl->row_count; i++) {
        const lab_row *row = &tl->rows[i];
        fill_row(row, cells, width, per_column);
        for (int c = 0; c < width; c++)
            used[(unsigned char)cells[c].c] = cells[c].c != ' ';
        label_waits(tl, row, cells, width);
        int ended_at = (int)ceil(row->end / per_column);
        if (row->ended && ended_at < width && cells[ended_at].c == ' ') {
            cells[ended_at] = (cell){'|', 0, -1}; /* finished, not merely quiet */
            used['|'] = true;
        }
        for (size_t m = 0; m < tl->mark_count; m++) {
            if (tl->marks[m].row != (int)i)
                continue;
            int c = (int)(tl->marks[m].at / per_column);
            c = c >= width ? width - 1 : c;
            cells[c] = (cell){'*', BOLD, -1};
            used['*'] = true;
        }
        fprintf(out, "%-*.*s |", name_width, name_width, row->name);
        print_cells(cells, width, out, colour);
    }
    free(cells);
    print_notes(tl, out, used, columns);
}
