/* timeline_svg.c — --timeline=FILE.svg: swimlanes that open offline in any browser.
 *
 * One lane per thread; coloured bars for its states, labelled when wide enough (hover any
 * bar for its full description, times and file:line); a time axis in class seconds;
 * diamonds for marks; arrows for wake-ups (who released what the woken thread got).
 * Plain SVG 1.1: no script, no external font or style sheet. */
#include "timeline.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define WIDTH 1200.0
#define LEFT  130.0
#define RIGHT 20.0
#define TOP   56.0
#define LANE  28.0
#define BAR   18.0

static void put_text(FILE *out, const char *text)
{
    for (const char *c = text; *c != '\0'; c++) {
        switch (*c) {
            case '&':
                fputs("&amp;", out);
                break;
            case '<':
                fputs("&lt;", out);
                break;
            case '>':
                fputs("&gt;", out);
                break;
            case '"':
                fputs("&quot;", out);
                break;
            default:
                if ((unsigned char)*c >= 0x20 || *c == '\t')
                    fputc(*c, out);
        }
    }
}

/* The palette: dark enough for white labels and distinct on the picture's own white
 * background (which it keeps on a dark page); no yellow. */
#define RUNNING    "#2e7d32"
#define SLEEPING   "#64b5f6"
#define LOCK_WAIT  "#c62828"
#define OTHER_WAIT "#00838f"
#define MARK       "#8e24aa"

static const char *fill_of(const lab_span *span)
{
    if (span->state == LAB_STATE_RUNNING)
        return RUNNING;
    if (span->state == LAB_STATE_SLEEPING)
        return SLEEPING;
    return lab_kind_is_lock(span->kind) ? LOCK_WAIT : OTHER_WAIT;
}

static double x_of(const lab_timeline *tl, double t)
{
    double end = tl->end > 0 ? tl->end : 1e-3;
    return LEFT + t / end * (WIDTH - LEFT - RIGHT);
}

static double lane_middle(size_t row)
{
    return TOP + LANE * (double)row + LANE / 2;
}

static void put_axis(FILE *out, const lab_timeline *tl, double height)
{
    double end = tl->end > 0 ? tl->end : 1e-3;
    double raw = end / 10, power = pow(10, floor(log10(raw)));
    double step = raw <= power       ? power
                  : raw <= 2 * power ? 2 * power
                  : raw <= 5 * power ? 5 * power
                                     : 10 * power;
    fputs("<g class=\"axis\" font-size=\"11\" fill=\"#555\">\n", out);
    for (double t = 0; t <= end + step * 1e-9; t += step) {
        double x = x_of(tl, t);
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                x, TOP - 6, x, height, x, TOP - 10, t);
    }
    fputs("</g>\n", out);
}

static void put_row(FILE *out, const lab_timeline *tl, size_t r)
{
    const lab_row *row = &tl->rows[r];
    double y = lane_middle(r);
    fprintf(out, "<g class=\"row\" data-thread=\"");
    put_text(out, row->name);
    fprintf(out, "\">\n<rect x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" fill=\"%s\"/>\n",
            y - LANE / 2, WIDTH, LANE, r % 2 ? "#fafafa" : "#f0f0f0");
    fprintf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"13\">", LEFT - 8,
            y + 4);
    put_text(out, row->name);
    fputs("</text>\n", out);
    for (size_t s = 0; s < row->span_count; s++) {
        const lab_span *span = &row->spans[s];
        double x0 = x_of(tl, span->begin), x1 = x_of(tl, span->end);
        double w = x1 - x0 < 0.5 ? 0.5 : x1 - x0;
        char what[128];
        lab_span_describe(tl, span, what, sizeof what);
        fprintf(out,
                "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\">"
                "<title>",
                x0, y - BAR / 2, w, BAR, fill_of(span));
        put_text(out, row->name);
        fputs(": ", out);
        put_text(out, what);
        fprintf(out, " %.3f-%.3f s (", span->begin, span->end);
        put_text(out, span->file ? span->file : "?");
        fprintf(out, ":%d)</title></rect>\n", span->line);
        if (span->state == LAB_STATE_WAITING && w > 7.0 * (double)strlen(what) + 6) {
            fprintf(out, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"11\" fill=\"#fff\">", x0 + 3,
                    y + 4);
            put_text(out, what);
            fputs("</text>\n", out);
        }
    }
    fputs("</g>\n", out);
}

