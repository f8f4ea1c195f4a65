/* cli.c — shared option parsing with getopt_long (see cli.h). */
#include "cli.h"

#include "checked.h"
#include "clock.h"
#include "rng.h"
#include "say.h"
#include "timeline.h"
#include "schedule.h" /* schedule control */
#include "cli_internal.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEED_MIN   0.001
#define SPEED_MAX   10000.0
#define MAX_OPTIONS 48

enum {
    OPT_HELP = 'h',
    OPT_QUIET = 'q',
    OPT_SPEED = 600,
    OPT_SEED,
    OPT_ABOUT,
    OPT_COLOR,
    OPT_TIMELINE,
    OPT_TRACE,
    OPT_DEMO_BASE = 1000
};
enum { OPT_SCHEDULE = 700, OPT_STEP, OPT_EXPLORE }; /* schedule control */

/* ---- numbers --------------------------------------------------------------- */

int lab_cli_refuse(char *error, size_t error_size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
    return 2;
}

/* strtol/strtod quietly skip leading white space; a typed value never starts with it. */
static bool starts_like_a_number(const char *text)
{
    return text[0] != '\0' && text[0] != ' ' && text[0] != '\t' && text[0] != '\n';
}

int lab_cli_parse_int(const char *text, long min, long max, const char *what, long *value,
                      char *error, size_t error_size)
{
    if (text[0] == '\0')
        return lab_cli_refuse(error, error_size, "%s needs a value", what);
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (!starts_like_a_number(text) || end == text || *end != '\0')
        return lab_cli_refuse(error, error_size, "%s: '%s' is not a whole number", what, text);
    if (errno == ERANGE || parsed < min || parsed > max)
        return lab_cli_refuse(error, error_size, "%s: %s is out of range (%ld to %ld)", what, text,
                              min, max);
    *value = parsed;
    return 0;
}

int lab_cli_parse_double(const char *text, double min, double max, const char *what, double *value,
                         char *error, size_t error_size)
{
    if (text[0] == '\0')
        return lab_cli_refuse(error, error_size, "%s needs a value", what);
    char *end;
    errno = 0;
    double parsed = strtod(text, &end);
    if (!starts_like_a_number(text) || end == text || *end != '\0')
        return lab_cli_refuse(error, error_size, "%s: '%s' is not a number", what, text);
    if (errno != ERANGE && !isfinite(parsed)) /* "inf", "nan" typed as such */
        return lab_cli_refuse(error, error_size, "%s: '%s' is not a finite number", what, text);
    if (errno == ERANGE || parsed < min || parsed > max)
        return lab_cli_refuse(error, error_size, "%s: %s is out of range (%g to %g)", what, text,
                              min, max);
    *value = parsed;
    return 0;
}

/* ---- one option's value ------------------------------------------------------- */

static int set_choice(const lab_option *option, const char *text, char *error, size_t error_size)
{
    for (int i = 0; option->choices[i] != NULL; i++) {
        if (strcmp(option->choices[i], text) == 0) {
            *(int *)option->target = i;
            return 0;
        }
    }
    char allowed[256] = "";
    for (int i = 0; option->choices[i] != NULL; i++) {
        size_t used = strlen(allowed);
        snprintf(allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "", option->choices[i]);
    }
    return lab_cli_refuse(error, error_size, "--%s: '%s' is not one of: %s", option->name, text,
                          allowed);
}

