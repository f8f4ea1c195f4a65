/* test_timeline.c — the model built from points, the ASCII chart, and the files of real
 * demo runs: the trace JSON is well formed and consistent, the SVG is well-formed XML with
 * a row per thread, and what the mutex lesson promises shows in the recorded events. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "thread.h"
#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the model, from hand-made logs ---------------------------------------------------- */

static int lock_object, thread_a, thread_b;
static const char *const done_label = "done";

#define EV(t, p, o, k)                                                                \
    {                                                                                 \
        .at = (t), .object = (o), .kind = (k), .file = "x.c", .line = 1, .point = (p) \
    }

START_TEST(model_of_a_contended_lock)
{
    lab_point_name(&lock_object, "L");
    lab_point_event main_events[] = {
        EV(1.2, LAB_POINT_WAIT, &thread_a, "thread"),
        EV(4.1, LAB_POINT_GET, &thread_a, "thread"),
        EV(4.3, LAB_POINT_MARK, done_label, "demo"),
    };
    lab_point_event a_events[] = {
        EV(1.0, LAB_POINT_START, &thread_a, "thread"),
        EV(2.0, LAB_POINT_GET, &lock_object, "lock"),
        EV(2.1, LAB_POINT_SLEEP, NULL, "sleep"),
        EV(3.0, LAB_POINT_WOKE, NULL, "sleep"),
        EV(3.5, LAB_POINT_RELEASE, &lock_object, "lock"),
        EV(4.0, LAB_POINT_END, &thread_a, "thread"),
    };
    lab_point_event b_events[] = {
        EV(1.5, LAB_POINT_START, &thread_b, "thread"),
        EV(2.5, LAB_POINT_WAIT, &lock_object, "lock"),
        EV(3.6, LAB_POINT_GET, &lock_object, "lock"),
        EV(3.7, LAB_POINT_RELEASE, &lock_object, "lock"),
        EV(4.2, LAB_POINT_END, &thread_b, "thread"),
    };
    lab_point_log logs[] = {
        {.id = 0, .name = "main", .count = 3, .events = main_events},
        {.id = 1, .name = "A", .count = 6, .events = a_events},
        {.id = 2, .name = "B", .count = 5, .events = b_events},
    };
    lab_timeline *tl = lab_timeline_build(logs, 3, 0.0, 2.0, 5.0); /* speed 2: times x2 */
    ck_assert_uint_eq(tl->row_count, 3);
    ck_assert_double_eq_tol(tl->end, 10.0, 1e-9);

    const lab_row *b = &tl->rows[2];
    ck_assert(b->ended);
    ck_assert_uint_eq(b->span_count, 3);
    ck_assert_int_eq(b->spans[1].state, LAB_STATE_WAITING);
    ck_assert_str_eq(b->spans[1].object, "L");
    ck_assert_str_eq(b->spans[1].kind, "lock");
    ck_assert_int_eq(b->spans[1].owner, 1); /* A held it */
    ck_assert_double_eq_tol(b->spans[1].begin, 5.0, 1e-9);
    ck_assert_double_eq_tol(b->spans[1].end, 7.2, 1e-9);
    char text[128];
    lab_span_describe(tl, &b->spans[1], text, sizeof text);
    ck_assert_str_eq(text, "lock L (held by A)");

    const lab_row *a = &tl->rows[1];
    ck_assert_uint_eq(a->span_count, 3); /* running, sleeping, running */
    ck_assert_int_eq(a->spans[1].state, LAB_STATE_SLEEPING);

    const lab_row *m = &tl->rows[0];
    ck_assert_double_eq(m->begin, 0);
    ck_assert(!m->ended);
    ck_assert_str_eq(m->spans[1].object, "A"); /* the join names the thread */
    ck_assert_double_eq_tol(m->spans[m->span_count - 1].end, 10.0, 1e-9);

    ck_assert_uint_eq(tl->flow_count, 2); /* A -> B (the lock), A -> main (the join) */
    ck_assert_int_eq(tl->flows[0].from_row, 1);
    ck_assert_int_eq(tl->flows[0].to_row, 2);
    ck_assert_double_eq_tol(tl->flows[0].from, 7.0, 1e-9);
    ck_assert_double_eq_tol(tl->flows[0].to, 7.2, 1e-9);
    ck_assert_int_eq(tl->flows[1].to_row, 0);

    ck_assert_uint_eq(tl->hold_count, 2);
    ck_assert_int_eq(tl->holds[0].row, 1);
    ck_assert_double_eq_tol(tl->holds[0].end, 7.0, 1e-9);
    ck_assert_int_eq(tl->holds[1].row, 2);

    ck_assert_uint_eq(tl->mark_count, 1);
    ck_assert_str_eq(tl->marks[0].label, "done");

    /* The chart: a row per thread, within the width, colour only when asked. */
    char *chart;
    size_t size;
    FILE *out = open_memstream(&chart, &size);
    lab_timeline_chart(tl, "test", out, 80, false);
    fclose(out);
    ck_assert_ptr_null(strchr(chart, '\033'));
    ck_assert_int_eq(count_lines_with(chart, "main |"), 1);
    ck_assert_int_eq(count_lines_with(chart, "B    |"), 1);
    ck_assert_int_eq(count_lines_with(chart, "legend:"), 1);
    for (char *line = chart; *line != '\0';) {
        size_t length = strcspn(line, "\n");
        ck_assert_msg(length <= 80, "line longer than 80 columns: %.*s", (int)length, line);
        line += length + (line[length] == '\n');
    }
    free(chart);
    out = open_memstream(&chart, &size);
    lab_timeline_chart(tl, "test", out, 80, true);
    fclose(out);
    ck_assert_ptr_nonnull(strchr(chart, '\033'));
    free(chart);
    lab_timeline_free(tl);
}
END_TEST

