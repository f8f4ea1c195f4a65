/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/cli.c with one
 * change: a whole-number option refuses its own maximum (the help says "1 to 1000", 1000 is refused).
 * Try: make grade MODULE=cli SRC=tests/grade/broken/cli-max-excluded.c
 * grade: module cli
 * expect: FAIL ; bounds_are_inclusive_and_abbreviations_work
 */
/* cli.c — shared option parsing with getopt_long (see cli.h). */
#include "cli.h"

#include "checked.h"
#include "clock.h"
#include "rng.h"
#include "say.h"

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
    OPT_DEMO_BASE = 1000
};

/* ---- numbers --------------------------------------------------------------- */

static int refuse(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(char *error, size_t error_size, const char *format, ...)
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
        return refuse(error, error_size, "%s needs a value", what);
    char *end;
    errno = 0;
    long parsed = strtol(text, &end, 10);
    if (!starts_like_a_number(text) || end == text || *end != '\0')
        return refuse(error, error_size, "%s: '%s' is not a whole number", what, text);
    if (errno == ERANGE || parsed < min || parsed >= max) /* BROKEN: the maximum refused */
        return refuse(error, error_size, "%s: %s is out of range (%ld to %ld)", what, text, min,
                      max);
    *value = parsed;
    return 0;
}

int lab_cli_parse_double(const char *text, double min, double max, const char *what, double *value,
                         char *error, size_t error_size)
{
    if (text[0] == '\0')
        return refuse(error, error_size, "%s needs a value", what);
    char *end;
    errno = 0;
    double parsed = strtod(text, &end);
    if (!starts_like_a_number(text) || end == text || *end != '\0')
        return refuse(error, error_size, "%s: '%s' is not a number", what, text);
    if (errno != ERANGE && !isfinite(parsed)) /* "inf", "nan" typed as such */
        return refuse(error, error_size, "%s: '%s' is not a finite number", what, text);
    if (errno == ERANGE || parsed < min || parsed > max)
        return refuse(error, error_size, "%s: %s is out of range (%g to %g)", what, text, min, max);
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
    return refuse(error, error_size, "--%s: '%s' is not one of: %s", option->name, text, allowed);
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
                return refuse(error, error_size, "%s needs a value", what);
            *(const char **)option->target = text;
            return 0;
        case LAB_OPT_END:
            break;
    }
    return refuse(error, error_size, "%s: not a known kind of option", what);
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
        {"help", no_argument, NULL, OPT_HELP},         {"about", no_argument, NULL, OPT_ABOUT},
        {"speed", required_argument, NULL, OPT_SPEED}, {"seed", required_argument, NULL, OPT_SEED},
        {"quiet", no_argument, NULL, OPT_QUIET},
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
        return refuse(error, error_size, "unknown option '%s'", token);
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
        return refuse(error, error_size, "--%s takes no value (got '%s')", match->name, token);
    if (matches > 1)
        return refuse(error, error_size, "ambiguous option '%s': spell it out", token);
    return refuse(error, error_size, "unknown option '%s'", token);
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
    if (count_options(demo) + 6 > MAX_OPTIONS)
        return refuse(error, error_size, "internal: too many options");
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
            case ':':
                return refuse(error, error_size, "--%s needs a value",
                              option_name_for(table, optopt));
            case '?':
                /* optopt is the unknown letter for "-x"; for long forms it is 0 or the
             * option's own value (a flag given "=value"), and argv[optind-1] is the token. */
                if (optopt > 0 && optopt < 128 && optopt != OPT_HELP && optopt != OPT_QUIET)
                    return refuse(error, error_size, "unknown option '-%c'", optopt);
                return refuse_token(table, argv[optind - 1], error, error_size);
            default:
                rc = set_option(&demo->options[c - OPT_DEMO_BASE], optarg, error, error_size);
        }
        if (rc != 0)
            return rc;
    }
    if (optind < argc)
        return refuse(error, error_size, "unexpected argument '%s' (options start with --)",
                      argv[optind]);
    return 0;
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

/* "  --label   help (extra)", kept within 100 columns for a projector: a long label gets
 * its own line, and extra moves under the help when the line would be too long. */
static void print_option_line(const char *label, const char *help, const char *extra)
{
    if (strlen(label) > 24)
        printf("  %s\n  %-24s", label, "");
    else
        printf("  %-24s", label);
    if (27 + strlen(help) + strlen(extra) > 100 && extra[0] == ' ')
        printf(" %s\n  %-24s%s\n", help, "", extra);
    else
        printf(" %s%s\n", help, extra);
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
    printf("usage: %s [options]\n\n%s: %s\n", demo->name, demo->name, demo->summary);
    if (demo->python != NULL) /* on its own line when it would pass 100 columns */
        printf("Mirrors the Python:%s%s\n", strlen(demo->python) > 80 ? "\n  " : " ", demo->python);
    if (demo->details != NULL)
        printf("\n%s\n", demo->details);
    if (count_options(demo) > 0) {
        printf("\nOptions:\n");
        for (size_t i = 0; i < count_options(demo); i++)
            print_demo_option(&demo->options[i]);
    }
    printf("\nCommon options:\n");
    print_option_line("--speed X", "run X times faster than class pace",
                      " (0.001 to 10000; default 1, or env LAB_SPEED)");
    print_option_line("--seed N", "seed for the random choices",
                      " (default: from the clock; printed at start)");
    print_option_line("--quiet", "print only the result: line", "");
    print_option_line("--about", "print the one-line summary and exit", "");
    print_option_line("--help", "print this help and exit", "");
    printf("\nThe last line is a machine-checkable summary: result: key=value ... seed=N\n"
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

    lab_set_speed(common.speed > 0 ? common.speed : speed_from_environment());
    lab_rng_set_seed(common.seed_given ? common.seed : lab_rng_time_seed());
    lab_set_quiet(common.quiet);
    say("%s: seed %" PRIu64 ", speed %gx (repeat this run with --seed %" PRIu64 ")", demo->name,
        lab_rng_seed(), lab_speed(), lab_rng_seed());
}
