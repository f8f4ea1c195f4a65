/* schedule_explore.c — --explore: run the demo under many schedules, each in a fresh child
 * process, and check its correctness condition after each (see sched.h).
 *
 * The search: every run is given a list of choices (a prefix) and takes the default after
 * it (the running thread goes on while it can). Its child reports every choice it met:
 * who could run, who ran, and whether the running thread could have gone on. Each choice
 * after the prefix, with another thread picked, is a new prefix to run: together they are
 * every schedule, each run once (stateless depth-first search, as CHESS does). A choice of
 * another thread while the running one could go on is a *preemption*; prefixes are run in
 * order of their count of preemptions (0, then 1, then 2), and none with more than the
 * bound (2): most concurrency bugs need at most two preemptions (Musuvathi and Qadeer,
 * PLDI 2007), and the number of schedules grows like points^bound. Each level first gets a
 * third of the budget (a level can be huge), then the rest goes in order. So the failure
 * found has the fewest preemptions whenever the levels below it were searched to the end;
 * it is then shortened by dropping choices that do not matter, and printed as a command
 * that replays it.
 */
#include "schedule.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BOUND         2    /* preemptions */
#define CHILD_SECONDS 20.0 /* a child that runs longer is stopped and counted as a failure */
#define MAX_CHOICES   4096
#define MAX_THREADS   1024
#define SHORTEN_RUNS  64 /* runs spent on shortening a failure */

/* ---- the invariant ------------------------------------------------------------------- */

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* The text of key's value in the result line ("" when the key is missing: false). */
static bool key_text(const char *line, const char *key, size_t key_length, char *text, size_t size)
{
    const char *p = line;
    while ((p = strstr(p, key)) != NULL) {
        bool starts = p == line || p[-1] == ' ';
        if (starts && p[key_length] == '=') {
            const char *value = p + key_length + 1;
            snprintf(text, size, "%.*s", (int)strcspn(value, " \n"), value);
            return true;
        }
        p += key_length;
    }
    return false;
}

/* One operand: a number, a "string", or a key of the result line (its text, and its
 * number when it is one). */
typedef struct {
    char name[64]; /* as written: the key, the number, or the quoted string */
    char text[64]; /* the value as text */
    double number;
    bool is_number, is_literal_text;
    bool absent; /* an optional key (written key?) that the line does not have */
} operand_value;

static int operand(const char **p, const char *line, operand_value *v, char *reason, size_t size)
{
    const char *s = skip_blanks(*p);
    size_t n = 0;
    *v = (operand_value){.is_number = false};
    if (isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) {
        char *end;
        v->number = strtod(s, &end);
        v->is_number = true;
        n = (size_t)(end - s);
        snprintf(v->name, sizeof v->name, "%.*s", (int)n, s);
        snprintf(v->text, sizeof v->text, "%s", v->name);
    } else if (s[0] == '"') {
        const char *close = strchr(s + 1, '"');
        if (close == NULL) {
            snprintf(reason, size, "invariant: a string without its closing quote at '%s'", s);
            return -1;
        }
        n = (size_t)(close - s) + 1;
        snprintf(v->name, sizeof v->name, "%.*s", (int)n, s);
        snprintf(v->text, sizeof v->text, "%.*s", (int)(n - 2), s + 1);
        v->is_literal_text = true;
    } else {
        while (isalnum((unsigned char)s[n]) || s[n] == '_')
            n++;
        if (n == 0) {
            snprintf(reason, size, "invariant: expected a key, a number or a \"string\" at '%s'",
                     s);
            return -1;
        }
        snprintf(v->name, sizeof v->name, "%.*s", (int)n, s);
        bool optional = s[n] == '?'; /* map_order? == "5,4,3,2,1": only when the key is there */
        if (!key_text(line, v->name, strlen(v->name), v->text, sizeof v->text)) {
            v->absent = optional;
            *p = s + n + optional;
            if (optional)
                return 0;
            snprintf(reason, size,
                     "invariant: the result line has no number for key '%s' (no such key)",
                     v->name);
            return -1;
        }
        char *end;
        v->number = strtod(v->text, &end);
        v->is_number = v->text[0] != '\0' && *end == '\0';
        n += optional;
    }
    *p = s + n;
    return 0;
}