/* ---- lesson checks the demo suites can use: how many inside at once, a wait-for cycle ---- */

/* The most threads holding the object (a lock or semaphore permits) at one instant. */
static int most_inside(const lab_timeline *tl, const char *object)
{
    int most = 0;
    for (size_t i = 0; i < tl->hold_count; i++) {
        if (strcmp(tl->holds[i].object, object) != 0)
            continue;
        int inside = 0; /* holds open at the instant hold i begins */
        for (size_t j = 0; j < tl->hold_count; j++)
            inside += strcmp(tl->holds[j].object, object) == 0 &&
                      tl->holds[j].begin <= tl->holds[i].begin &&
                      tl->holds[j].end > tl->holds[i].begin;
        most = inside > most ? inside : most;
    }
    return most;
}

/* Whether two rows were ever each waiting for a lock the other held, at the same time. */
static bool waits_form_a_cycle(const lab_timeline *tl)
{
    for (size_t a = 0; a < tl->row_count; a++)
        for (size_t i = 0; i < tl->rows[a].span_count; i++) {
            const lab_span *x = &tl->rows[a].spans[i];
            if (x->state != LAB_STATE_WAITING || x->owner < 0 || (size_t)x->owner == a)
                continue;
            const lab_row *b = &tl->rows[x->owner];
            for (size_t j = 0; j < b->span_count; j++) {
                const lab_span *y = &b->spans[j];
                if (y->state == LAB_STATE_WAITING && y->owner == (int)a && y->begin < x->end &&
                    x->begin < y->end)
                    return true;
            }
        }
    return false;
}

static int toilet, account_a, account_b;

START_TEST(a_semaphore_lets_two_inside)
{
    lab_point_name(&toilet, "toilet");
    lab_point_event a[] = {EV(1.0, LAB_POINT_GET, &toilet, "semaphore"),
                           EV(2.0, LAB_POINT_RELEASE, &toilet, "semaphore")};
    lab_point_event b[] = {EV(1.1, LAB_POINT_GET, &toilet, "semaphore"),
                           EV(3.0, LAB_POINT_RELEASE, &toilet, "semaphore")};
    lab_point_event c[] = {EV(1.2, LAB_POINT_WAIT, &toilet, "semaphore"),
                           EV(2.05, LAB_POINT_GET, &toilet, "semaphore"),
                           EV(3.5, LAB_POINT_RELEASE, &toilet, "semaphore")};
    lab_point_log logs[] = {{.id = 0, .name = "main"},
                            {.id = 1, .name = "a", .count = 2, .events = a},
                            {.id = 2, .name = "b", .count = 2, .events = b},
                            {.id = 3, .name = "c", .count = 3, .events = c}};
    lab_timeline *tl = lab_timeline_build(logs, 4, 0, 1, 4);
    ck_assert_uint_eq(tl->hold_count, 3);
    ck_assert_int_eq(most_inside(tl, "toilet"), 2);
    ck_assert_uint_eq(tl->flow_count, 1); /* a let c in */
    ck_assert_int_eq(tl->flows[0].from_row, 1);
    ck_assert_int_eq(tl->flows[0].to_row, 3);
    ck_assert_str_eq(tl->rows[3].spans[1].object, "toilet"); /* after a running instant */
    ck_assert_int_eq(tl->rows[3].spans[1].owner, -1);        /* no single owner for permits */
    ck_assert(!waits_form_a_cycle(tl));
    lab_timeline_free(tl);
}
END_TEST

