/* timeline_words.c — what a state or a span is called, in every picture (see timeline.h). */
#include "timeline.h"

#include <stdio.h>
#include <string.h>

const char *lab_state_name(lab_state state)
{
    switch (state) {
        case LAB_STATE_RUNNING:
            return "running";
        case LAB_STATE_SLEEPING:
            return "sleeping";
        case LAB_STATE_WAITING:
            return "waiting";
    }
    return "?";
}

bool lab_kind_is_lock(const char *kind)
{
    return kind != NULL && (strstr(kind, "lock") != NULL || strcmp(kind, "mutex") == 0);
}

void lab_span_describe(const lab_timeline *tl, const lab_span *span, char *text, size_t size)
{
    if (span->state != LAB_STATE_WAITING) {
        snprintf(text, size, "%s", lab_state_name(span->state));
        return;
    }
    bool join = span->kind != NULL && strcmp(span->kind, "thread") == 0;
    const char *owner = span->owner >= 0 && (size_t)span->owner < tl->row_count && !join
                            ? tl->rows[span->owner].name
                            : NULL;
    const char *kind = join                           ? "join"
                       : lab_kind_is_lock(span->kind) ? "lock"
                       : span->kind                   ? span->kind
                                                      : "wait";
    if (strstr(span->object, kind) != NULL)
        kind = ""; /* "counter lock", not "lock counter lock" */
    snprintf(text, size, "%s%s%s%s%s%s%s", kind, kind[0] ? " " : "", span->object,
             owner ? " (held by " : "", owner ? owner : "", owner ? ")" : "",
             span->timed_out ? " timed out" : "");
}
