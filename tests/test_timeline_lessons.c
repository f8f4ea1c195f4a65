/* test_timeline_lessons.c — what each lesson promises, read from the scheduling points of
 * real demo runs, and the committed pictures docs/timelines/<demo>.svg checked against the
 * programs.
 *
 * Each demo runs as a child with LAB_POINTS_LOG=FILE (timeline_output.c writes every
 * recorded point as a line); the test reads the lines back into logs and builds the same
 * model the pictures are drawn from (lab_timeline_build), then asserts the lesson:
 *   - mutex: never two holders of "counter lock" at once;
 *   - semaphore: never more than --stalls threads holding a "stalls" permit; and what a
 *     person does inside (its stay, a sleep) never overlaps more than --stalls times;
 *     --no-limit bypasses the semaphore (no point on it at all), so there only the stays
 *     are testable, and they overlap more than --stalls times;
 *   - deadlock --fix=none: two tellers each wait for the lock the other holds, at once;
 *   - pool --part=loiter: 3 workers; the tasks n = 1..4 sleep n s (n = 0 does not sleep):
 *     1, 2, 3 begin together, before any ends; 4 begins on the worker whose task 1 ended,
 *     after it ended; never more than 3 tasks at once;
 *   - queue --part=buns: every bun put is got once: the lines' RELEASEs (puts) equal the
 *     customers' GETs of an item (each customer's last GET is the shutdown's news) and
 *     --buns.
 * Every module must end a WAIT with a GET or TIMEOUT of the same object (checked on every
 * demo's run): otherwise a row stays "waiting" for the wrong thing.
 *
 * The committed pictures (tests/tools/make-timelines.sh, flags in tests/tools/timelines.txt)
 * are compared with a fresh run in a normalised form, because threads really run and
 * timing (and so some details) differ between runs:
 *   - the rows: the thread names, in order (exact);
 *   - per row, whether it ever sleeps;
 *   - the set of every row's waits, each as "<kind> <object>": without who held a lock,
 *     without "timed out", with unnamed objects' numbers dropped ("future#3" -> "future#")
 *     and a join as just "join" (whether a join waits depends on who finished first);
 * coordinates, durations, the order of states within a row and file:line are ignored.
 * A thread added, renamed or reordered, a sleep gone, a wait for a new or renamed object
 * fails the check: run `make timelines`. */
#include "support.h"

#include "point.h"
#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a run's points, read back ---------------------------------------------------------- */

#define MAX_STRINGS 4096

/* Every distinct string of a points file, kept for the process's life: the logs point into
 * it (an object's address is its interned text; a kind, a label too). */
static char *strings[MAX_STRINGS];
static size_t string_count;

static const char *intern(const char *text)
{
    for (size_t i = 0; i < string_count; i++)
        if (strcmp(strings[i], text) == 0)
            return strings[i];
    ck_assert_uint_lt(string_count, MAX_STRINGS);
    strings[string_count] = strdup(text);
    ck_assert_ptr_nonnull(strings[string_count]);
    return strings[string_count++];
}

typedef struct points {
    lab_point_log *logs;
    size_t count;
    double end;
} points;

static lab_point_kind kind_of_word(const char *word)
{
    for (int k = LAB_POINT_START; k <= LAB_POINT_MARK; k++)
        if (strcmp(lab_point_kind_name((lab_point_kind)k), word) == 0)
            return (lab_point_kind)k;
    ck_abort_msg("unknown point '%s'", word);
    return LAB_POINT_MARK;
}

/* Read a LAB_POINTS_LOG file: one log per thread id, in id order, events in file order. */
static points read_points(const char *path)
{
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "no points file %s", path);
    points p = {0};
    char line[512];
    while (fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *field[7];
        char *rest = line;
        for (int i = 0; i < 7; i++)
            field[i] = strsep(&rest, "\t");
        ck_assert_msg(field[6] != NULL, "%s: a short line", path);
        int id = atoi(field[1]);
        ck_assert(id >= 0 && id < 100000);
        if ((size_t)id >= p.count) {
            p.logs = realloc(p.logs, (size_t)(id + 1) * sizeof *p.logs);
            ck_assert_ptr_nonnull(p.logs);
            memset(p.logs + p.count, 0, ((size_t)id + 1 - p.count) * sizeof *p.logs);
            for (size_t i = p.count; i <= (size_t)id; i++)
                p.logs[i].id = (int)i;
            p.count = (size_t)id + 1;
        }
        lab_point_log *log = &p.logs[id];
        snprintf(log->name, sizeof log->name, "%s", field[2]);
        log->events = realloc(log->events, (log->count + 1) * sizeof *log->events);
        ck_assert_ptr_nonnull(log->events);
        lab_point_kind kind = kind_of_word(field[3]);
        const char *object = strcmp(field[5], "-") == 0 ? NULL : intern(field[5]);
        /* A named object is named here too, so the model calls it what the demo did;
         * "kind@address" stays unnamed and is numbered, as in the demo's own pictures. */
        if (object != NULL && kind != LAB_POINT_MARK && strchr(object, '@') == NULL)
            lab_point_name(object, object);
        double at = strtod(field[0], NULL);
        log->events[log->count++] = (lab_point_event){.at = at,
                                                      .object = object,
                                                      .kind = intern(field[4]),
                                                      .file = intern(field[6]),
                                                      .line = 0,
                                                      .point = kind};
        p.end = at > p.end ? at : p.end;
    }
    fclose(file);
    return p;
}