START_TEST(a_deadlock_shows_as_crossed_waits)
{
    lab_point_name(&account_a, "account A");
    lab_point_name(&account_b, "account B");
    lab_point_event t1[] = {EV(1.0, LAB_POINT_GET, &account_a, "lock"),
                            EV(1.2, LAB_POINT_WAIT, &account_b, "lock")};
    lab_point_event t2[] = {EV(1.1, LAB_POINT_GET, &account_b, "lock"),
                            EV(1.3, LAB_POINT_WAIT, &account_a, "lock")};
    lab_point_log logs[] = {{.id = 0, .name = "main"},
                            {.id = 1, .name = "t1", .count = 2, .events = t1},
                            {.id = 2, .name = "t2", .count = 2, .events = t2}};
    lab_timeline *tl = lab_timeline_build(logs, 3, 0, 1, 5);
    ck_assert(waits_form_a_cycle(tl));
    char *chart;
    size_t size;
    FILE *out = open_memstream(&chart, &size);
    lab_timeline_chart(tl, "deadlock", out, 100, false);
    fclose(out);
    ck_assert_int_eq(count_lines_with(chart, "t1 at the end: waiting since 1.200 for lock "
                                             "account B (held by t2)"),
                     1);
    ck_assert_int_eq(count_lines_with(chart, "t2 at the end: waiting since 1.300 for lock "
                                             "account A (held by t1)"),
                     1);
    free(chart);
    lab_timeline_free(tl);
}
END_TEST

/* An object whose first member is its mutex shares the mutex's address and name: the
 * checked wrappers' "mutex" points there are the object's insides, not a lock of the demo;
 * and memory freed by a thread may come back as another kind of object. */
static int light, reused;

START_TEST(an_objects_own_mutex_stays_off_the_chart)
{
    lab_point_name(&light, "light");
    lab_point_event car[] = {
        EV(1.0, LAB_POINT_START, &thread_a, "thread"),
        {.at = 1.1,
         .object = &light,
         .kind = "mutex",
         .file = "common/event.c",
         .line = 1,
         .point = LAB_POINT_WAIT},
        {.at = 1.2,
         .object = &light,
         .kind = "mutex",
         .file = "common/event.c",
         .line = 1,
         .point = LAB_POINT_GET},
        EV(1.3, LAB_POINT_WAIT, &light, "event"),
        {.at = 2.0,
         .object = &light,
         .kind = "mutex",
         .file = "common/event.c",
         .line = 1,
         .point = LAB_POINT_GET},
        EV(2.1, LAB_POINT_GET, &light, "event"),
        EV(3.0, LAB_POINT_END, &thread_a, "thread"),
    };
    lab_point_event lighter[] = {
        {.at = 1.9,
         .object = &light,
         .kind = "mutex",
         .file = "common/event.c",
         .line = 1,
         .point = LAB_POINT_GET},
        EV(1.95, LAB_POINT_RELEASE, &light, "event"),
        EV(4.0, LAB_POINT_WAIT, &reused, "result"), /* thread B's memory, later */
        EV(4.5, LAB_POINT_GET, &reused, "result"),
    };
    lab_point_event b[] = {EV(0.5, LAB_POINT_START, &reused, "thread"),
                           EV(0.6, LAB_POINT_END, &reused, "thread")};
    lab_point_log logs[] = {{.id = 0, .name = "main", .count = 4, .events = lighter},
                            {.id = 1, .name = "car", .count = 7, .events = car},
                            {.id = 2, .name = "B", .count = 2, .events = b}};
    lab_timeline *tl = lab_timeline_build(logs, 3, 0, 1, 5);
    const lab_row *row = &tl->rows[1];
    ck_assert_uint_eq(row->span_count, 3); /* running, the event, running */
    ck_assert_str_eq(row->spans[1].kind, "event");
    ck_assert_double_eq_tol(row->spans[1].begin, 1.3, 1e-9);
    ck_assert_double_eq_tol(row->spans[1].end, 2.1, 1e-9);
    ck_assert_int_eq(row->spans[1].owner, -1);
    ck_assert_uint_eq(tl->hold_count, 0);
    ck_assert_uint_eq(tl->flow_count, 1); /* main set the light */
    ck_assert_int_eq(tl->flows[0].from_row, 0);
    const lab_row *m = &tl->rows[0];
    ck_assert_str_eq(m->spans[1].object, "result#1"); /* not "B" */
    lab_timeline_free(tl);
}
END_TEST

