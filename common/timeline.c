/* timeline.c — the model: rows of spans, wake-up flows and marks, from the recorded
 * points (see timeline.h). All threads' events are replayed in time order, so that "who
 * held the lock" and "who released what another got" are answered across rows. */
#include "timeline.h"

#include "checked.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One event of one row, for the merged replay. */
typedef struct step {
    double at;
    int row;
    size_t index;
    const lab_point_event *event;
} step;

/* What the replay knows about one object: an address and a kind, since a library object's
 * mutex shares its address (kind "mutex"), and a freed thread's memory may come back as a
 * future or a result. */
typedef struct object_info {
    const void *object;
    const char *kind; /* the kind its points give ("object" for none) */
    char name[32];
    int holder;      /* lock: the row holding it, or -1 */
    int released_by; /* the last RELEASE (or END) not yet consumed by a GET, or -1 */
    double released_at;
    int thread_row;     /* a lab_thread: the row that START-ed with it, or -1 */
    long open_holds;    /* lock, semaphore: first open hold in tl->holds, or -1 */
    bool inside_object; /* a "mutex" at the address of an object of another kind, or
                                only ever locked by the library: the object's own mutex (its
                                first member), whose points are dropped; only a demo's raw
                                mutexes show */
    bool used_outside;  /* a "mutex" locked or unlocked outside common/ */
} object_info;

typedef struct objects {
    object_info *slots;
    long *next_open; /* per hold: the next open hold of the same object, or -1 */
    size_t size;     /* a power of two, at least twice `used` */
    size_t used;
    struct {
        const char *kind;
        int count;
    } numbered[32]; /* unnamed objects per kind */
} objects;

/* Where a row is now in the replay. */
typedef struct row_state {
    bool open; /* a span is open */
    lab_span current;
    size_t capacity;
} row_state;

static int by_time(const void *a, const void *b)
{
    const step *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->row != y->row)
        return x->row - y->row;
    return x->index < y->index ? -1 : x->index > y->index;
}

static const char *kind_or_object(const char *kind)
{
    return kind != NULL ? kind : "object";
}

static size_t hash_of(const void *object, size_t size)
{
    return (size_t)(((uint64_t)(uintptr_t)object >> 3) * 0x9E3779B97F4A7C15ull >> 32) & (size - 1);
}

/* The slot for (object, kind) in slots[size]: its own, or the empty one where it goes.
 * Every kind of one address lies on one probe chain. */
static object_info *slot_for(object_info *slots, size_t size, const void *object, const char *kind)
{
    for (size_t probe = 0;; probe++) {
        object_info *info = &slots[(hash_of(object, size) + probe) & (size - 1)];
        if (info->object == NULL ||
            (info->object == object && strcmp(info->kind, kind_or_object(kind)) == 0))
            return info;
    }
}

/* Whether the address has an object of a kind other than "mutex". */
static bool has_other_kind(const objects *table, const void *object)
{
    for (size_t probe = 0;; probe++) {
        const object_info *info =
            &table->slots[(hash_of(object, table->size) + probe) & (table->size - 1)];
        if (info->object == NULL)
            return false;
        if (info->object == object && strcmp(info->kind, "mutex") != 0)
            return true;
    }
}

/* The next number for an unnamed object of this kind: future#1, future#2, queue#1... */
static int next_number(objects *table, const char *kind)
{
    size_t i = 0, n = sizeof table->numbered / sizeof table->numbered[0];
    while (i < n - 1 && table->numbered[i].kind != NULL && strcmp(table->numbered[i].kind, kind))
        i++;
    table->numbered[i].kind = kind;
    return ++table->numbered[i].count;
}

/* The object's record, made on first sight. A pointer returned stays valid until the next
 * call (the table may grow). */
static object_info *object_of(objects *table, const void *object, const char *kind)
{
    if (2 * (table->used + 1) > table->size) {
        object_info *old = table->slots;
        size_t old_size = table->size;
        table->size *= 2;
        table->slots = lab_calloc(table->size, sizeof *table->slots);
        for (size_t i = 0; i < old_size; i++)
            if (old[i].object != NULL)
                *slot_for(table->slots, table->size, old[i].object, old[i].kind) = old[i];
        free(old);
    }
    object_info *info = slot_for(table->slots, table->size, object, kind);
    if (info->object == NULL) {
        table->used++;
        info->object = object;
        info->kind = kind_or_object(kind);
        info->holder = info->released_by = info->thread_row = -1;
        info->open_holds = -1;
        if (!lab_point_object_name(object, info->name, sizeof info->name)) {
            kind = kind ? kind : "object";
            snprintf(info->name, sizeof info->name, "%s#%d", kind, next_number(table, kind));
        }
    }
    return info;
}