static void free_points(points *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->logs[i].events);
    free(p->logs);
    *p = (points){0};
}

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/timeline-lessons-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(command), 0);
}

#define MAX_ARGS 24

/* Run demo with args (NULL-terminated) and LAB_POINTS_LOG; exit 0 expected. Its points,
 * and (when svg is not NULL) its --timeline=svg. */
static points run_recorded(const char *demo, const char *const *args, const char *svg)
{
    char path[128], svg_flag[160];
    snprintf(path, sizeof path, "%s/%s.points", dir, demo);
    const char *argv[MAX_ARGS + 2];
    int n = 0;
    for (; args[n] != NULL; n++) {
        ck_assert_int_lt(n, MAX_ARGS);
        argv[n] = args[n];
    }
    if (svg != NULL) {
        snprintf(svg_flag, sizeof svg_flag, "--timeline=%s", svg);
        argv[n++] = svg_flag;
    }
    argv[n] = NULL;
    setenv("LAB_POINTS_LOG", path, 1);
    child_run run = run_demo_argv(demo, argv, RUN_TIMEOUT);
    unsetenv("LAB_POINTS_LOG");
    ck_assert_msg(run.exit_code == 0, "%s exited %d: %s", demo, run.exit_code, run.err);
    child_run_free(&run);
    return read_points(path);
}

static lab_timeline *model_of(const points *p)
{
    return lab_timeline_build(p->logs, p->count, 0.0, 1.0, p->end);
}

/* ---- what the pictures and the lessons count ------------------------------------------- */

/* The most holds of object open at one instant (a hold ending at t is over at t). */
static int most_inside(const lab_timeline *tl, const char *object)
{
    int most = 0;
    for (size_t i = 0; i < tl->hold_count; i++) {
        if (strcmp(tl->holds[i].object, object) != 0)
            continue;
        int inside = 0;
        for (size_t j = 0; j < tl->hold_count; j++)
            inside += strcmp(tl->holds[j].object, object) == 0 &&
                      tl->holds[j].begin <= tl->holds[i].begin &&
                      tl->holds[j].end > tl->holds[i].begin;
        most = inside > most ? inside : most;
    }
    return most;
}

static int holds_of(const lab_timeline *tl, const char *object)
{
    int n = 0;
    for (size_t i = 0; i < tl->hold_count; i++)
        n += strcmp(tl->holds[i].object, object) == 0;
    return n;
}

/* The most sleeps of rows whose name begins with prefix, open at one instant. */
static int most_sleeping(const lab_timeline *tl, const char *prefix)
{
    int most = 0;
    for (size_t a = 0; a < tl->row_count; a++) {
        if (strncmp(tl->rows[a].name, prefix, strlen(prefix)) != 0)
            continue;
        for (size_t i = 0; i < tl->rows[a].span_count; i++) {
            const lab_span *x = &tl->rows[a].spans[i];
            if (x->state != LAB_STATE_SLEEPING)
                continue;
            int open = 0;
            for (size_t b = 0; b < tl->row_count; b++) {
                if (strncmp(tl->rows[b].name, prefix, strlen(prefix)) != 0)
                    continue;
                for (size_t j = 0; j < tl->rows[b].span_count; j++) {
                    const lab_span *y = &tl->rows[b].spans[j];
                    open +=
                        y->state == LAB_STATE_SLEEPING && y->begin <= x->begin && y->end > x->begin;
                }
            }
            most = open > most ? open : most;
        }
    }
    return most;
}