static void put_marks_and_flows(FILE *out, const lab_timeline *tl)
{
    fputs("<g class=\"flows\" stroke=\"#222\" stroke-width=\"1.2\" fill=\"none\">\n", out);
    for (size_t i = 0; i < tl->flow_count; i++) {
        const lab_flow *flow = &tl->flows[i];
        fprintf(out,
                "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" "
                "marker-end=\"url(#arrow)\"><title>",
                x_of(tl, flow->from), lane_middle((size_t)flow->from_row), x_of(tl, flow->to),
                lane_middle((size_t)flow->to_row));
        put_text(out, tl->rows[flow->from_row].name);
        fputs(" wakes ", out);
        put_text(out, tl->rows[flow->to_row].name);
        fputs(" (", out);
        put_text(out, flow->object);
        fputs(")</title></line>\n", out);
    }
    fputs("</g>\n<g class=\"marks\" fill=\"" MARK "\" font-size=\"11\">\n", out);
    for (size_t i = 0; i < tl->mark_count; i++) {
        const lab_mark *mark = &tl->marks[i];
        double x = x_of(tl, mark->at), y = lane_middle((size_t)mark->row) - BAR / 2;
        fprintf(out, "<polygon points=\"%.2f,%.1f %.2f,%.1f %.2f,%.1f %.2f,%.1f\"><title>", x,
                y - 5, x + 5, y, x, y + 5, x - 5, y);
        put_text(out, mark->label);
        fprintf(out, " (%.3f s)</title></polygon><text x=\"%.2f\" y=\"%.1f\">", mark->at, x + 6,
                y - 2);
        put_text(out, mark->label);
        fputs("</text>\n", out);
    }
    fputs("</g>\n", out);
}

static void put_legend(FILE *out, double y)
{
    static const struct {
        const char *fill, *text;
    } items[] = {
        {RUNNING, "running"},
        {SLEEPING, "sleeping"},
        {LOCK_WAIT, "waiting for a lock"},
        {OTHER_WAIT, "waiting (semaphore, event, queue, join...)"},
        {MARK, "mark"},
    };
    double x = LEFT;
    fputs("<g class=\"legend\" font-size=\"12\">\n", out);
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        fprintf(out,
                "<rect x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"12\" fill=\"%s\"/>"
                "<text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
                x, y, items[i].fill, x + 18, y + 10, items[i].text);
        x += 30 + 7.0 * (double)strlen(items[i].text);
    }
    fprintf(out,
            "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#222\" "
            "marker-end=\"url(#arrow)\"/><text x=\"%.0f\" y=\"%.0f\">wakes up</text>\n",
            x, y + 6, x + 30, y + 6, x + 36, y + 10);
    fputs("</g>\n", out);
}

int lab_timeline_write_svg(const lab_timeline *tl, const char *program, FILE *out)
{
    double lanes_end = TOP + LANE * (double)tl->row_count;
    double height = lanes_end + 40;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n",
            WIDTH, height, WIDTH, height);
    fputs("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
          "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
          "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#222\"/></marker></defs>\n"
          "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n",
          out);
    fputs("<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">timeline of ", out);
    put_text(out, program);
    fputs("</text><text x=\"10\" y=\"36\" font-size=\"11\" fill=\"#555\">class seconds; "
          "hover a bar for what the thread did and where</text>\n",
          out);
    put_axis(out, tl, lanes_end);
    for (size_t r = 0; r < tl->row_count; r++)
        put_row(out, tl, r);
    put_marks_and_flows(out, tl);
    put_legend(out, lanes_end + 14);
    fputs("</svg>\n", out);
    return ferror(out) ? (errno != 0 ? errno : EIO) : 0;
}
