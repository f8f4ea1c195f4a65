/* schedule_strategy.c — who runs at a choice: a replayed list, PCT, or the student (--step);
 * and the SPEC parser (see sched.h). Called by sched.c with its lock held. */
#include "schedule_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static lab_sched_config config;
static int list_next; /* LAB_SCHED_LIST: the next name to use */

/* ---- the SPEC ---------------------------------------------------------------------- */

static int refuse(char *error, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(char *error, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(error, size, format, args);
    va_end(args);
    return 2;
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.' || c == '#';
}

void lab_sched_spec_free(lab_sched_spec *spec)
{
    for (int i = 0; i < spec->count; i++)
        free(spec->list[i]);
    free(spec->list);
    spec->list = NULL;
    spec->count = 0;
}

int lab_sched_parse(const char *text, lab_sched_spec *spec, char *error, size_t size)
{
    *spec = (lab_sched_spec){.mode = LAB_SCHED_LIST};
    if (text == NULL || text[0] == '\0')
        return refuse(error, size,
                      "--schedule needs a value: random:D, default, or a list of "
                      "thread names like t0,t1,t1");
    if (strcmp(text, "default") == 0)
        return 0; /* no list: the default at every choice */
    if (strncmp(text, "random:", 7) == 0) {
        const char *digits = text + 7;
        char *end;
        errno = 0;
        long depth = strtol(digits, &end, 10);
        if (digits[0] == '\0' || !isdigit((unsigned char)digits[0]) || *end != '\0' || errno != 0 ||
            depth < 1 || depth > LAB_SCHED_DEPTH_MAX)
            return refuse(error, size,
                          "--schedule=%s: random:D takes a depth D from 1 to %d "
                          "(D - 1 priority change points)",
                          text, LAB_SCHED_DEPTH_MAX);
        spec->mode = LAB_SCHED_RANDOM;
        spec->depth = (int)depth;
        return 0;
    }
    size_t length = strlen(text);
    spec->list = calloc(length / 2 + 2, sizeof *spec->list);
    if (spec->list == NULL)
        return refuse(error, size, "--schedule: out of memory");
    const char *p = text;
    for (;;) {
        size_t n = 0;
        while (name_char(p[n]))
            n++;
        if (n == 0 || (p[n] != ',' && p[n] != '\0')) {
            int rc = p[n] == '\0' || p[n] == ','
                         ? refuse(error, size,
                                  "--schedule=%s: an empty thread name (two commas, or "
                                  "one at an end)",
                                  text)
                         : refuse(error, size,
                                  "--schedule=%s: '%c' cannot be in a thread name "
                                  "(names are separated by commas)",
                                  text, p[n]);
            lab_sched_spec_free(spec);
            return rc;
        }
        if (spec->count == LAB_SCHED_LIST_MAX) {
            lab_sched_spec_free(spec);
            return refuse(error, size, "--schedule: more than %d names", LAB_SCHED_LIST_MAX);
        }
        spec->list[spec->count] = strndup(p, n);
        if (spec->list[spec->count++] == NULL) {
            lab_sched_spec_free(spec);
            return refuse(error, size, "--schedule: out of memory");
        }
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

/* ---- PCT: probabilistic concurrency testing ------------------------------------------
 * Every thread gets a random priority above depth; the highest-priority thread that can
 * run runs. At depth - 1 random choices (change points, among the first
 * LAB_SCHED_PCT_STEPS), the thread about to run drops to a priority below all others.
 * A bug that needs d ordering constraints is hit with probability at least
 * 1 / (n * k^(d-1)) for n threads and k steps (Burckhardt et al., ASPLOS 2010). */

static uint64_t random_state;
static double *priority;
static int priority_capacity;
static int change_point[LAB_SCHED_DEPTH_MAX];

static uint64_t next_random(void) /* splitmix64 */
{
    uint64_t z = (random_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sched_strategy_thread_added(int index)
{
    if (config.spec.mode != LAB_SCHED_RANDOM)
        return;
    if (index >= priority_capacity) {
        int wanted = priority_capacity > 0 ? priority_capacity * 2 : 64;
        while (wanted <= index)
            wanted *= 2;
        double *bigger = realloc(priority, (size_t)wanted * sizeof *bigger);
        if (bigger == NULL)
            sched_usage_exit("out of memory (schedule control)");
        priority = bigger;
        priority_capacity = wanted;
    }
    priority[index] = config.spec.depth + (double)(next_random() >> 11) / 9007199254740992.0;
}

static int pick_by_priority(const sched_choice *choice)
{
    for (int i = 1; i < config.spec.depth; i++) {
        if (change_point[i] == choice->number) {
            int top = choice->enabled[0];
            for (int j = 1; j < choice->count; j++)
                if (priority[choice->enabled[j]] > priority[top])
                    top = choice->enabled[j];
            priority[top] = config.spec.depth - i; /* below every starting priority */
        }
    }
    int best = choice->enabled[0];
    for (int j = 1; j < choice->count; j++)
        if (priority[choice->enabled[j]] > priority[best])
            best = choice->enabled[j];
    return best;
}

/* ---- a replayed list ------------------------------------------------------------------- */

static int pick_from_list(const sched_choice *choice)
{
    if (list_next >= config.spec.count)
        return choice->fallback;
    const char *name = config.spec.list[list_next++];
    for (int i = 0; i < choice->count; i++)
        if (strcmp(sched_thread_name(choice->enabled[i]), name) == 0)
            return choice->enabled[i];
    char runnable[512] = "";
    size_t used = 0;
    for (int i = 0; i < choice->count && used < sizeof runnable - 40; i++)
        used += (size_t)snprintf(runnable + used, sizeof runnable - used, "%s%s", i ? ", " : "",
                                 sched_thread_name(choice->enabled[i]));
    if (sched_thread_find(name) < 0)
        sched_usage_exit("--schedule: choice %d names '%s', but no thread has that name (can run "
                         "here: %s)",
                         choice->number, name, runnable);
    sched_usage_exit("--schedule: choice %d names %s, which cannot run there (can run: %s)",
                     choice->number, name, runnable);
}

/* ---- the student (--step) ------------------------------------------------------------------ */

static int last_stepped = -1;

static void show_choice(const sched_choice *choice, int suggested)
{
    fprintf(stderr, "-- choice %d: who moves next? (number or name; Enter: %s; ? help; q quit)\n",
            choice->number, sched_thread_name(suggested));
    for (int i = 0; i < choice->count; i++) {
        int t = choice->enabled[i];
        char text[160];
        sched_thread_describe(t, text, sizeof text);
        fprintf(stderr, "  %2d %c %-10s %s\n", i + 1,
                t == choice->current && choice->current_enabled ? '*' : ' ', sched_thread_name(t),
                text);
    }
}

static void show_help(void)
{
    fprintf(stderr,
            "  Each line is a thread that can run now: where it stopped and what it does next.\n"
            "  * marks the thread that was running: choosing another one is a preemption.\n"
            "  Type its number or name and Enter; Enter alone repeats the last choice (or keeps\n"
            "  the running thread); q ends the run. At the end the --schedule= that replays\n"
            "  your run is printed.\n");
}

static int pick_by_hand(const sched_choice *choice)
{
    int suggested = choice->fallback;
    for (int i = 0; i < choice->count; i++)
        if (choice->enabled[i] == last_stepped)
            suggested = last_stepped;
    show_choice(choice, suggested);
    for (;;) {
        fprintf(stderr, "step> ");
        fflush(stderr);
        char line[128];
        atomic_store(&sched_asking, true);
        char *got = fgets(line, sizeof line, stdin);
        atomic_store(&sched_asking, false);
        if (got == NULL)
            sched_usage_exit("--step: end of input at choice %d", choice->number);
        line[strcspn(line, "\r\n")] = '\0';
        char *word = line;
        while (*word == ' ')
            word++;
        if (word[0] == '\0')
            return last_stepped = suggested;
        if (strcmp(word, "?") == 0) {
            show_help();
            show_choice(choice, suggested);
            continue;
        }
        if (strcmp(word, "q") == 0) {
            fprintf(stderr, "%s: stopped at choice %d\n", config.program, choice->number);
            fflush(stderr);
            exit(0); /* prints the replay of the choices so far (atexit) */
        }
        char *end;
        long number = strtol(word, &end, 10);
        if (*end == '\0' && number >= 1 && number <= choice->count)
            return last_stepped = choice->enabled[number - 1];
        for (int i = 0; i < choice->count; i++)
            if (strcmp(sched_thread_name(choice->enabled[i]), word) == 0)
                return last_stepped = choice->enabled[i];
        fprintf(stderr, "  '%s' cannot run now: type a number from 1 to %d, or ? for help\n", word,
                choice->count);
    }
}

/* ---- dispatch -------------------------------------------------------------------------------- */

void sched_strategy_begin(const lab_sched_config *given)
{
    config = *given;
    list_next = 0;
    random_state = config.seed ^ 0x5ced5ced5ced5cedULL;
    for (int i = 1; i < config.spec.depth && i < LAB_SCHED_DEPTH_MAX; i++)
        change_point[i] = 1 + (int)(next_random() % LAB_SCHED_PCT_STEPS);
}

int sched_strategy_pick(const sched_choice *choice)
{
    switch (config.spec.mode) {
        case LAB_SCHED_RANDOM:
            return pick_by_priority(choice);
        case LAB_SCHED_STEP:
            return pick_by_hand(choice);
        case LAB_SCHED_LIST:
            break;
    }
    return pick_from_list(choice);
}