/* Appends "key=value " to shown when v is a key. */
static void show_key(char *shown, size_t size, const operand_value *v)
{
    bool key = !v->absent && !v->is_literal_text && !isdigit((unsigned char)v->name[0]) &&
               v->name[0] != '-';
    size_t used = strlen(shown);
    if (key && used < size)
        snprintf(shown + used, size - used, "%s=%s ", v->name, v->text);
}

/* A sum: operands joined by + and - ("fired + cancelled"), all numbers; or one operand. The
 * keys it read go to shown ("fired=1 cancelled=0 "). */
static int sum(const char **p, const char *line, operand_value *v, char *shown, size_t shown_size,
               char *reason, size_t size)
{
    if (operand(p, line, v, reason, size) != 0)
        return -1;
    show_key(shown, shown_size, v);
    for (;;) {
        const char *s = skip_blanks(*p);
        if (*s != '+' && *s != '-')
            return 0;
        *p = s + 1;
        operand_value next;
        if (operand(p, line, &next, reason, size) != 0)
            return -1;
        show_key(shown, shown_size, &next);
        v->absent = v->absent || next.absent;
        if (v->absent)
            continue;
        const operand_value *text = !v->is_number ? v : !next.is_number ? &next : NULL;
        if (text != NULL) {
            snprintf(reason, size, "invariant: + and - need numbers, not '%s'", text->name);
            return -1;
        }
        v->number += *s == '+' ? next.number : -next.number;
        size_t used = strlen(v->name);
        snprintf(v->name + used, sizeof v->name - used, " %c %s", *s, next.name);
        snprintf(v->text, sizeof v->text, "%g", v->number);
    }
}

int lab_sched_invariant_holds(const char *invariant, const char *line, char *reason, size_t size)
{
    const char *p = invariant;
    int holds = 1;
    reason[0] = '\0';
    for (;;) {
        operand_value left, right;
        char shown[256] = "";
        if (sum(&p, line, &left, shown, sizeof shown, reason, size) != 0)
            return -1;
        p = skip_blanks(p);
        static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">"};
        int op = -1;
        for (int i = 0; i < 6 && op < 0; i++)
            if (strncmp(p, ops[i], strlen(ops[i])) == 0)
                op = i;
        if (op < 0) {
            snprintf(reason, size, "invariant: expected ==, !=, <, <=, > or >= at '%s'", p);
            return -1;
        }
        p += strlen(ops[op]);
        if (sum(&p, line, &right, shown, sizeof shown, reason, size) != 0)
            return -1;
        bool ok;
        if (left.absent || right.absent) /* an optional key this run did not print */
            ok = true;
        else if (left.is_literal_text || right.is_literal_text) { /* deadlock == "no" */
            if (op > 1) {
                snprintf(reason, size, "invariant: a \"string\" compares only with == or !=");
                return -1;
            }
            ok = (strcmp(left.text, right.text) == 0) == (op == 0);
        } else {
            const operand_value *text = !left.is_number ? &left : !right.is_number ? &right : NULL;
            if (text != NULL) {
                snprintf(reason, size, "invariant: the result line has no number for key '%s'",
                         text->name);
                return -1;
            }
            ok = op == 0   ? left.number == right.number
                 : op == 1 ? left.number != right.number
                 : op == 2 ? left.number <= right.number
                 : op == 3 ? left.number >= right.number
                 : op == 4 ? left.number < right.number
                           : left.number > right.number;
        }
        if (!ok && holds) {
            holds = 0;
            size_t n = strlen(shown);
            if (n > 0)
                shown[n - 1] = '\0'; /* its last blank */
            snprintf(reason, size, "%s %s %s is false%s%s%s", left.name, ops[op], right.name,
                     n > 0 ? " (" : "", shown, n > 0 ? ")" : "");
        }
        p = skip_blanks(p);
        if (*p == '\0')
            return holds;
        if (strncmp(p, "&&", 2) != 0) {
            snprintf(reason, size, "invariant: expected && or the end at '%s'", p);
            return -1;
        }
        p += 2;
    }
}

