/* support.c — child processes with time limits, and result lines (see support.h). */
#include "support.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A growing buffer for one pipe's output. */
typedef struct sink {
    int fd;
    char *data;
    size_t length, capacity;
} sink;

static void sink_read(sink *s)
{
    char chunk[4096];
    ssize_t n = read(s->fd, chunk, sizeof chunk);
    if (n > 0) {
        if (s->length + (size_t)n + 1 > s->capacity) {
            s->capacity = (s->length + (size_t)n + 1) * 2;
            s->data = realloc(s->data, s->capacity);
            ck_assert_ptr_nonnull(s->data);
        }
        memcpy(s->data + s->length, chunk, (size_t)n);
        s->length += (size_t)n;
        s->data[s->length] = '\0';
    } else if (n == 0 || errno != EINTR) {
        close(s->fd);
        s->fd = -1;
    }
}

/* Collect both pipes until they close or the deadline passes; then reap the child. */
static child_run collect(pid_t pid, int out_fd, int err_fd, double timeout, double started)
{
    sink sinks[2] = {{out_fd, calloc(1, 1), 0, 1}, {err_fd, calloc(1, 1), 0, 1}};
    child_run run = {0};
    while (sinks[0].fd >= 0 || sinks[1].fd >= 0) {
        double left = started + timeout - now();
        if (left <= 0) {
            run.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd fds[2] = {{sinks[0].fd, POLLIN, 0}, {sinks[1].fd, POLLIN, 0}};
        int ready = poll(fds, 2, (int)(left * 1000) + 1);
        for (int i = 0; i < 2 && ready > 0; i++)
            if (fds[i].fd >= 0 && fds[i].revents != 0)
                sink_read(&sinks[i]);
    }
    for (int i = 0; i < 2; i++)
        if (sinks[i].fd >= 0)
            close(sinks[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
        ;
    run.seconds = now() - started;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    run.out = sinks[0].data;
    run.err = sinks[1].data;
    return run;
}

/* Fork with stdout and stderr on pipes; in the child, call then(arg) (which must not return). */
static child_run spawn(void (*then)(void *), void *arg, double timeout)
{
    int out_pipe[2], err_pipe[2];
    ck_assert_int_eq(pipe(out_pipe), 0);
    ck_assert_int_eq(pipe(err_pipe), 0);
    double started = now();
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        dup2(out_pipe[1], STDOUT_FILENO);
        dup2(err_pipe[1], STDERR_FILENO);
        close(out_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        then(arg);
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    return collect(pid, out_pipe[0], err_pipe[0], timeout, started);
}

const char *demo_path(const char *name)
{
    static char path[2 * PATH_MAX];
    const char *dir = getenv("LAB_BIN_DIR");
    if (dir != NULL && dir[0] != '\0') {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        return path;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    *strrchr(self, '/') = '\0'; /* build/<variant>/tests */
    snprintf(path, sizeof path, "%s/../%s", self, name);
    return path;
}

static void exec_argv(void *argv)
{
    char **args = argv;
    execv(args[0], args);
    fprintf(stderr, "cannot run %s: %s\n", args[0], strerror(errno));
    _exit(127);
}

child_run run_demo_argv(const char *name, const char *const *args, double timeout)
{
    const char *argv[MAX_ARGS + 2] = {demo_path(name)};
    int n = 1;
    for (; args[n - 1] != NULL && n <= MAX_ARGS; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    return spawn(exec_argv, (void *)argv, timeout);
}

/* Copy a NULL-terminated variadic list of strings into args (at most MAX_ARGS); returns
 * how many. */
static int collect_args(const char *args[MAX_ARGS + 1], va_list list)
{
    int n = 0;
    for (const char *a; n < MAX_ARGS && (a = va_arg(list, const char *)) != NULL;)
        args[n++] = a;
    args[n] = NULL;
    return n;
}

child_run run_demo(const char *name, ...)
{
    const char *args[MAX_ARGS + 1];
    va_list list;
    va_start(list, name);
    collect_args(args, list);
    va_end(list);
    return run_demo_argv(name, args, RUN_TIMEOUT);
}

typedef struct call {
    void (*fn)(void *);
    void *arg;
} call;

static void call_then_exit(void *p)
{
    call *c = p;
    c->fn(c->arg);
    fflush(NULL);
    _exit(0);
}

child_run run_in_child(void (*fn)(void *), void *arg, double timeout)
{
    call c = {fn, arg};
    return spawn(call_then_exit, &c, timeout);
}

pid_t start_demo_quietly(const char *name, const char *const *args)
{
    const char *argv[MAX_ARGS + 2] = {demo_path(name)};
    for (int n = 1; n <= MAX_ARGS && args[n - 1] != NULL; n++)
        argv[n] = args[n - 1];
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        exec_argv((void *)argv);
    }
    return pid;
}

bool wait_for_exit(pid_t pid, double seconds, int *status)
{
    double give_up = now() + seconds;
    while (now() < give_up) {
        if (waitpid(pid, status, WNOHANG) == pid)
            return true;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    kill(pid, SIGKILL); /* never leave it running */
    while (waitpid(pid, status, 0) == -1 && errno == EINTR)
        ;
    return false;
}

void child_run_free(child_run *run)
{
    free(run->out);
    free(run->err);
    run->out = run->err = NULL;
}

/* The last line that starts with "result: ", or NULL. */
static const char *result_line(const child_run *run)
{
    const char *found = NULL;
    for (const char *p = run->out; p != NULL && *p != '\0';) {
        if (strncmp(p, "result: ", 8) == 0)
            found = p;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return found;
}

/* Where " key=" starts the value in the result line, or NULL. */
static const char *find_value(const child_run *run, const char *key)
{
    const char *line = result_line(run);
    if (line == NULL)
        return NULL;
    size_t key_length = strlen(key);
    const char *end = strchr(line, '\n');
    for (const char *p = line + 7; p != NULL && (end == NULL || p < end); p = strchr(p + 1, ' ')) {
        if (strncmp(p + 1, key, key_length) == 0 && p[1 + key_length] == '=')
            return p + 2 + key_length;
    }
    return NULL;
}

bool result_has(const child_run *run, const char *key)
{
    return find_value(run, key) != NULL;
}

const char *result_text(const child_run *run, const char *key, char *buffer, size_t size)
{
    const char *value = find_value(run, key);
    ck_assert_msg(value != NULL, "no '%s=' in the result line; stdout was:\n%s", key, run->out);
    size_t length = strcspn(value, " \n");
    if (length >= size)
        length = size - 1;
    memcpy(buffer, value, length);
    buffer[length] = '\0';
    return buffer;
}

void assert_result_text(const child_run *run, const char *key, const char *expected)
{
    char value[256];
    ck_assert_str_eq(result_text(run, key, value, sizeof value), expected);
}

long long result_int(const child_run *run, const char *key)
{
    char text[64], *end;
    result_text(run, key, text, sizeof text);
    long long value = strtoll(text, &end, 10);
    ck_assert_msg(end != text && *end == '\0', "%s=%s is not a whole number", key, text);
    return value;
}

double result_double(const child_run *run, const char *key)
{
    char text[64], *end;
    result_text(run, key, text, sizeof text);
    double value = strtod(text, &end);
    ck_assert_msg(end != text && *end == '\0', "%s=%s is not a number", key, text);
    return value;
}

/* The last `keep` characters of text: Check refuses failure messages over a few KiB. */
static const char *tail_of(const char *text, size_t keep)
{
    size_t length = strlen(text);
    return length > keep ? text + length - keep : text;
}

long run_until_bug_shows(const char *name, const char *const *args,
                         long (*check)(const child_run *run))
{
    for (int attempt = 0; attempt < BUG_TRIES; attempt++) {
        child_run run = run_demo_argv(name, args, RUN_TIMEOUT);
        long shown = check(&run);
        child_run_free(&run);
        if (shown > 0)
            return shown;
    }
    return 0;
}

void assert_exit_ok(const child_run *run)
{
    ck_assert_msg(!run->timed_out, "timed out after %.1f s; stdout ends:\n%s", run->seconds,
                  tail_of(run->out, 1500));
    ck_assert_msg(run->exit_code == 0, "exit %d (signal %d); stderr ends:\n%s\nstdout ends:\n%s",
                  run->exit_code, run->signal, tail_of(run->err, 1500), tail_of(run->out, 1500));
}

void assert_usage_error(const char *name, ...)
{
    const char *args[MAX_ARGS + 1];
    va_list list;
    va_start(list, name);
    int n = collect_args(args, list);
    va_end(list);
    child_run run = run_demo_argv(name, args, 10.0);
    ck_assert_msg(run.exit_code == 2, "%s %s: exit %d (signal %d), want 2; stderr: %s", name,
                  n ? args[0] : "", run.exit_code, run.signal, run.err);
    ck_assert_msg(run.out[0] == '\0', "%s %s: printed on stdout: %s", name, n ? args[0] : "",
                  run.out);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s: ", name);
    ck_assert_msg(strncmp(run.err, prefix, strlen(prefix)) == 0,
                  "stderr does not start with '%s': %s", prefix, run.err);
    ck_assert_msg(count_lines_with(run.err, "") == 2 && strstr(run.err, "usage:") != NULL,
                  "want one error line plus a usage line; stderr: %s", run.err);
    child_run_free(&run);
}

int count_lines_with(const char *text, const char *needle)
{
    int count = 0;
    for (const char *p = text; p != NULL && *p != '\0';) {
        const char *end = strchr(p, '\n');
        size_t length = end != NULL ? (size_t)(end - p) : strlen(p);
        char line[2048];
        if (length >= sizeof line)
            length = sizeof line - 1;
        memcpy(line, p, length);
        line[length] = '\0';
        if (strstr(line, needle) != NULL)
            count++;
        p = end != NULL ? end + 1 : NULL;
    }
    return count;
}

int lab_run_suite(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_ENV); /* CK_VERBOSITY=verbose lists every test */
    int ran = srunner_ntests_run(runner);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    if (ran == 0) {
        fprintf(stderr, "no test ran: is the suite empty?\n");
        return 1;
    }
    return failed == 0 ? 0 : 1;
}
