/* cli_schedule.c — the schedule-control flags, part of cli (see cli_internal.h). */
#include "cli_internal.h"

#include "checked.h"
#include "point.h"
#include "rng.h"
#include "schedule.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPLORE_DEFAULT 500 /* runs: race and mutex at 2-3 threads explore in seconds */
#define EXPLORE_MAX     1000000

static const char *const flag_names[] = {"--schedule", "--step", "--explore"};

int lab_cli_parse_schedule_flag(const lab_demo *demo, int which, const char *value,
                                lab_cli_common *common, char *error, size_t size)
{
    if (demo->uncontrollable != NULL)
        return lab_cli_refuse(error, size, "%s: %s cannot run under schedule control: %s",
                              flag_names[which], demo->name, demo->uncontrollable);
    if (demo->invariant == NULL)
        return lab_cli_refuse(error, size,
                              "%s: %s does not support schedule control yet "
                              "(docs/schedules.md lists the demos that do)",
                              flag_names[which], demo->name);
    switch (which) {
        case 0: {
            if (common->schedule != NULL)
                return lab_cli_refuse(error, size, "--schedule given twice: give one");
            lab_sched_spec spec;
            int rc = lab_sched_parse(value, &spec, error, size);
            lab_sched_spec_free(&spec);
            if (rc != 0)
                return rc;
            common->schedule = value;
            return 0;
        }
        case 1:
            common->step = true;
            return 0;
        default:
            if (common->explore > 0)
                return lab_cli_refuse(error, size, "--explore given twice: give one");
            if (value == NULL) {
                common->explore = EXPLORE_DEFAULT;
                return 0;
            }
            return lab_cli_parse_int(value, 1, EXPLORE_MAX, "--explore", &common->explore, error,
                                     size);
    }
}

int lab_cli_check_schedule_flags(const lab_cli_common *common, char *error, size_t size)
{
    int modes = (common->schedule != NULL) + common->step + (common->explore > 0);
    if (modes > 1)
        return lab_cli_refuse(error, size,
                              "--schedule, --step and --explore cannot be combined: pick one");
    if (common->step && !isatty(STDIN_FILENO))
        return lab_cli_refuse(error, size,
                              "--step needs a terminal to ask you (stdin is not one); "
                              "replay a run with --schedule=... instead");
    return 0;
}

static void help_line(const char *label, const char *text)
{
    if (strlen(label) > 24)
        printf("  %s\n  %-24s %s\n", label, "", text);
    else
        printf("  %-24s %s\n", label, text);
}

void lab_cli_print_schedule_help(const lab_demo *demo)
{
    printf("\nSchedule control (one thread at a time, virtual time; docs/schedules.md):\n");
    help_line("--schedule=SPEC", "replay an interleaving: t0,t1,t1,... (who runs at each choice),");
    help_line("", "then " LAB_SCHED_DEFAULT_TEXT);
    help_line("", "or random:D (PCT, depth D from 1 to 10, from --seed), or default");
    help_line("--step", "you choose who runs at each choice (on a terminal)");
    help_line("--explore[=N]", "search up to N schedules (default 500) with at most 2 preemptions");
    /* the condition, wrapped at its && to fit 100 columns (27 + 73) */
    char line[128];
    snprintf(line, sizeof line, "checking in each run:");
    for (const char *p = demo->invariant; *p != '\0';) {
        const char *and = strstr(p, " && ");
        size_t length = and != NULL ? (size_t)(and-p) + 3 : strlen(p);
        if (strlen(line) + 1 + length > 73 && strlen(line) > 0) {
            help_line("", line);
            line[0] = '\0';
        }
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, "%s%.*s", used > 0 ? " " : "", (int)length, p);
        p += length;
        while (*p == ' ')
            p++;
    }
    help_line("", line);
}

void lab_cli_begin_schedule(const lab_demo *demo, const lab_cli_common *common)
{
    lab_sched_config config = {
        .program = demo->name, .seed = lab_rng_seed(), .quiet = common->quiet, .report_fd = -1};
    char error[256];
    if (common->step)
        config.spec.mode = LAB_SCHED_STEP;
    else if (lab_sched_parse(common->schedule, &config.spec, error, sizeof error) != 0)
        LAB_CHECK(EINVAL); /* the parser accepted this SPEC already: cannot happen */
    config.deadlock_is_lesson = demo->deadlock_expected != NULL && demo->deadlock_expected();
    const char *report = getenv("LAB_SCHED_REPORT"); /* set by --explore for its children */
    if (report != NULL && report[0] != '\0')
        config.report_fd = atoi(report);
    atomic_store(&lab_points_on, true); /* every lab_point() reaches the controller */
    lab_sched_begin(&config);
}