static int set_option(const lab_option *option, const char *text, char *error, size_t error_size)
{
    char what[64];
    snprintf(what, sizeof what, "--%s", option->name);
    switch (option->kind) {
        case LAB_OPT_INT: {
            long value;
            long min = option->min < INT_MIN ? INT_MIN : (long)option->min;
            long max = option->max > INT_MAX ? INT_MAX : (long)option->max;
            int rc = lab_cli_parse_int(text, min, max, what, &value, error, error_size);
            if (rc == 0)
                *(int *)option->target = (int)value;
            return rc;
        }
        case LAB_OPT_DOUBLE:
            return lab_cli_parse_double(text, option->min, option->max, what, option->target, error,
                                        error_size);
        case LAB_OPT_FLAG:
            *(bool *)option->target = true;
            return 0;
        case LAB_OPT_CHOICE:
            return set_choice(option, text, error, error_size);
        case LAB_OPT_STRING:
            if (text[0] == '\0')
                return lab_cli_refuse(error, error_size, "%s needs a value", what);
            *(const char **)option->target = text;
            return 0;
        case LAB_OPT_END:
            break;
    }
    return lab_cli_refuse(error, error_size, "%s: not a known kind of option", what);
}

/* ---- the whole command line ----------------------------------------------------- */

static size_t count_options(const lab_demo *demo)
{
    size_t n = 0;
    while (demo->options != NULL && demo->options[n].name != NULL)
        n++;
    return n;
}

/* The long-option table getopt_long wants: common options, then the demo's. */
static void build_table(const lab_demo *demo, struct option *table)
{
    static const struct option common[] = {
        {"help", no_argument, NULL, OPT_HELP},
        {"about", no_argument, NULL, OPT_ABOUT},
        {"speed", required_argument, NULL, OPT_SPEED},
        {"seed", required_argument, NULL, OPT_SEED},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"timeline", optional_argument, NULL, OPT_TIMELINE},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"schedule", required_argument, NULL, OPT_SCHEDULE}, /* schedule control */
        {"step", no_argument, NULL, OPT_STEP},
        {"explore", optional_argument, NULL, OPT_EXPLORE},
    };
    size_t n = sizeof common / sizeof common[0];
    memcpy(table, common, sizeof common);
    for (size_t i = 0; i < count_options(demo); i++) {
        const lab_option *option = &demo->options[i];
        table[n++] = (struct option){option->name,
                                     option->kind == LAB_OPT_FLAG ? no_argument : required_argument,
                                     NULL, OPT_DEMO_BASE + (int)i};
    }
    table[n] = (struct option){NULL, 0, NULL, 0};
}

/* Explain an argument getopt refused: unknown, ambiguous, or a value given to a flag. */
static int refuse_token(const struct option *table, const char *token, char *error,
                        size_t error_size)
{
    if (strncmp(token, "--", 2) != 0)
        return lab_cli_refuse(error, error_size, "unknown option '%s'", token);
    const char *name = token + 2;
    size_t length = strcspn(name, "=");
    int matches = 0;
    const struct option *match = NULL;
    for (const struct option *o = table; o->name != NULL; o++) {
        if (strncmp(o->name, name, length) == 0) {
            if (strlen(o->name) == length) { /* exact: the only one that counts */
                matches = 1;
                match = o;
                break;
            }
            matches++;
            match = o;
        }
    }
    if (matches == 1 && match->has_arg == no_argument && name[length] == '=')
        return lab_cli_refuse(error, error_size, "--%s takes no value (got '%s')", match->name,
                              token);
    if (matches > 1)
        return lab_cli_refuse(error, error_size, "ambiguous option '%s': spell it out", token);
    return lab_cli_refuse(error, error_size, "unknown option '%s'", token);
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n > m && strcmp(text + n - m, suffix) == 0;
}

static const char *option_name_for(const struct option *table, int value)
{
    for (const struct option *o = table; o->name != NULL; o++)
        if (o->val == value)
            return o->name;
    return "?";
}