/* ---- one child run ----------------------------------------------------------------------- */

typedef struct {
    int current, chosen, fallback;
    bool current_enabled;
    int count;
    int *enabled;
    char where[96]; /* where the current thread stood: "race.c:49  mark: read counter" */
} choice_seen;

typedef struct {
    int status; /* exit status, or -1 */
    int signal;
    bool timed_out, deadlock;
    char result[1024]; /* the last result: line, or "" */
    char error[512];   /* its first stderr line */
    char names[MAX_THREADS][32];
    int thread_count;
    choice_seen choices[MAX_CHOICES];
    int choice_count;
    char picture[2048]; /* a deadlock: who waits for what, a line each */
} run_seen;

static char *slurp(FILE *file)
{
    fflush(file);
    long size = (fseek(file, 0, SEEK_END) == 0) ? ftell(file) : -1;
    if (size < 0)
        size = 0;
    rewind(file);
    char *text = malloc((size_t)size + 1);
    if (text == NULL) {
        fprintf(stderr, "explore: out of memory\n");
        exit(1);
    }
    size_t got = fread(text, 1, (size_t)size, file);
    text[got] = '\0';
    return text;
}

static void read_report(run_seen *run, char *text)
{
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        int index, current, enabled_flag, chosen, fallback, offset;
        char name[64];
        if (sscanf(line, "thread %d %63s", &index, name) == 2 && index >= 0 &&
            index < MAX_THREADS) {
            snprintf(run->names[index], sizeof run->names[index], "%.31s", name);
            if (index >= run->thread_count)
                run->thread_count = index + 1;
        } else if (sscanf(line, "choice %d %d %d %d %n", &current, &enabled_flag, &chosen,
                          &fallback, &offset) == 4 &&
                   run->choice_count < MAX_CHOICES) {
            choice_seen *c = &run->choices[run->choice_count++];
            *c = (choice_seen){current, chosen, fallback, enabled_flag != 0, 0, NULL, ""};
            char *tab = strchr(line + offset, '\t');
            if (tab != NULL) {
                *tab = '\0';
                char *text = tab + 1;
                while (*text != '\0' && *text != ' ')
                    text++; /* file:line, then blanks, then what */
                size_t file_length = (size_t)(text - tab - 1);
                while (*text == ' ')
                    text++;
                snprintf(c->where, sizeof c->where, "%.*s (%.60s)", (int)file_length, tab + 1,
                         text);
            }
            int names = 1;
            for (const char *p = line + offset; *p != '\0'; p++)
                names += *p == ',';
            c->enabled = calloc((size_t)names, sizeof *c->enabled);
            if (c->enabled == NULL)
                exit(1);
            for (char *p = line + offset; *p != '\0' && c->count < names;) {
                c->enabled[c->count++] = (int)strtol(p, &p, 10);
                if (*p == ',')
                    p++;
                else
                    break;
            }
        } else if (strncmp(line, "wait ", 5) == 0) {
            size_t used = strlen(run->picture);
            snprintf(run->picture + used, sizeof run->picture - used, "explore:   %s\n", line + 5);
        } else if (strcmp(line, "end deadlock") == 0) {
            run->deadlock = true;
        }
    }
}

static void forget_run(run_seen *run)
{
    for (int i = 0; i < run->choice_count; i++)
        free(run->choices[i].enabled);
    run->choice_count = 0;
}

static const char *program_name;
static char **base_args; /* the child's argv with a free slot for --schedule */
static int schedule_slot;