/* Whether two rows were each waiting for a lock the other held, at the same time. */
static bool waits_form_a_cycle(const lab_timeline *tl, char *who, size_t size)
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
                    x->begin < y->end) {
                    snprintf(who, size, "%s waits for %s held by %s; %s waits for %s held by %s",
                             tl->rows[a].name, x->object, b->name, b->name, y->object,
                             tl->rows[a].name);
                    return true;
                }
            }
        }
    return false;
}

/* Every WAIT of a thread ends with a GET or TIMEOUT of the same object, before its next
 * WAIT (a wait still open at the end is a thread that never got it: allowed). The mutex
 * points of the checked wrappers are left out: a module may lock its own mutex while it
 * waits. Returns the first offence, described in text, or false. */
static bool wait_mismatch(const points *p, char *text, size_t size)
{
    for (size_t i = 0; i < p->count; i++) {
        const lab_point_event *open = NULL;
        for (size_t j = 0; j < p->logs[i].count; j++) {
            const lab_point_event *e = &p->logs[i].events[j];
            if (strcmp(e->kind, "mutex") == 0 || e->point == LAB_POINT_MARK)
                continue;
            bool ends = e->point == LAB_POINT_GET || e->point == LAB_POINT_TIMEOUT;
            if (open != NULL &&
                (e->point == LAB_POINT_WAIT || (ends && e->object != open->object))) {
                snprintf(text, size, "%s: WAIT %s %s at %.3f, then %s %s %s at %.3f",
                         p->logs[i].name, open->kind, (const char *)open->object, open->at,
                         lab_point_kind_name(e->point), e->kind, (const char *)e->object, e->at);
                return true;
            }
            if (e->point == LAB_POINT_WAIT)
                open = e;
            else if (ends)
                open = NULL;
        }
    }
    return false;
}

/* ---- the lessons ------------------------------------------------------------------------ */

START_TEST(mutex_never_two_holders)
{
    make_dir();
    const char *args[] = {"--threads", "4", "--speed", "50", "--quiet", NULL};
    points p = run_recorded("mutex", args, NULL);
    lab_timeline *tl = model_of(&p);
    ck_assert_int_eq(holds_of(tl, "counter lock"), 4);
    ck_assert_int_eq(most_inside(tl, "counter lock"), 1);
    lab_timeline_free(tl);
    free_points(&p);
    remove_dir();
}
END_TEST

static const char *const stalls_counts[] = {"3", "2"};

START_TEST(semaphore_never_more_than_the_stalls_inside)
{
    make_dir();
    const char *stalls = stalls_counts[_i];
    const char *args[] = {"--stalls", stalls,    "--people", "10",      "--seed",
                          "7",        "--speed", "20",       "--quiet", NULL};
    points p = run_recorded("semaphore", args, NULL);
    lab_timeline *tl = model_of(&p);
    ck_assert_int_eq(holds_of(tl, "stalls"), 10); /* everybody went in once */
    int inside = most_inside(tl, "stalls");
    ck_assert_msg(inside >= 1 && inside <= atoi(stalls), "%d inside with %s stalls", inside,
                  stalls);
    int staying = most_sleeping(tl, "person-");
    ck_assert_msg(staying >= 1 && staying <= atoi(stalls), "%d staying at once with %s stalls",
                  staying, stalls);
    lab_timeline_free(tl);
    free_points(&p);
    remove_dir();
}
END_TEST

START_TEST(semaphore_no_limit_lets_everybody_in)
{
    make_dir();
    /* Slower, so that 4 of 10 people being inside at once does not need a fast machine:
     * each stays 0.5 s class at least, 100 ms real at speed 5. */
    const char *args[] = {"--no-limit", "--people", "10",      "--seed", "7",
                          "--speed",    "5",        "--quiet", NULL};
    points p = run_recorded("semaphore", args, NULL);
    lab_timeline *tl = model_of(&p);
    ck_assert_int_eq(holds_of(tl, "stalls"), 0); /* the broken program never asks */
    int staying = most_sleeping(tl, "person-");
    ck_assert_msg(staying > 3, "only %d staying at once without the semaphore", staying);
    lab_timeline_free(tl);
    free_points(&p);
    remove_dir();
}
END_TEST