int lab_cli_parse_args(const lab_demo *demo, int argc, char **argv, lab_cli_common *common,
                       char *error, size_t error_size)
{
    struct option table[MAX_OPTIONS];
    if (count_options(demo) + 12 > MAX_OPTIONS)
        return lab_cli_refuse(error, error_size, "internal: too many options");
    build_table(demo, table);

    opterr = 0; /* we write the messages */
    optind = 0; /* glibc: 0 re-initialises getopt completely */
    int c;
    while ((c = getopt_long(argc, argv, ":hq", table, NULL)) != -1) {
        int rc = 0;
        long seed;
        switch (c) {
            case OPT_HELP:
                common->help = true;
                break;
            case OPT_ABOUT:
                common->about = true;
                break;
            case OPT_QUIET:
                common->quiet = true;
                break;
            case OPT_SPEED:
                rc = lab_cli_parse_double(optarg, SPEED_MIN, SPEED_MAX, "--speed", &common->speed,
                                          error, error_size);
                break;
            case OPT_SEED:
                rc = lab_cli_parse_int(optarg, 0, LONG_MAX, "--seed", &seed, error, error_size);
                common->seed = (uint64_t)seed;
                common->seed_given = true;
                break;
            case OPT_COLOR: { /* as git and ls: a bare --color means always */
                static const char *const when[] = {"auto", "always", "never", NULL};
                const lab_option color = {
                    .name = "color", .target = &common->color, .choices = when};
                rc = optarg != NULL ? set_choice(&color, optarg, error, error_size) : 0;
                if (optarg == NULL)
                    common->color = LAB_COLOR_ALWAYS;
                common->color_given = true;
                break;
            }
            case OPT_TIMELINE:
                if (optarg == NULL)
                    common->timeline = true;
                if (optarg != NULL && !ends_with(optarg, ".svg"))
                    return lab_cli_refuse(error, error_size,
                                          "--timeline=FILE: FILE must end in .svg (got '%s')",
                                          optarg);
                if (optarg != NULL)
                    common->timeline_file = optarg;
                break;
            case OPT_TRACE:
                if (!ends_with(optarg, ".json"))
                    return lab_cli_refuse(error, error_size,
                                          "--trace=FILE: FILE must end in .json (got '%s')",
                                          optarg);
                common->trace_file = optarg;
                break;
            case OPT_SCHEDULE:
            case OPT_STEP:
            case OPT_EXPLORE: /* schedule control */
                rc = lab_cli_parse_schedule_flag(demo, c - OPT_SCHEDULE, optarg, common, error,
                                                 error_size);
                break;
            case ':':
                return lab_cli_refuse(error, error_size, "--%s needs a value",
                                      option_name_for(table, optopt));
            case '?':
                /* optopt is the unknown letter for "-x"; for long forms it is 0 or the
             * option's own value (a flag given "=value"), and argv[optind-1] is the token. */
                if (optopt > 0 && optopt < 128 && optopt != OPT_HELP && optopt != OPT_QUIET)
                    return lab_cli_refuse(error, error_size, "unknown option '-%c'", optopt);
                return refuse_token(table, argv[optind - 1], error, error_size);
            default:
                rc = set_option(&demo->options[c - OPT_DEMO_BASE], optarg, error, error_size);
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc && optind > 0 && strcmp(argv[optind - 1], "--timeline") == 0)
        return lab_cli_refuse(error, error_size,
                              "unexpected argument '%s' (a file for --timeline is "
                              "given as --timeline=%s)",
                              argv[optind], argv[optind]);
    if (optind < argc)
        return lab_cli_refuse(error, error_size, "unexpected argument '%s' (options start with --)",
                              argv[optind]);
    return lab_cli_check_schedule_flags(common, error, error_size); /* schedule control */
}

/* ---- help ------------------------------------------------------------------------- */

static void describe_default(const lab_option *option, char *text, size_t size)
{
    if (option->default_text != NULL) {
        snprintf(text, size, "%s", option->default_text);
        return;
    }
    switch (option->kind) {
        case LAB_OPT_INT:
            snprintf(text, size, "%d", *(const int *)option->target);
            break;
        case LAB_OPT_DOUBLE:
            snprintf(text, size, "%g", *(const double *)option->target);
            break;
        case LAB_OPT_CHOICE:
            snprintf(text, size, "%s", option->choices[*(const int *)option->target]);
            break;
        case LAB_OPT_STRING: {
            const char *value = *(const char *const *)option->target;
            snprintf(text, size, "%s", value != NULL ? value : "none");
            break;
        }
        default:
            text[0] = '\0';
    }
}

#define HELP_COLUMNS 100 /* a projector's width (LAB_COLUMNS in say.h) */

/* Print text wrapped at spaces to HELP_COLUMNS; the first line continues one already
 * `column` wide, the others start with `indent` blanks. Returns the last line's width. */
static int print_wrapped(const char *text, int column, int indent)
{
    for (bool first = true; *text != '\0'; first = false) {
        int spaces = (int)strspn(text, " ");
        int word = (int)strcspn(text + spaces, " ");
        if (!first && column + spaces + word > HELP_COLUMNS) {
            printf("\n%*s", indent, "");
            column = indent;
            text += spaces;
            spaces = 0;
        }
        printf("%*s%.*s", spaces, "", word, text + spaces);
        column += spaces + word;
        text += spaces + word;
    }
    return column;
}

static void print_option_line(const char *label, const char *help, const char *extra)
{
    if (strlen(label) > 24) /* a long label gets its own line */
        printf("  %s\n  %-24s ", label, "");
    else
        printf("  %-24s ", label);
    int column = print_wrapped(help, 27, 27);
    if (column + (int)strlen(extra) > HELP_COLUMNS) /* "(1 to 100; default 5)" stays whole */
        printf("\n%*s%s\n", 26, "", extra);
    else
        printf("%s\n", extra);
}

static void print_demo_option(const lab_option *option)
{
    char label[128], value[96], extra[192] = "";
    if (option->kind == LAB_OPT_CHOICE) {
        size_t used = (size_t)snprintf(label, sizeof label, "--%s=", option->name);
        for (int i = 0; option->choices[i] != NULL && used < sizeof label; i++)
            used += (size_t)snprintf(label + used, sizeof label - used, "%s%s", i ? "|" : "",
                                     option->choices[i]);
    } else if (option->kind == LAB_OPT_FLAG) {
        snprintf(label, sizeof label, "--%s", option->name);
    } else {
        snprintf(label, sizeof label, "--%s %s", option->name,
                 option->meta ? option->meta : "VALUE");
    }
    describe_default(option, value, sizeof value);
    if (option->kind == LAB_OPT_INT)
        snprintf(extra, sizeof extra, " (%.0f to %.0f; default %s)", option->min, option->max,
                 value);
    else if (option->kind == LAB_OPT_DOUBLE)
        snprintf(extra, sizeof extra, " (%g to %g; default %s)", option->min, option->max, value);
    else if (option->kind != LAB_OPT_FLAG)
        snprintf(extra, sizeof extra, " (default %s)", value);
    print_option_line(label, option->help, extra);
}

void lab_cli_print_help(const lab_demo *demo)
{
    printf("usage: %s [options]\n\n%s: ", demo->name, demo->name);
    print_wrapped(demo->summary, (int)strlen(demo->name) + 2, 2);
    if (demo->python != NULL) {
        printf("\nMirrors the Python: ");
        print_wrapped(demo->python, 20, 2);
    }
    putchar('\n');
    if (demo->details != NULL) { /* the demo's own line breaks are kept, long lines wrapped */
        for (const char *line = demo->details; *line != '\0';) {
            size_t length = strcspn(line, "\n");
            char copy[512];
            snprintf(copy, sizeof copy, "%.*s",
                     (int)(length < sizeof copy ? length : sizeof copy - 1), line);
            putchar('\n');
            print_wrapped(copy, 0, (int)strspn(copy, " ") + 2);
            line += length + (line[length] == '\n');
        }
        putchar('\n');
    }
    if (count_options(demo) > 0) {
        printf("\nOptions:\n");
        for (size_t i = 0; i < count_options(demo); i++)
            print_demo_option(&demo->options[i]);
    }
    printf("\nCommon options:\n");
    print_option_line("--speed X", "run X times faster than class pace",
                      " (0.001 to 10000; default 1,");
    print_option_line("", "or env LAB_SPEED); stamps still count class seconds", "");
    print_option_line("--seed N", "seed for the random choices",
                      " (default: from the clock; printed at start)");
    print_option_line("--color[=WHEN]", "colour thread names: auto, always or never",
                      " (default auto:");
    print_option_line("", "on a terminal, unless NO_COLOR is set; bare --color means always)", "");
    print_option_line("--quiet", "print only the result: line", "");
    print_option_line("--timeline[=FILE.svg]",
                      "at exit, draw what each thread did and when: a chart on stderr,", "");
    print_option_line("", "or SVG swimlanes with wake-up arrows in FILE.svg (docs/timeline.md)",
                      "");
    print_option_line("--trace=FILE.json", "at exit, write the same as trace events for Perfetto",
                      "");
    print_option_line("--about", "print the one-line summary and exit", "");
    print_option_line("--help", "print this help and exit", "");
    if (demo->invariant != NULL) /* schedule control */
        lab_cli_print_schedule_help(demo);
    printf("\nEach line starts with [class seconds since the start] and the thread's name; lines\n"
           "appear in time order. The last line is a machine-checkable summary:\n"
           "result: key=value ... seed=N\n"
           "Exit status: 0 the demonstration ran as designed, 1 runtime failure, 2 usage error.\n");
}

/* ---- start-up and exits --------------------------------------------------------- */

static _Noreturn void usage_exit(const char *message)
{
    const char *program = lab_program_name();
    fprintf(stderr, "%s: %s\nusage: %s [options]   ('%s --help' lists them)\n", program, message,
            program, program);
    exit(2);
}

static double speed_from_environment(void)
{
    const char *text = getenv("LAB_SPEED");
    if (text == NULL || text[0] == '\0')
        return 1.0;
    double speed;
    char error[256];
    if (lab_cli_parse_double(text, SPEED_MIN, SPEED_MAX, "LAB_SPEED", &speed, error,
                             sizeof error) != 0)
        usage_exit(error);
    return speed;
}

void lab_init(const lab_demo *demo, int argc, char **argv)
{
    lab_set_program_name(demo->name);
    lab_cli_common common = {0};
    char error[512];
    if (lab_cli_parse_args(demo, argc, argv, &common, error, sizeof error) != 0)
        usage_exit(error);
    if (common.help) {
        lab_cli_print_help(demo);
        exit(0);
    }
    if (common.about) {
        printf("%s\n", demo->summary);
        exit(0);
    }
    const char *conflict = demo->check != NULL ? demo->check() : NULL;
    if (conflict != NULL)
        usage_exit(conflict);

    if (common.explore > 0) /* schedule control: the explorer runs the demo in children */
        lab_sched_explore(demo->name, argc, argv, common.explore, demo->invariant);
    bool controlled = common.schedule != NULL || common.step; /* schedule control */
    lab_set_speed(common.speed > 0 ? common.speed : speed_from_environment());
    const char *unwritable =
        lab_timeline_setup(demo->name, common.timeline, common.timeline_file, common.trace_file);
    if (unwritable != NULL)
        usage_exit(unwritable);
    lab_rng_set_seed(common.seed_given ? common.seed : controlled ? 1 : lab_rng_time_seed());
    lab_set_quiet(common.quiet);
    lab_set_color(common.color_given ? (lab_color)common.color : LAB_COLOR_AUTO);
    if (controlled) /* schedule control: before the first line, whose time is virtual */
        lab_cli_begin_schedule(demo, &common);
    say("%s: seed %" PRIu64 ", speed %gx (repeat this run with --seed %" PRIu64 ")", demo->name,
        lab_rng_seed(), lab_speed(), lab_rng_seed());
    if (controlled)
        say("%s", lab_sched_describe());
}