static void run_child(const char *schedule, run_seen *run)
{
    memset(run, 0, sizeof *run);
    FILE *out = tmpfile(), *err = tmpfile(), *report = tmpfile();
    if (out == NULL || err == NULL || report == NULL) {
        fprintf(stderr, "%s: --explore: cannot make a temporary file: %s\n", program_name,
                strerror(errno));
        exit(1);
    }
    char schedule_arg[16384];
    snprintf(schedule_arg, sizeof schedule_arg, "--schedule=%s", schedule);
    base_args[schedule_slot] = schedule_arg;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: --explore: fork: %s\n", program_name, strerror(errno));
        exit(1);
    }
    if (pid == 0) {
        char fd_text[16];
        snprintf(fd_text, sizeof fd_text, "%d", fileno(report));
        setenv("LAB_SCHED_REPORT", fd_text, 1);
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(err), STDERR_FILENO);
        execv("/proc/self/exe", base_args);
        _exit(127);
    }
    struct timespec start, now, pause = {0, 2000000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    int status = 0;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR) {
            fprintf(stderr, "%s: --explore: waitpid: %s\n", program_name, strerror(errno));
            exit(1);
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >
            CHILD_SECONDS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            run->timed_out = true;
            break;
        }
        nanosleep(&pause, NULL);
    }
    run->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    char *text = slurp(out);
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"))
        if (strncmp(line, "result: ", 8) == 0)
            snprintf(run->result, sizeof run->result, "%s", line);
    free(text);
    text = slurp(err);
    snprintf(run->error, sizeof run->error, "%.*s", (int)strcspn(text, "\n"), text);
    free(text);
    text = slurp(report);
    read_report(run, text);
    free(text);
    fclose(out);
    fclose(err);
    fclose(report);
}

/* Whether the run broke the condition; why in reason. Exits 2 when the condition cannot
 * be checked at all (the child refused its arguments, a key is missing). */
static bool failed(const run_seen *run, const char *invariant, char *reason, size_t size)
{
    if (run->timed_out) {
        snprintf(reason, size,
                 "did not end within %.0f s (a thread that never reaches a "
                 "scheduling point, such as a busy loop?)",
                 CHILD_SECONDS);
        return true;
    }
    if (run->deadlock) {
        snprintf(reason, size, "deadlock: no thread could run");
        return true;
    }
    if (run->status == 2 && run->choice_count == 0) { /* the demo refused its arguments */
        fprintf(stderr, "%s\n", run->error);
        exit(2);
    }
    if (run->status == 2) { /* a prefix seen in an earlier run could not be followed */
        fprintf(stderr,
                "%s: --explore: a schedule could not be replayed (%s): the demo does not "
                "run the same way twice under control\n",
                program_name, run->error);
        exit(1);
    }
    if (run->signal != 0) {
        snprintf(reason, size, "killed by signal %d (%.200s)", run->signal, run->error);
        return true;
    }
    if (run->status != 0) {
        snprintf(reason, size, "exit status %d (%.200s)", run->status, run->error);
        return true;
    }
    if (run->result[0] == '\0') {
        snprintf(reason, size, "no result: line");
        return true;
    }
    int holds = lab_sched_invariant_holds(invariant, run->result, reason, size);
    if (holds < 0) {
        fprintf(stderr, "%s: --explore: %s\n", program_name, reason);
        exit(2);
    }
    return holds == 0;
}

/* ---- the search -------------------------------------------------------------------------- */

typedef struct {
    char *schedule; /* names, comma-separated ("default" for none) */
    int cost;       /* preemptions */
} prefix;

typedef struct {
    prefix *items;
    int count, capacity;
} stack;

static void push(stack *s, char *schedule, int cost)
{
    if (s->count == s->capacity) {
        s->capacity = s->capacity ? s->capacity * 2 : 64;
        s->items = realloc(s->items, (size_t)s->capacity * sizeof *s->items);
        if (s->items == NULL)
            exit(1);
    }
    s->items[s->count++] = (prefix){schedule, cost};
}