static void add_span(lab_row *row, row_state *state)
{
    if (row->span_count == state->capacity) {
        state->capacity = state->capacity ? 2 * state->capacity : 16;
        lab_span *grown = realloc(row->spans, state->capacity * sizeof *grown);
        if (grown == NULL)
            lab_check_at(ENOMEM, "realloc", __FILE__, __LINE__);
        row->spans = grown;
    }
    row->spans[row->span_count++] = state->current;
}

/* Close the open span at t and open one in `next` state (or none). */
static void switch_to(lab_row *row, row_state *state, double t, const lab_span *next)
{
    if (state->open) {
        state->current.end = t;
        add_span(row, state);
    }
    state->open = next != NULL;
    if (next != NULL) {
        state->current = *next;
        state->current.begin = t;
    }
}

static bool is_lock(const char *kind)
{
    return lab_kind_is_lock(kind);
}

static bool is_held(const char *kind)
{
    return is_lock(kind) || (kind != NULL && strstr(kind, "semaphore") != NULL);
}

/* Whether a point was reported from the library's own code (common/). */
static bool in_library(const char *file)
{
    return file != NULL && (strncmp(file, "common/", 7) == 0 || strstr(file, "/common/") != NULL);
}

static bool is_mutex(const char *kind)
{
    return kind != NULL && strcmp(kind, "mutex") == 0;
}

/* Close row's open hold of the object (every open hold when row is -1); true if it had one. */
static bool end_hold(lab_timeline *tl, objects *table, object_info *info, int row, double t)
{
    bool found = false;
    for (long *link = &info->open_holds; *link >= 0;) {
        lab_hold *hold = &tl->holds[*link];
        if (row >= 0 && hold->row != row) {
            link = &table->next_open[*link];
            continue;
        }
        hold->end = t;
        found = true;
        *link = table->next_open[*link];
    }
    return found;
}

static void begin_hold(lab_timeline *tl, objects *table, object_info *info, int row, double t,
                       const char *kind)
{
    for (long i = info->open_holds; i >= 0; i = table->next_open[i])
        if (tl->holds[i].row == row)
            return; /* taken again (a recursive lock): one hold */
    long index = (long)tl->hold_count++;
    tl->holds[index] = (lab_hold){.row = row, .begin = t, .end = -1, .kind = kind};
    snprintf(tl->holds[index].object, sizeof tl->holds[index].object, "%s", info->name);
    table->next_open[index] = info->open_holds;
    info->open_holds = index;
}

/* A lock changed hands: the others still waiting for it now wait for the new holder. */
static bool waits_for(const lab_span *span, const object_info *info)
{
    return span->state == LAB_STATE_WAITING && span->address == info->object &&
           strcmp(kind_or_object(span->kind), info->kind) == 0;
}

static void new_holder(lab_timeline *tl, row_state *states, int holder, const object_info *info,
                       double t)
{
    for (size_t k = 0; k < tl->row_count; k++) {
        lab_span *current = &states[k].current;
        if ((int)k == holder || !states[k].open || !waits_for(current, info) ||
            current->owner == holder)
            continue;
        lab_span next = *current;
        next.owner = holder;
        switch_to(&tl->rows[k], &states[k], t, &next);
    }
}