/* ---- the lesson of mutex, in process: the checked wrappers on a named lock ------------- */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *locked_update(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        lab_pthread_mutex_lock(&counter_lock);
        long seen = counter;
        lab_sleep(0.002);
        counter = seen + 1;
        lab_pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

START_TEST(no_two_threads_hold_a_lock_at_once)
{
    lab_points_enable();
    lab_point_name(&counter_lock, "counter lock");
    lab_thread *started[3];
    for (int i = 0; i < 3; i++)
        started[i] = lab_thread_start(locked_update, NULL, LAB_THREAD_NOT_DAEMON, "t%d", i);
    for (int i = 0; i < 3; i++)
        lab_thread_join(started[i]);
    lab_timeline *tl = lab_timeline_capture();
    ck_assert_uint_eq(tl->hold_count, 9);
    ck_assert_int_eq(most_inside(tl, "counter lock"), 1);
    ck_assert(!waits_form_a_cycle(tl));
    for (size_t i = 1; i < tl->hold_count; i++)
        ck_assert_msg(tl->holds[i].begin >= tl->holds[i - 1].end,
                      "hold %zu by %s begins at %f before hold %zu ends at %f", i,
                      tl->rows[tl->holds[i].row].name, tl->holds[i].begin, i - 1,
                      tl->holds[i - 1].end);
    /* A wait for the lock names who held it. */
    for (size_t r = 0; r < tl->row_count; r++)
        for (size_t s = 0; s < tl->rows[r].span_count; s++)
            if (tl->rows[r].spans[s].state == LAB_STATE_WAITING &&
                strcmp(tl->rows[r].spans[s].kind, "lock") == 0)
                ck_assert_int_ge(tl->rows[r].spans[s].owner, 1);
    lab_timeline_free(tl);
}
END_TEST

/* ---- files of real demo runs ------------------------------------------------------------ */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/timeline-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(command), 0);
}

static char *slurp(const char *path)
{
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    int c;
    while ((c = fgetc(file)) != EOF)
        fputc(c, out);
    fclose(out);
    fclose(file);
    return text;
}

/* A small JSON checker: whether text is one well-formed JSON value (RFC 8259). */
static const char *json_value(const char *p);

static const char *json_space(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"')
        return NULL;
    for (; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20)
            return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0')
                        return NULL;
                p += 4;
            } else if (*p == '\0' || !strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return p + 1;
}