/* "t0,t1,...": the names chosen at the run's first `length` choices, then `last`. */
static char *names_upto(const run_seen *run, int length, int last)
{
    size_t size = (size_t)(length + 1) * 34 + 8;
    char *text = malloc(size);
    if (text == NULL)
        exit(1);
    size_t used = 0;
    text[0] = '\0';
    for (int i = 0; i < length; i++)
        used +=
            (size_t)snprintf(text + used, size - used, "%s,", run->names[run->choices[i].chosen]);
    snprintf(text + used, size - used, "%s", last >= 0 ? run->names[last] : "");
    if (last < 0 && used > 0)
        text[used - 1] = '\0';
    if (text[0] == '\0')
        snprintf(text, size, "default");
    return text;
}

static int count_names(const char *schedule)
{
    if (strcmp(schedule, "default") == 0)
        return 0;
    int n = 1;
    for (const char *p = schedule; *p != '\0'; p++)
        n += *p == ',';
    return n;
}

static int preemptions(const run_seen *run)
{
    int n = 0;
    for (int i = 0; i < run->choice_count; i++)
        n += run->choices[i].current_enabled && run->choices[i].chosen != run->choices[i].current;
    return n;
}

/* The same schedule without its name number `drop` (0-based). */
static char *without(const char *schedule, int drop)
{
    char *copy = strdup(schedule), *out = calloc(strlen(schedule) + 8, 1);
    if (copy == NULL || out == NULL)
        exit(1);
    int i = 0;
    for (char *name = strtok(copy, ","); name != NULL; name = strtok(NULL, ","), i++) {
        if (i == drop)
            continue;
        if (out[0] != '\0')
            strcat(out, ",");
        strcat(out, name);
    }
    free(copy);
    if (out[0] == '\0')
        strcpy(out, "default");
    return out;
}

/* Drop choices one at a time, keeping each drop after which the run still fails with no
 * more preemptions than before. */
static char *shorten(char *schedule, int fewest, const char *invariant, run_seen *run, int *runs)
{
    char reason[512];
    int budget = SHORTEN_RUNS;
    for (int i = count_names(schedule) - 1; i >= 0 && budget > 0; i--, budget--) {
        char *shorter = without(schedule, i);
        run_child(shorter, run);
        (*runs)++;
        bool still = run->status != 2 && failed(run, invariant, reason, sizeof reason) &&
                     preemptions(run) <= fewest;
        forget_run(run);
        if (still) {
            free(schedule);
            schedule = shorter;
        } else {
            free(shorter);
        }
    }
    return schedule;
}

/* The preemptions of the run, in words: where each thread was stopped. */
static void print_preemptions(const run_seen *run)
{
    for (int i = 0; i < run->choice_count; i++) {
        const choice_seen *c = &run->choices[i];
        if (c->current_enabled && c->chosen != c->current)
            printf("explore:   choice %d: %s is stopped at %s; %s runs\n", i + 1,
                   run->names[c->current], c->where, run->names[c->chosen]);
    }
}

static void print_command(int argc, char **argv, const char *schedule, bool add_seed)
{
    printf("  %s", argv[0]);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--explore", 9) != 0)
            printf(" %s", argv[i]);
    if (add_seed)
        printf(" --seed 1");
    printf(" --schedule=%s\n", schedule);
}