START_TEST(deadlock_waits_form_a_cycle)
{
    make_dir();
    const char *args[] = {"--fix=none", "--speed", "20", "--quiet", NULL};
    points p = run_recorded("deadlock", args, NULL);
    lab_timeline *tl = model_of(&p);
    char who[256] = "";
    ck_assert_msg(waits_form_a_cycle(tl, who, sizeof who), "no crossed waits");
    ck_assert_msg(strstr(who, "hepang") != NULL && strstr(who, "luoziyao") != NULL, "%s", who);
    lab_timeline_free(tl);
    free_points(&p);
    remove_dir();
}
END_TEST

START_TEST(deadlock_fixed_has_no_cycle)
{
    make_dir();
    const char *args[] = {"--fix=order", "--speed", "20", "--quiet", NULL};
    points p = run_recorded("deadlock", args, NULL);
    lab_timeline *tl = model_of(&p);
    char who[256] = "";
    ck_assert_msg(!waits_form_a_cycle(tl, who, sizeof who), "%s", who);
    lab_timeline_free(tl);
    free_points(&p);
    remove_dir();
}
END_TEST

/* One worker's task: a sleep of the loiter pool, in class seconds. */
typedef struct task {
    const lab_row *row;
    double begin, end;
    int n; /* loiter(n): the sleep's length, rounded down */
} task;

START_TEST(pool_loiter_matches_the_table)
{
    make_dir();
    /* Speed 10: one class second is 100 ms, so a task is told by its length even when a
     * busy machine oversleeps by tens of milliseconds. */
    const char *args[] = {"--part=loiter", "--speed", "10", "--quiet", NULL};
    points p = run_recorded("pool", args, NULL);
    lab_timeline *tl = model_of(&p);
    task tasks[8];
    int count = 0, workers = 0;
    for (size_t r = 0; r < tl->row_count; r++) {
        const lab_row *row = &tl->rows[r];
        if (strncmp(row->name, "worker-", 7) != 0)
            continue;
        workers++;
        for (size_t s = 0; s < row->span_count; s++)
            if (row->spans[s].state == LAB_STATE_SLEEPING) {
                ck_assert_int_lt(count, 8);
                const lab_span *span = &row->spans[s];
                tasks[count++] =
                    (task){row, span->begin, span->end, (int)(span->end - span->begin + 1e-6)};
            }
    }
    ck_assert_int_eq(workers, 3);
    ck_assert_int_eq(count, 4); /* loiter(0) does not sleep */
    task *by_n[5] = {NULL};
    for (int i = 0; i < count; i++) {
        ck_assert_msg(tasks[i].n >= 1 && tasks[i].n <= 4 && by_n[tasks[i].n] == NULL,
                      "a sleep of %.3f s", tasks[i].end - tasks[i].begin);
        by_n[tasks[i].n] = &tasks[i];
    }
    for (int n = 1; n <= 3; n++) /* 1, 2, 3 start together: before the first ends */
        ck_assert_msg(by_n[n]->begin < by_n[1]->end, "loiter(%d) began at %.3f", n, by_n[n]->begin);
    /* 4 waits for a free worker: the one whose loiter(1) ended first. */
    ck_assert_msg(by_n[4]->begin >= by_n[1]->end,
                  "loiter(4) began at %.3f, loiter(1) ended "
                  "at %.3f",
                  by_n[4]->begin, by_n[1]->end);
    ck_assert_ptr_eq(by_n[4]->row, by_n[1]->row);
    ck_assert_int_le(most_sleeping(tl, "worker-"), 3);
    lab_timeline_free(tl);
    free_points(&p);
    remove_dir();
}
END_TEST

START_TEST(queue_every_bun_put_is_got_once)
{
    make_dir();
    const char *args[] = {"--part=buns", "--buns", "7", "--speed", "50", "--quiet", NULL};
    points p = run_recorded("queue", args, NULL);
    int puts = 0, gets = 0, customers = 0;
    for (size_t i = 0; i < p.count; i++) {
        const lab_point_log *log = &p.logs[i];
        bool line = strncmp(log->name, "line-", 5) == 0;
        bool customer = strncmp(log->name, "eater-", 6) == 0;
        int got = 0;
        for (size_t j = 0; j < log->count; j++) {
            const lab_point_event *e = &log->events[j];
            if (strcmp(e->kind, "queue") != 0 || strcmp(e->object, "buns") != 0)
                continue;
            puts += line && e->point == LAB_POINT_RELEASE;
            got += customer && e->point == LAB_POINT_GET;
        }
        if (customer) {
            customers++;
            gets += got - 1; /* the last: shutdown's news that no bun will come */
        }
    }
    ck_assert_int_eq(customers, 2);
    ck_assert_int_eq(puts, 7);
    ck_assert_int_eq(gets, 7);
    free_points(&p);
    remove_dir();
}
END_TEST