static void replay(lab_timeline *tl, row_state *states, objects *table, const step *s, double t)
{
    lab_row *row = &tl->rows[s->row];
    row_state *state = &states[s->row];
    const lab_point_event *e = s->event;
    object_info *info = e->point != LAB_POINT_MARK && e->object != NULL
                            ? object_of(table, e->object, e->kind)
                            : NULL;
    if (info != NULL && info->inside_object)
        return; /* the mutex inside a library object, not a lock of the demo */
    lab_span next = {.state = LAB_STATE_RUNNING, .owner = -1, .file = e->file, .line = e->line};
    switch (e->point) {
        case LAB_POINT_START:
            row->begin = t;
            if (info != NULL) { /* a thread's memory may be another thread's later */
                info->thread_row = s->row;
                snprintf(info->name, sizeof info->name, "%s", row->name);
            }
            switch_to(row, state, t, &next);
            break;
        case LAB_POINT_END:
            switch_to(row, state, t, NULL);
            row->ended = true;
            row->end = t;
            if (info != NULL) {
                info->released_by = s->row;
                info->released_at = t;
            }
            break;
        case LAB_POINT_WAIT:
            next.state = LAB_STATE_WAITING;
            next.kind = e->kind;
            if (info != NULL) {
                snprintf(next.object, sizeof next.object, "%s", info->name);
                next.address = info->object;
                next.owner =
                    is_lock(e->kind) && info->holder != s->row ? info->holder : info->thread_row;
            }
            switch_to(row, state, t, &next);
            break;
        case LAB_POINT_GET:
        case LAB_POINT_TIMEOUT: {
            bool waiting = state->open && state->current.state == LAB_STATE_WAITING;
            bool awaited = waiting && info != NULL && waits_for(&state->current, info);
            /* A wait for any of several (as_completed: WAIT on the iterator, GET of one future)
         * ends with the one it got, as long as that is not a lock taken inside the wait. */
            if (waiting && !awaited && info != NULL && !is_lock(e->kind) &&
                !is_lock(state->current.kind))
                awaited = true;
            if (e->point == LAB_POINT_GET && info != NULL && is_lock(e->kind)) {
                info->holder = s->row;
                new_holder(tl, states, s->row, info, t);
                if (info->open_holds >= 0 && tl->holds[info->open_holds].row != s->row)
                    end_hold(tl, table, info, -1, t); /* a missed release: one holder at a time */
            }
            if (e->point == LAB_POINT_GET && info != NULL && is_held(e->kind))
                begin_hold(tl, table, info, s->row, t, e->kind);
            if (!awaited &&
                (is_lock(e->kind) || !state->open || state->current.state != LAB_STATE_WAITING))
                break; /* an uncontended get, or a lock taken back inside another wait */
            if (awaited && e->point == LAB_POINT_GET && info->released_by >= 0 &&
                info->released_by != s->row) {
                lab_flow *flow = &tl->flows[tl->flow_count++];
                *flow = (lab_flow){.from_row = info->released_by,
                                   .to_row = s->row,
                                   .from = info->released_at,
                                   .to = t,
                                   .kind = e->kind};
                snprintf(flow->object, sizeof flow->object, "%s", info->name);
                info->released_by = -1;
            }
            state->current.timed_out = e->point == LAB_POINT_TIMEOUT;
            switch_to(row, state, t, &next);
            break;
        }
        case LAB_POINT_RELEASE:
            if (info != NULL) {
                if (info->holder == s->row)
                    info->holder = -1;
                end_hold(tl, table, info, s->row, t);
                info->released_by = s->row;
                info->released_at = t;
            }
            break;
        case LAB_POINT_SLEEP:
            next.state = LAB_STATE_SLEEPING;
            switch_to(row, state, t, &next);
            break;
        case LAB_POINT_WOKE:
            switch_to(row, state, t, &next);
            break;
        case LAB_POINT_MARK: {
            lab_mark *mark = &tl->marks[tl->mark_count++];
            *mark = (lab_mark){.row = s->row, .at = t};
            snprintf(mark->label, sizeof mark->label, "%s",
                     e->object ? (const char *)e->object : "");
            break;
        }
    }
}