_Noreturn void lab_sched_explore(const char *program, int argc, char **argv, long budget,
                                 const char *invariant)
{
    program_name = program;
    bool seed_given = false;
    const char *seed_text = "1"; /* the children's seed, for the result line */
    base_args = calloc((size_t)argc + 6, sizeof *base_args);
    if (base_args == NULL)
        exit(1);
    int n = 0;
    base_args[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--explore", 9) == 0)
            continue;
        if (strncmp(argv[i], "--seed=", 7) == 0)
            seed_text = argv[i] + 7;
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed_text = argv[i + 1];
        seed_given = seed_given || strncmp(argv[i], "--seed", 6) == 0;
        base_args[n++] = argv[i];
    }
    base_args[n++] = "--quiet";
    if (!seed_given) { /* every run the same seed: only the schedule differs */
        base_args[n++] = "--seed";
        base_args[n++] = "1";
    }
    schedule_slot = n++;
    base_args[n] = NULL;

    printf("explore: %s", program);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--explore", 9) != 0)
            printf(" %s", argv[i]);
    int shown = 0;
    for (int i = 1; i < argc; i++)
        shown += strncmp(argv[i], "--explore", 9) != 0;
    printf("%s\nexplore: checks %s in schedules with at most %d preemptions (depth-first, <= %ld "
           "runs)\n",
           shown > 0 ? "" : " (its default flags)", invariant, BOUND, budget);
    fflush(stdout);

    static run_seen run;
    stack pending[BOUND + 1] = {{0}};
    push(&pending[0], strdup("default"), 0);
    long runs = 0;
    int shortening_runs = 0;
    char reason[512];
    /* Two passes: first each level gets its share of the budget, so that schedules with
     * no preemption (there can be very many: every order of wake-ups) do not starve the
     * ones with one or two; then what is left of the budget goes in level order. */
    for (int pass = 0, level = 0; pass < 2; level = level == BOUND ? (pass++, 0) : level + 1) {
        long share = pass == 0 ? runs + budget / (BOUND + 1) : budget;
        while (pending[level].count > 0 && runs < budget && runs < share) {
            prefix p = pending[level].items[--pending[level].count];
            run_child(p.schedule, &run);
            runs++;
            if (failed(&run, invariant, reason, sizeof reason)) {
                printf("explore: run %ld (%d preemption%s) broke it: %s\n", runs, p.cost,
                       p.cost == 1 ? "" : "s", reason);
                int fewest = preemptions(&run);
                forget_run(&run);
                char *best = shorten(p.schedule, fewest, invariant, &run, &shortening_runs);
                run_child(best, &run);
                failed(&run, invariant, reason, sizeof reason);
                printf("explore: the shortest replay found (%d choice%s, %d preemption%s): %s\n",
                       count_names(best), count_names(best) == 1 ? "" : "s", preemptions(&run),
                       preemptions(&run) == 1 ? "" : "s", reason);
                print_preemptions(&run);
                if (run.deadlock)
                    printf("explore: nobody can move:\n%s", run.picture);
                printf("explore: replay it with:\n");
                print_command(argc, argv, best, !seed_given);
                printf("result: runs=%ld failed=1 preemptions=%d bound=%d schedule=%s seed=%s\n",
                       runs, preemptions(&run), BOUND, best, seed_text);
                exit(0);
            }
            int given = p.schedule != NULL ? count_names(p.schedule) : 0;
            for (int i = given; i < run.choice_count; i++) {
                const choice_seen *c = &run.choices[i];
                for (int k = 0; k < c->count; k++) {
                    int other = c->enabled[k];
                    if (other == c->chosen)
                        continue;
                    int cost = p.cost + (c->current_enabled && other != c->current);
                    if (cost <= BOUND)
                        push(&pending[cost], names_upto(&run, i, other), cost);
                }
            }
            forget_run(&run);
            free(p.schedule);
        }
    }
    bool complete = true;
    for (int level = 0; level <= BOUND; level++)
        complete = complete && pending[level].count == 0;
    if (complete)
        printf("explore: all %ld schedules with at most %d preemptions: %s held\n", runs, BOUND,
               invariant);
    else
        printf("explore: %ld schedules tried (the budget: --explore=N for more): %s held in each\n"
               "explore: schedules with at most %d preemptions remain untried: not a proof\n",
               runs, invariant, BOUND);
    printf("result: runs=%ld failed=0 bound=%d complete=%s seed=%s\n", runs, BOUND,
           complete ? "yes" : "no", seed_text);
    exit(0);
}
