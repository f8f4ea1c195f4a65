/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/say.c with one
 * change: say() ignores --quiet: the story is printed although only the result: line was asked for.
 * Try: make grade MODULE=say SRC=tests/grade/broken/say-not-quiet.c
 * grade: module say
 * expect: FAIL ; quiet_keeps_only_the_result_line
 */
/* say.c — untearable output lines (see say.h). */
#include "say.h"

#include "checked.h"
#include "clock.h"
#include "rng.h"
#include "thread.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t output_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool quiet;
static atomic_int colour = -1; /* -1: not decided yet */

/* fork() copies only the calling thread. If another thread were inside say() at that
 * moment, the child's copy of output_lock would stay locked forever. So fork waits until
 * no line is being written (prepare), and both sides release the lock afterwards. */
static void before_fork(void)
{
    lab_pthread_mutex_lock(&output_lock);
}

static void after_fork(void)
{
    lab_pthread_mutex_unlock(&output_lock);
}

__attribute__((constructor)) static void register_fork_handlers(void)
{
    LAB_CHECK(pthread_atfork(before_fork, after_fork, after_fork));
}

void lab_set_quiet(bool value)
{
    atomic_store(&quiet, value);
}

bool lab_quiet(void)
{
    return atomic_load(&quiet);
}

void lab_set_colour(bool value)
{
    atomic_store(&colour, value ? 1 : 0);
}

static bool use_colour(void)
{
    int decided = atomic_load(&colour);
    if (decided < 0) {
        const char *no_colour = getenv("NO_COLOR"); /* https://no-color.org */
        decided = isatty(STDOUT_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
        atomic_store(&colour, decided);
    }
    return decided == 1;
}

/* A colour per thread name, stable across runs: main stays uncoloured. */
static int colour_of(const char *name)
{
    static const int palette[] = {32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96};
    unsigned hash = 5381;
    for (const char *c = name; *c != '\0'; c++)
        hash = hash * 33u + (unsigned char)*c;
    return palette[hash % (sizeof palette / sizeof palette[0])];
}

/* Write the whole buffer with one lock held; retries short writes and EINTR. */
static void write_line(const char *line, size_t length)
{
    lab_pthread_mutex_lock(&output_lock);
    while (length > 0) {
        ssize_t n = write(STDOUT_FILENO, line, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* stdout closed or full disk: nothing sensible to do in a demo */
        line += n;
        length -= (size_t)n;
    }
    lab_pthread_mutex_unlock(&output_lock);
}

/* Append formatted text at line[*used]; on overflow end the line with "...". */
static void append(char *line, size_t *used, const char *format, va_list args)
{
    size_t room = LAB_LINE_MAX - 1 - *used; /* keep one byte for '\n' */
    int n = vsnprintf(line + *used, room + 1, format, args);
    if (n < 0)
        return;
    if ((size_t)n > room) {
        memcpy(line + LAB_LINE_MAX - 4, "...", 3);
        *used = LAB_LINE_MAX - 1;
    } else {
        *used += (size_t)n;
    }
}

static void append_text(char *line, size_t *used, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    append(line, used, format, args);
    va_end(args);
}

static void finish_line(char *line, size_t used)
{
    line[used] = '\n';
    write_line(line, used + 1);
}

void say(const char *format, ...)
{
    /* BROKEN: --quiet forgotten */
    char line[LAB_LINE_MAX + 1];
    size_t used = 0;
    const char *name = lab_thread_current_name();
    if (use_colour() && strcmp(name, "main") != 0)
        append_text(line, &used, "[%7.3f] \033[%dm%-10s\033[0m | ", lab_elapsed(), colour_of(name),
                    name);
    else
        append_text(line, &used, "[%7.3f] %-10s | ", lab_elapsed(), name);
    va_list args;
    va_start(args, format);
    append(line, &used, format, args);
    va_end(args);
    finish_line(line, used);
}

void lab_print(const char *format, ...)
{
    if (lab_quiet())
        return;
    char line[LAB_LINE_MAX + 1];
    size_t used = 0;
    va_list args;
    va_start(args, format);
    append(line, &used, format, args);
    va_end(args);
    finish_line(line, used);
}

void lab_result(const char *format, ...)
{
    char line[LAB_LINE_MAX + 1];
    size_t used = 0;
    append_text(line, &used, "result: ");
    va_list args;
    va_start(args, format);
    append(line, &used, format, args);
    va_end(args);
    append_text(line, &used, " seed=%" PRIu64, lab_rng_seed());
    finish_line(line, used);
}