lab_timeline *lab_timeline_build(const lab_point_log *logs, size_t count, double origin,
                                 double speed, double end)
{
    lab_timeline *tl = lab_calloc(1, sizeof *tl);
    size_t total = 0, gets = 0, marks = 0; /* flows and holds begin at a GET */
    for (size_t i = 0; i < count; i++) {
        total += logs[i].count;
        for (size_t j = 0; j < logs[i].count; j++) {
            gets += logs[i].events[j].point == LAB_POINT_GET;
            marks += logs[i].events[j].point == LAB_POINT_MARK;
        }
    }
    tl->rows = lab_calloc(count > 0 ? count : 1, sizeof *tl->rows);
    tl->row_count = count;
    tl->flows = lab_calloc(gets + 1, sizeof *tl->flows);
    tl->marks = lab_calloc(marks + 1, sizeof *tl->marks);
    tl->holds = lab_calloc(gets + 1, sizeof *tl->holds);
    step *steps = lab_calloc(total + 1, sizeof *steps);
    row_state *states = lab_calloc(count + 1, sizeof *states);
    objects table = {.size = 64};
    table.slots = lab_calloc(table.size, sizeof *table.slots);
    table.next_open = lab_calloc(gets + 1, sizeof *table.next_open);

    size_t n = 0;
    tl->end = (end - origin) * speed;
    for (size_t i = 0; i < count; i++) {
        lab_row *row = &tl->rows[i];
        snprintf(row->name, sizeof row->name, "%s", logs[i].name);
        row->id = logs[i].id;
        row->dropped = logs[i].dropped;
        tl->dropped += logs[i].dropped;
        for (size_t j = 0; j < logs[i].count; j++)
            steps[n++] = (step){
                .at = logs[i].events[j].at, .row = (int)i, .index = j, .event = &logs[i].events[j]};
        /* The thread that enabled the points ("main") runs from the program's start;
         * the others from their first point (START for lab threads). */
        if (logs[i].id == 0 || logs[i].count == 0) {
            row->begin = 0;
            states[i].open = logs[i].id == 0;
            states[i].current = (lab_span){.state = LAB_STATE_RUNNING, .owner = -1};
        } else {
            row->begin = (logs[i].events[0].at - origin) * speed;
            states[i].open = logs[i].events[0].point != LAB_POINT_START;
            states[i].current =
                (lab_span){.state = LAB_STATE_RUNNING, .owner = -1, .begin = row->begin};
        }
    }
    qsort(steps, n, sizeof *steps, by_time);
    /* A thread is named by its row from the start, even for a join that began before the
     * thread first ran. */
    for (size_t i = 0; i < n; i++) {
        const lab_point_event *e = steps[i].event;
        if (e->point != LAB_POINT_MARK && e->object != NULL && !is_mutex(e->kind))
            object_of(&table, e->object, e->kind);
        if (e->point == LAB_POINT_START && e->object != NULL &&
            object_of(&table, e->object, e->kind)->thread_row < 0) {
            object_info *info = object_of(&table, e->object, e->kind);
            info->thread_row = steps[i].row;
            snprintf(info->name, sizeof info->name, "%s", tl->rows[steps[i].row].name);
        }
    }
    for (size_t i = 0; i < n; i++) { /* every object is known now: which mutexes are inside */
        const lab_point_event *e = steps[i].event;
        if (e->object != NULL && is_mutex(e->kind)) {
            object_info *info = object_of(&table, e->object, e->kind);
            info->used_outside |= !in_library(e->file);
            info->inside_object = has_other_kind(&table, e->object);
        }
    }
    for (size_t i = 0; i < table.size; i++) /* a named object that reported nothing itself */
        if (table.slots[i].object != NULL && is_mutex(table.slots[i].kind) &&
            !table.slots[i].used_outside)
            table.slots[i].inside_object = true;
    for (size_t i = 0; i < n; i++) {
        double t = (steps[i].at - origin) * speed;
        if (t < 0)
            t = 0;
        if (t > tl->end)
            tl->end = t;
        replay(tl, states, &table, &steps[i], t);
    }
    /* Rows still open at the end: up to the end, or to their last event when some were
     * dropped (what came after is unknown). */
    for (size_t i = 0; i < count; i++) {
        lab_row *row = &tl->rows[i];
        if (row->ended)
            continue;
        double last = logs[i].count > 0 ? (logs[i].events[logs[i].count - 1].at - origin) * speed
                                        : row->begin;
        row->end = row->dropped > 0 ? (last > row->begin ? last : row->begin) : tl->end;
        switch_to(row, &states[i], row->end, NULL);
    }
    for (size_t i = 0; i < tl->hold_count; i++) /* still held at the end */
        if (tl->holds[i].end < 0)
            tl->holds[i].end = tl->end;
    free(table.slots);
    free(table.next_open);
    free(states);
    free(steps);
    return tl;
}

void lab_timeline_free(lab_timeline *tl)
{
    if (tl == NULL)
        return;
    for (size_t i = 0; i < tl->row_count; i++)
        free(tl->rows[i].spans);
    free(tl->rows);
    free(tl->flows);
    free(tl->marks);
    free(tl->holds);
    free(tl);
}
