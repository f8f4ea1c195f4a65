/* timeline_trace.c — --trace=FILE.json: the timeline as Chrome trace events, which Perfetto
 * (ui.perfetto.dev, "Open trace file") and chrome://tracing load unchanged.
 *
 * One process; one track per thread (thread_name metadata); a complete event ("X") per
 * span, named after its state, with the object, its kind, the owner and file:line in
 * args; an instant event ("i") per mark; a flow ("s" -> "f") per wake-up, drawn as an
 * arrow from the releasing thread's slice to the woken thread's next slice; an async
 * begin/end pair ("b"/"e") per hold of a lock or a semaphore permit (category "held"), so
 * each named lock gets a track of its holders.
 * Timestamps are microseconds of class time, the same clock as the ASCII chart. */
#include "timeline.h"

#include <errno.h>
#include <string.h>

static void put_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

static double micro(double class_seconds)
{
    return class_seconds * 1e6;
}

static void put_span(FILE *out, const lab_timeline *tl, const lab_row *row, const lab_span *span)
{
    char name[128];
    lab_span_describe(tl, span, name, sizeof name);
    fputs(",\n{\"name\":", out);
    put_string(out, name);
    fprintf(out,
            ",\"cat\":\"%s\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":1,\"tid\":%d,"
            "\"args\":{",
            lab_state_name(span->state), micro(span->begin), micro(span->end - span->begin),
            row->id + 1);
    if (span->state == LAB_STATE_WAITING) {
        fputs("\"object\":", out);
        put_string(out, span->object);
        fputs(",\"kind\":", out);
        put_string(out, span->kind ? span->kind : "");
        if (span->owner >= 0) {
            fputs(",\"owner\":", out);
            put_string(out, tl->rows[span->owner].name);
        }
        fprintf(out, ",\"timed_out\":%s,", span->timed_out ? "true" : "false");
    }
    char where[256];
    snprintf(where, sizeof where, "%s:%d", span->file ? span->file : "?", span->line);
    fputs("\"at\":", out);
    put_string(out, where);
    fputs("}}", out);
}

int lab_timeline_write_trace(const lab_timeline *tl, const char *program, FILE *out)
{
    fprintf(out,
            "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"clock\":\"class seconds\","
            "\"dropped_events\":%zu},\"traceEvents\":[\n"
            "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
            "\"args\":{\"name\":",
            tl->dropped);
    put_string(out, program);
    fputs("}}", out);
    for (size_t i = 0; i < tl->row_count; i++) {
        const lab_row *row = &tl->rows[i];
        fprintf(out,
                ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
                "\"args\":{\"name\":",
                row->id + 1);
        put_string(out, row->name);
        fprintf(out,
                "}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
                "\"args\":{\"sort_index\":%zu}}",
                row->id + 1, i);
        for (size_t s = 0; s < row->span_count; s++)
            put_span(out, tl, row, &row->spans[s]);
    }
    for (size_t i = 0; i < tl->mark_count; i++) {
        const lab_mark *mark = &tl->marks[i];
        fputs(",\n{\"name\":", out);
        put_string(out, mark->label);
        fprintf(out, ",\"cat\":\"mark\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%.3f,\"pid\":1,\"tid\":%d}",
                micro(mark->at), tl->rows[mark->row].id + 1);
    }
    /* Who held each lock or permit: async slices, a b/e pair per hold. */
    for (size_t i = 0; i < tl->hold_count; i++) {
        const lab_hold *hold = &tl->holds[i];
        for (int end = 0; end < 2; end++) {
            fputs(",\n{\"name\":", out);
            put_string(out, hold->object);
            fprintf(out, ",\"cat\":\"held\",\"ph\":\"%s\",\"id\":", end ? "e" : "b");
            /* A lock: one track (its holds never overlap); a semaphore: one per holder. */
            char id[80];
            snprintf(id, sizeof id, lab_kind_is_lock(hold->kind) ? "%s" : "%s/%s", hold->object,
                     tl->rows[hold->row].name);
            put_string(out, id);
            fprintf(out, ",\"ts\":%.3f,\"pid\":1,\"tid\":%d,\"args\":{\"holder\":",
                    micro(end ? hold->end : hold->begin), tl->rows[hold->row].id + 1);
            put_string(out, tl->rows[hold->row].name);
            fputs("}}", out);
        }
    }
    for (size_t i = 0; i < tl->flow_count; i++) {
        const lab_flow *flow = &tl->flows[i];
        const lab_row *from = &tl->rows[flow->from_row];
        /* Just inside the releasing thread's slice (a thread's END is its slice's end). */
        double start = micro(flow->from) - 0.5;
        if (start < micro(from->begin))
            start = micro(flow->from);
        fputs(",\n{\"name\":\"wakes\",\"cat\":\"wake-up\",\"ph\":\"s\"", out);
        fprintf(out, ",\"id\":%zu,\"ts\":%.3f,\"pid\":1,\"tid\":%d,\"args\":{\"object\":", i + 1,
                start, from->id + 1);
        put_string(out, flow->object);
        fputs("}},\n{\"name\":\"wakes\",\"cat\":\"wake-up\",\"ph\":\"f\",\"bp\":\"e\"", out);
        fprintf(out, ",\"id\":%zu,\"ts\":%.3f,\"pid\":1,\"tid\":%d}", i + 1, micro(flow->to),
                tl->rows[flow->to_row].id + 1);
    }
    fputs("\n]}\n", out);
    return ferror(out) ? (errno != 0 ? errno : EIO) : 0;
}
