/* cli_internal.h — what cli.c uses of its part cli_schedule.c: the schedule-control
 * flags of every demo (see schedule.h).
 * --schedule=SPEC, --step and --explore[=N] are library flags: a demo supports them by
 * naming its correctness condition in its lab_demo descriptor (.invariant). */
#ifndef THREADLAB_CLI_INTERNAL_H
#define THREADLAB_CLI_INTERNAL_H

#include "cli.h"

#include <stddef.h>

/* A usage error for the parser: the message into error[0..error_size-1], returns 2. */
int lab_cli_refuse(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* One of the flags (which: 0 --schedule, 1 --step, 2 --explore) with its value (NULL when
 * none). Returns 0, or 2 with a one-line message in error. */
int lab_cli_parse_schedule_flag(const lab_demo *demo, int which, const char *value,
                                lab_cli_common *common, char *error, size_t error_size);
/* After the whole line: flags that cannot go together, --step without a terminal.
 * Returns 0 or 2 with a message. */
int lab_cli_check_schedule_flags(const lab_cli_common *common, char *error, size_t error_size);
/* The flags' lines of --help. */
void lab_cli_print_schedule_help(const lab_demo *demo);
/* Take control for --schedule or --step (lab_init, before any thread starts). */
void lab_cli_begin_schedule(const lab_demo *demo, const lab_cli_common *common);

#endif