/* ---- the committed pictures, and every module's WAITs, on every demo -------------------- */

/* The normalised form of an SVG timeline (see the top of this file), as text. */
static char *normalised(const char *path)
{
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    char *text = NULL, *out = NULL;
    size_t size = 0, out_size = 0;
    FILE *copy = open_memstream(&text, &size);
    for (int c; (c = fgetc(file)) != EOF;)
        fputc(c, copy);
    fclose(copy);
    fclose(file);
    FILE *o = open_memstream(&out, &out_size);
    char waits[64][96];
    int wait_count = 0;
    for (const char *row = strstr(text, "<g class=\"row\" data-thread=\""); row != NULL;) {
        const char *name = row + strlen("<g class=\"row\" data-thread=\"");
        int name_length = (int)strcspn(name, "\"");
        const char *next = strstr(name, "<g class=\"row\" data-thread=\"");
        const char *end = strstr(name, "</g>");
        bool sleeps = false;
        for (const char *t = strstr(name, "<title>"); t != NULL && t < end;
             t = strstr(t + 1, "<title>")) {
            t += strlen("<title>") + name_length + 2; /* "name: " */
            char what[96];
            snprintf(what, sizeof what, "%.*s", (int)strcspn(t, "<"), t);
            char *cut = strstr(what, " (held by ");
            if (cut == NULL)
                cut = strstr(what, " timed out");
            if (cut == NULL) { /* " 0.123-4.567 s (file:line)": the last " <digit>" */
                for (char *s = what + strlen(what); s > what; s--)
                    if (s[-1] == ' ' && s[0] >= '0' && s[0] <= '9') {
                        cut = s - 1;
                        break;
                    }
            }
            if (cut != NULL)
                *cut = '\0';
            char *hash = strchr(what, '#');
            while (hash != NULL && hash[1] >= '0' && hash[1] <= '9')
                memmove(hash + 1, hash + 2, strlen(hash + 1));
            if (strncmp(what, "join ", 5) == 0)
                what[4] = '\0';
            if (strcmp(what, "sleeping") == 0) {
                sleeps = true;
            } else if (strcmp(what, "running") != 0) {
                int k = 0;
                while (k < wait_count && strcmp(waits[k], what) != 0)
                    k++;
                if (k == wait_count && wait_count < 64)
                    snprintf(waits[wait_count++], sizeof waits[0], "%s", what);
            }
        }
        fprintf(o, "%.*s%s\n", name_length, name, sleeps ? " sleeps" : "");
        row = next;
    }
    qsort(waits, (size_t)wait_count, sizeof waits[0], (int (*)(const void *, const void *))strcmp);
    fputs("waits:", o);
    for (int k = 0; k < wait_count; k++)
        fprintf(o, " [%s]", waits[k]);
    fputc('\n', o);
    fclose(o);
    free(text);
    return out;
}

START_TEST(normalised_form_of_a_picture)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/x.svg", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("<svg><g class=\"row\" data-thread=\"main\">\n"
          "<rect><title>main: running 0.000-0.010 s (demos/x.c:1)</title></rect>\n"
          "<rect><title>main: join t1 0.010-0.500 s (common/thread.c:209)</title></rect>\n"
          "</g>\n<g class=\"row\" data-thread=\"t1\">\n"
          "<rect><title>t1: lock counter lock (held by t2) 0.0-0.1 s (x.c:2)</title></rect>\n"
          "<rect><title>t1: sleeping 0.1-0.2 s (x.c:2)</title></rect>\n"
          "<rect><title>t1: future future#12 timed out 0.2-0.3 s (x.c:2)</title></rect>\n"
          "</g>\n</svg>\n",
          f);
    fclose(f);
    char *form = normalised(path);
    ck_assert_str_eq(form, "main\nt1 sleeps\nwaits: [future future#] [join] [lock counter lock]\n");
    free(form);
    remove_dir();
}
END_TEST

/* The lines of tests/tools/timelines.txt: demo and its flags. */
typedef struct picture_run {
    char demo[32];
    char flags[256];
} picture_run;

