/* cli.h — the command line every demo shares.
 *
 * A demo describes itself and its options in a table; lab_init() does the rest:
 *
 *     static int threads = 100;
 *     static const lab_option options[] = {
 *         LAB_INT("threads", &threads, 1, 10000, "N", "threads to start"),
 *         LAB_END
 *     };
 *     static const lab_demo demo = {.name = "race", .summary = "...", .options = options};
 *     int main(int argc, char **argv) { lab_init(&demo, argc, argv); ... }
 *
 * Common options: --help, --about, --speed X (or env LAB_SPEED), --seed N, --quiet,
 * --color[=auto|always|never] (say.h: colour and the class-second stamps),
 * --timeline[=FILE.svg], --trace=FILE.json (timeline.h).
 * Numbers are parsed strictly (no atoi): "5x", "", "abc", "1e999", values out of range
 * and unknown flags are all refused with one clear line and a usage hint on stderr,
 * and exit status 2. --help prints what the demo shows and every flag, and exits 0.
 */
#ifndef THREADLAB_CLI_H
#define THREADLAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LAB_OPT_END = 0,
    LAB_OPT_INT,    /* int, within [min, max] */
    LAB_OPT_DOUBLE, /* double, within [min, max], finite */
    LAB_OPT_FLAG,   /* bool, set to true when present; takes no value */
    LAB_OPT_CHOICE, /* int index into choices[] (NULL-terminated) */
    LAB_OPT_STRING, /* const char *, any non-empty text */
} lab_option_kind;

typedef struct lab_option {
    const char *name; /* long name, without the leading "--" */
    lab_option_kind kind;
    void *target;               /* where the parsed value goes; its initial value is the default */
    const char *meta;           /* what the value is called in --help: "N", "SECONDS" */
    const char *help;           /* one line for --help */
    double min, max;            /* LAB_OPT_INT, LAB_OPT_DOUBLE: allowed range, inclusive */
    const char *const *choices; /* LAB_OPT_CHOICE */
    const char *default_text;   /* shown as the default in --help instead of the target's value */
} lab_option;

/* The ternary makes the compiler check the target's type. */
#define LAB_INT(name_, target_, min_, max_, meta_, help_)                                        \
    {                                                                                            \
        .name = name_, .kind = LAB_OPT_INT, .target = (1 ? (target_) : (int *)0), .meta = meta_, \
        .help = help_, .min = min_, .max = max_                                                  \
    }
#define LAB_DOUBLE(name_, target_, min_, max_, meta_, help_)                            \
    {                                                                                   \
        .name = name_, .kind = LAB_OPT_DOUBLE, .target = (1 ? (target_) : (double *)0), \
        .meta = meta_, .help = help_, .min = min_, .max = max_                          \
    }
#define LAB_FLAG(name_, target_, help_)                                                           \
    {                                                                                             \
        .name = name_, .kind = LAB_OPT_FLAG, .target = (1 ? (target_) : (bool *)0), .help = help_ \
    }
#define LAB_CHOICE(name_, target_, choices_, help_)                                  \
    {                                                                                \
        .name = name_, .kind = LAB_OPT_CHOICE, .target = (1 ? (target_) : (int *)0), \
        .help = help_, .choices = choices_                                           \
    }
#define LAB_STRING(name_, target_, meta_, help_)                                             \
    {                                                                                        \
        .name = name_, .kind = LAB_OPT_STRING, .target = (1 ? (target_) : (const char **)0), \
        .meta = meta_, .help = help_                                                         \
    }
#define LAB_END      \
    {                \
        .name = NULL \
    }

typedef struct lab_demo {
    const char *name;          /* program name, as in demos/<name>.c */
    const char *summary;       /* one line: what the demo shows (make list, --about) */
    const char *python;        /* the Python the demo mirrors */
    const char *details;       /* a paragraph for --help: what to observe, the flags' story */
    const lab_option *options; /* terminated by LAB_END; may be NULL */
    /* Optional check after parsing (conflicting flags...): NULL when fine, else the
     * message for the usage error. */
    const char *(*check)(void);
    /* schedule control (--schedule, --step, --explore; docs/schedules.md): the demo's
     * correctness condition over its result: keys ("lost == 0 && served >= 1"), which
     * --explore checks after each run; NULL: the flags are refused. */
    const char *invariant;
    /* Why the demo cannot be controlled at all (fork, raw calls): said when refused. */
    const char *uncontrollable;
    /* Whether a deadlock is the lesson (the run then ends with status 0); NULL: never. */
    bool (*deadlock_expected)(void);
} lab_demo;

/* What the common options said. */
typedef struct lab_cli_common {
    double speed; /* 0: not given */
    uint64_t seed;
    bool seed_given;
    bool quiet;
    bool help;
    bool about;
    int color; /* a lab_color (say.h), when color_given */
    bool color_given;

    bool timeline;             /* --timeline: the ASCII chart at exit */
    const char *timeline_file; /* --timeline=FILE.svg, or NULL */
    const char *trace_file;    /* --trace=FILE.json, or NULL */

    const char *schedule; /* schedule control: --schedule=SPEC, or NULL */
    bool step;            /* --step */
    long explore;         /* --explore[=N]: the run budget, 0 when not given */
} lab_cli_common;

/* Parse argv into the demo's option targets and *common. Returns 0 when the line is
 * fine, or 2 with a one-line message (no newline) in error[0..error_size-1].
 * Does not print or exit: lab_init() does. Resets getopt, so it can run again. */
int lab_cli_parse_args(const lab_demo *demo, int argc, char **argv, lab_cli_common *common,
                       char *error, size_t error_size);

/* Parse a whole number in [min, max]. Returns 0 and the value, or 2 with a message
 * naming `what` ("--threads") in error. */
int lab_cli_parse_int(const char *text, long min, long max, const char *what, long *value,
                      char *error, size_t error_size);
/* Parse a finite real number in [min, max], the same way: returns 0 or 2. */
int lab_cli_parse_double(const char *text, double min, double max, const char *what, double *value,
                         char *error, size_t error_size);

/* Set up a demo run: name the program (lab_set_program_name), parse the command line
 * (bad input: a message and a usage hint on stderr, exit status 2; --help, --about: print,
 * exit 0), apply --speed/LAB_SPEED, --seed (or a fresh one) and --quiet, and say the seed
 * so the run can be repeated. Call first thing in main(), before starting threads.
 * Returns only when the demo is to run. */
void lab_init(const lab_demo *demo, int argc, char **argv);

/* Print --help for the demo to stdout. Can't fail. */
void lab_cli_print_help(const lab_demo *demo);

#endif