static const char *json_number(const char *p)
{
    const char *start = p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return NULL;
    if (*p == '.') {
        if (!(*++p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return NULL;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p > start ? p : NULL;
}

static const char *json_items(const char *p, char close, bool members)
{
    p = json_space(p + 1);
    if (*p == close)
        return p + 1;
    for (;;) {
        if (members) {
            p = json_string(json_space(p));
            if (p == NULL || *(p = json_space(p)) != ':')
                return NULL;
            p++;
        }
        p = json_value(p);
        if (p == NULL)
            return NULL;
        p = json_space(p);
        if (*p == close)
            return p + 1;
        if (*p++ != ',')
            return NULL;
    }
}

static const char *json_value(const char *p)
{
    p = json_space(p);
    switch (*p) {
        case '{':
            return json_items(p, '}', true);
        case '[':
            return json_items(p, ']', false);
        case '"':
            return json_string(p);
        case 't':
            return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
        case 'f':
            return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
        case 'n':
            return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
        default:
            return json_number(p);
    }
}

static bool json_valid(const char *text)
{
    const char *end = json_value(text);
    return end != NULL && *json_space(end) == '\0';
}

START_TEST(the_json_checker_knows_json)
{
    ck_assert(json_valid("{\"a\":[1,-2.5e3,true,null,\"x\\\"\\u00e9\"],\"b\":{}}\n"));
    ck_assert(!json_valid("{\"a\":1,}"));
    ck_assert(!json_valid("{\"a\":01}"));
    ck_assert(!json_valid("[1 2]"));
    ck_assert(!json_valid("{\"a\":\"tab\there\"}"));
    ck_assert(!json_valid("{} {}"));
}
END_TEST

/* One trace event, from one line of the file (the writer puts one event per line). */
typedef struct trace_event {
    char ph;
    double ts, dur;
    int tid;
    char id[64], name[64];
} trace_event;

static const char *after(const char *line, const char *key)
{
    const char *at = strstr(line, key);
    return at != NULL ? at + strlen(key) : NULL;
}

static bool parse_event(const char *line, trace_event *e)
{
    const char *ph = after(line, "\"ph\":\"");
    if (ph == NULL)
        return false;
    *e = (trace_event){.ph = *ph, .dur = -1};
    const char *v;
    if ((v = after(line, "\"ts\":")) != NULL)
        e->ts = strtod(v, NULL);
    if ((v = after(line, "\"dur\":")) != NULL)
        e->dur = strtod(v, NULL);
    if ((v = after(line, "\"tid\":")) != NULL)
        e->tid = (int)strtol(v, NULL, 10);
    if ((v = after(line, "\"id\":")) != NULL)
        snprintf(e->id, sizeof e->id, "%.*s", (int)strcspn(v, ",}"), v);
    if ((v = after(line, "\"name\":\"")) != NULL)
        snprintf(e->name, sizeof e->name, "%.*s", (int)strcspn(v, "\""), v);
    if (e->ph == 'M' && (v = after(line, "\"args\":{\"name\":\"")) != NULL)
        snprintf(e->name, sizeof e->name, "%.*s", (int)strcspn(v, "\""), v);
    return true;
}

#define MAX_EVENTS 4000

typedef struct trace {
    trace_event events[MAX_EVENTS];
    size_t count;
    int threads; /* thread_name metadata */
} trace;

static int by_ts(const void *a, const void *b)
{
    const trace_event *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->ph == 'b') - (y->ph == 'b'); /* at one instant, an end before a begin */
}

/* Check the trace's structure; return how many holds of `lock` it shows. */
static int check_trace(const char *path, trace *t, const char *lock)
{
    char *text = slurp(path);
    ck_assert_msg(json_valid(text), "%s is not valid JSON", path);
    t->count = 0;
    t->threads = 0;
    bool named[256] = {false};
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        trace_event e;
        if (!parse_event(line, &e))
            continue;
        ck_assert_uint_lt(t->count, MAX_EVENTS);
        t->events[t->count++] = e;
        if (e.ph == 'M' && strstr(line, "\"thread_name\"") != NULL) {
            ck_assert_int_lt(e.tid, 256);
            named[e.tid] = true;
            t->threads++;
        }
    }
    free(text);
    double last_end[256] = {0};
    int begins = 0, ends = 0, starts = 0, finishes = 0;
    trace_event holds[MAX_EVENTS];
    int hold_events = 0;
    for (size_t i = 0; i < t->count; i++) {
        const trace_event *e = &t->events[i];
        if (e->ph == 'M')
            continue;
        ck_assert_msg(e->tid > 0 && e->tid < 256 && named[e->tid], "tid %d has no thread_name",
                      e->tid);
        if (e->ph == 'X') { /* per thread: in time order, back to back, never overlapping */
            ck_assert(e->dur >= 0);
            ck_assert_msg(e->ts >= last_end[e->tid] - 0.01, "tid %d: %s at %.3f overlaps %.3f",
                          e->tid, e->name, e->ts, last_end[e->tid]);
            last_end[e->tid] = e->ts + e->dur;
        }
        begins += e->ph == 'b';
        ends += e->ph == 'e';
        starts += e->ph == 's';
        finishes += e->ph == 'f';
        if ((e->ph == 'b' || e->ph == 'e') && strcmp(e->name, lock) == 0)
            holds[hold_events++] = *e;
    }
    ck_assert_int_eq(begins, ends);     /* every begin has its end */
    ck_assert_int_eq(starts, finishes); /* every flow has both ends */
    for (size_t i = 0; i < t->count; i++) {
        if (t->events[i].ph != 's')
            continue;
        int found = 0;
        for (size_t j = 0; j < t->count; j++)
            found += t->events[j].ph == 'f' && strcmp(t->events[j].id, t->events[i].id) == 0 &&
                     t->events[j].ts >= t->events[i].ts;
        ck_assert_msg(found == 1, "flow %s: %d ends", t->events[i].id, found);
    }
    /* A lock's holds, in time order: begin, end, begin, end... never two at once. */
    qsort(holds, (size_t)hold_events, sizeof holds[0], by_ts);
    for (int i = 0; i < hold_events; i++)
        ck_assert_msg(holds[i].ph == (i % 2 ? 'e' : 'b'),
                      "%s: two holders at once at %.3f (tid %d)", lock, holds[i].ts, holds[i].tid);
    return hold_events / 2;
}

START_TEST(mutex_files_are_valid_and_show_the_lesson)
{
    make_dir();
    char json[128], svg[128], trace_flag[160], svg_flag[160];
    snprintf(json, sizeof json, "%s/mutex.json", dir);
    snprintf(svg, sizeof svg, "%s/mutex.svg", dir);
    snprintf(trace_flag, sizeof trace_flag, "--trace=%s", json);
    snprintf(svg_flag, sizeof svg_flag, "--timeline=%s", svg);
    child_run run =
        run_demo("mutex", "--threads", "4", "--speed", "50", trace_flag, svg_flag, NULL);
    assert_exit_ok(&run);
    assert_result_text(&run, "lost", "0");
    static trace t;
    ck_assert_int_eq(check_trace(json, &t, "counter lock"), 4); /* one hold per thread */
    ck_assert_int_eq(t.threads, 5);
    char command[256];
    snprintf(command, sizeof command, "xmllint --noout '%s'", svg);
    ck_assert_msg(system(command) == 0, "%s is not well-formed XML", svg);
    char *text = slurp(svg);
    int rows = 0;
    for (const char *p = text; (p = strstr(p, "<g class=\"row\"")) != NULL; p++)
        rows++;
    ck_assert_int_eq(rows, 5); /* main and t0..t3 */
    ck_assert_ptr_nonnull(strstr(text, "counter lock"));
    free(text);
    struct stat status;
    ck_assert_int_ne(stat(strcat(json, ".tmp"), &status), 0); /* no leftover */
    child_run_free(&run);
    remove_dir();
}
END_TEST

START_TEST(the_chart_goes_to_stderr_and_keeps_the_result_last)
{
    setenv("COLUMNS", "90", 1);
    child_run run = run_demo("mutex", "--threads", "3", "--speed", "50", "--timeline", NULL);
    assert_exit_ok(&run);
    const char *last = strrchr(run.out, '\n');
    while (last != NULL && last > run.out && last[-1] != '\n')
        last--;
    ck_assert_msg(last != NULL && strncmp(last, "result:", 7) == 0, "stdout: %s", run.out);
    ck_assert_ptr_nonnull(strstr(run.err, "timeline of mutex"));
    for (int i = 0; i < 3; i++) {
        char row[24];
        snprintf(row, sizeof row, "t%d   |", i);
        ck_assert_int_eq(count_lines_with(run.err, row), 1);
    }
    ck_assert_int_eq(count_lines_with(run.err, "legend:"), 1);
    child_run_free(&run);
}
END_TEST

START_TEST(dropped_events_are_said_once)
{
    child_run run = run_demo("mutex", "--mode=loop", "--threads", "2", "--iterations", "5000",
                             "--timeline", NULL);
    assert_exit_ok(&run);
    ck_assert_int_eq(count_lines_with(run.err, "events dropped"), 1);
    child_run_free(&run);
}
END_TEST

START_TEST(unwritable_files_are_usage_errors)
{
    assert_usage_error("mutex", "--trace=/nonexistent-dir/x.json", NULL);
    assert_usage_error("mutex", "--timeline=/nonexistent-dir/x.svg", NULL);
    assert_usage_error("mutex", "--timeline=x.txt", NULL);
    assert_usage_error("mutex", "--trace=x.svg", NULL);
    assert_usage_error("mutex", "--trace=/tmp/", NULL);
    assert_usage_error("mutex", "--timeline", "x.svg", NULL); /* the file needs the "=" */
}
END_TEST

START_TEST(a_failure_at_exit_leaves_no_file)
{
    make_dir();
    char json[128], temporary[140], flag[160];
    snprintf(json, sizeof json, "%s/x.json", dir);
    snprintf(temporary, sizeof temporary, "%s.tmp", json);
    ck_assert_int_eq(mkdir(temporary, 0700), 0); /* the temporary file cannot be made */
    snprintf(flag, sizeof flag, "--trace=%s", json);
    child_run run = run_demo("mutex", "--threads", "2", "--speed", "50", flag, NULL);
    ck_assert_int_eq(run.exit_code, 1);
    ck_assert_ptr_nonnull(strstr(run.err, "cannot write"));
    ck_assert_ptr_nonnull(strstr(run.err, json));
    ck_assert_int_ne(access(json, F_OK), 0);
    child_run_free(&run);
    remove_dir();
}
END_TEST

/* A forked child exits too, but only the process that was started writes the files. */
START_TEST(a_forked_child_writes_nothing)
{
    make_dir();
    char json[128], flag[160];
    snprintf(json, sizeof json, "%s/fork.json", dir);
    snprintf(flag, sizeof flag, "--trace=%s", json);
    child_run run = run_demo("fork", "--speed", "50", flag, NULL);
    assert_exit_ok(&run);
    static trace t;
    check_trace(json, &t, "none");
    ck_assert_int_ge(t.threads, 1);
    child_run_free(&run);
    remove_dir();
}
END_TEST

START_TEST(the_chart_width_follows_columns)
{
    setenv("COLUMNS", "120", 1);
    ck_assert_int_eq(lab_timeline_columns(), 120);
    setenv("COLUMNS", "12x", 1); /* not a number: the terminal's, or 100 without one */
    int fallback = lab_timeline_columns();
    ck_assert(fallback == 100 || isatty(STDERR_FILENO));
    unsetenv("COLUMNS");
}
END_TEST

static void add_file_tests(TCase *tc)
{
    tcase_add_test(tc, a_forked_child_writes_nothing);
    tcase_add_test(tc, the_chart_width_follows_columns);
    tcase_add_test(tc, mutex_files_are_valid_and_show_the_lesson);
    tcase_add_test(tc, the_chart_goes_to_stderr_and_keeps_the_result_last);
    tcase_add_test(tc, dropped_events_are_said_once);
    tcase_add_test(tc, unwritable_files_are_usage_errors);
    tcase_add_test(tc, a_failure_at_exit_leaves_no_file);
}

static Suite *make_timeline_suite(void)
{
    Suite *suite = suite_create("timeline");
    TCase *model = tcase_create("model");
    tcase_add_test(model, the_json_checker_knows_json);
    tcase_add_test(model, model_of_a_contended_lock);
    tcase_add_test(model, no_two_threads_hold_a_lock_at_once);
    tcase_add_test(model, a_semaphore_lets_two_inside);
    tcase_add_test(model, a_deadlock_shows_as_crossed_waits);
    tcase_add_test(model, an_objects_own_mutex_stays_off_the_chart);
    suite_add_tcase(suite, model);
    TCase *files = tcase_create("files");
    tcase_set_timeout(files, 60);
    add_file_tests(files);
    suite_add_tcase(suite, files);
    return suite;
}

LAB_TEST_MAIN(make_timeline_suite)