static int read_picture_runs(const char *root, picture_run *runs, int most)
{
    char path[4300]; /* the root (up to 4200) and the file name */
    snprintf(path, sizeof path, "%s/tests/tools/timelines.txt", root);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return 0; /* every_demo_has_a_picture says so */
    int n = 0;
    char line[512];
    while (fgets(line, sizeof line, file) != NULL && n < most) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        int length = (int)strcspn(line, " ");
        snprintf(runs[n].demo, sizeof runs[n].demo, "%.*s", length, line);
        const char *flags = line + length;
        while (*flags == ' ')
            flags++;
        snprintf(runs[n].flags, sizeof runs[n].flags, "%s", flags);
        n++;
    }
    fclose(file);
    return n;
}

static void repository_root(char *root, size_t size)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(self, '/');
    if (slash != NULL)
        *slash = '\0';                         /* build/<variant>/tests */
    snprintf(root, size, "%s/../../..", self); /* (no ck_assert: also used before tests) */
}

static picture_run picture_runs[64];
static int picture_run_count;

static void load_picture_runs(void)
{
    char root[4200];
    repository_root(root, sizeof root);
    picture_run_count = read_picture_runs(root, picture_runs, 64);
}

/* Every demo of the course has its line, and so its picture. */
START_TEST(every_demo_has_a_picture)
{
    ck_assert_msg(picture_run_count > 0, "no lines in tests/tools/timelines.txt");
    FILE *file = fopen(demo_path("demos.list"), "r");
    ck_assert_msg(file != NULL, "no demos.list beside the demos");
    char demo[64];
    while (fscanf(file, "%63s", demo) == 1) {
        bool found = false;
        for (int i = 0; i < picture_run_count; i++)
            found |= strcmp(picture_runs[i].demo, demo) == 0;
        ck_assert_msg(found, "%s has no line in tests/tools/timelines.txt", demo);
    }
    fclose(file);
}
END_TEST

/* docs/timelines/<demo>.svg is what the program draws now (normalised), and the demo's
 * modules end every WAIT on the object waited for. One demo per loop index. */
START_TEST(committed_picture_is_current)
{
    const picture_run *run = &picture_runs[_i];
    char root[4200], committed[4300], fresh[128];
    repository_root(root, sizeof root);
    snprintf(committed, sizeof committed, "%s/docs/timelines/%s.svg", root, run->demo);
    ck_assert_msg(access(committed, R_OK) == 0, "no %s: run make timelines", committed);
    make_dir();
    snprintf(fresh, sizeof fresh, "%s/%s.svg", dir, run->demo);
    char flags[300];
    snprintf(flags, sizeof flags, "--seed 1 --speed 20 --quiet %s", run->flags);
    const char *args[MAX_ARGS + 1];
    int n = 0;
    for (char *word = strtok(flags, " "); word != NULL && n < MAX_ARGS; word = strtok(NULL, " "))
        args[n++] = word;
    args[n] = NULL;
    points p = run_recorded(run->demo, args, fresh);
    char *old = normalised(committed), *now = normalised(fresh);
    ck_assert_msg(strcmp(old, now) == 0,
                  "docs/timelines/%s.svg is out of date: run make timelines\n"
                  "committed:\n%snow:\n%s",
                  run->demo, old, now);
    free(old);
    free(now);
    char text[512];
    ck_assert_msg(!wait_mismatch(&p, text, sizeof text), "%s: %s", run->demo, text);
    free_points(&p);
    remove_dir();
}
END_TEST

static Suite *make_timeline_lessons_suite(void)
{
    Suite *suite = suite_create("timeline_lessons");
    TCase *lessons = tcase_create("lessons");
    tcase_set_timeout(lessons, 60);
    tcase_add_test(lessons, mutex_never_two_holders);
    tcase_add_loop_test(lessons, semaphore_never_more_than_the_stalls_inside, 0, 2);
    tcase_add_test(lessons, semaphore_no_limit_lets_everybody_in);
    tcase_add_test(lessons, deadlock_waits_form_a_cycle);
    tcase_add_test(lessons, deadlock_fixed_has_no_cycle);
    tcase_add_test(lessons, pool_loiter_matches_the_table);
    tcase_add_test(lessons, queue_every_bun_put_is_got_once);
    suite_add_tcase(suite, lessons);
    TCase *pictures = tcase_create("pictures");
    tcase_set_timeout(pictures, 60);
    load_picture_runs(); /* before any test forks: the loop runs one demo per line */
    tcase_add_test(pictures, normalised_form_of_a_picture);
    tcase_add_test(pictures, every_demo_has_a_picture);
    tcase_add_loop_test(pictures, committed_picture_is_current, 0, picture_run_count);
    suite_add_tcase(suite, pictures);
    return suite;
}

LAB_TEST_MAIN(make_timeline_lessons_suite)
