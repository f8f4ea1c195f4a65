/* test_debugging.c — the gdb walkthroughs of docs/debugging.md, run in batch mode and
 * checked, so that the page never drifts from what gdb really shows.
 *
 * Each walkthrough is a gdb command file in docs/gdb/. A test runs
 *     gdb -batch -nx -x docs/gdb/<file>.gdb <program>        (or -p PID, for the attach)
 * with a time limit and checks gdb's output (the program's own output is mixed in) by
 * names, never by addresses or LWP numbers: thread names, function names, values the
 * walkthrough makes certain. Any command of a file that fails ("Error in sourced command
 * file") fails its test.
 * Where the files are: the gdb files are in the source tree, the programs in the build.
 *   - the source tree is $LAB_SOURCE_DIR, or else three levels above this program's
 *     directory: <source>/build/<variant>/tests/ -> ../../.. (make's layout, BUILD=build/x);
 *   - the demos are found by demo_path() (tests/support.h), next to this test's directory;
 *     the Check suite of check-test.gdb is next to this test program.
 * The walkthroughs are written for the debug build (-O0 -g3): in an optimised build
 * (release, tsan, asan) variables are optimised out and frames inlined, so the suite says
 * so and checks nothing. When ptrace is not permitted (some containers), gdb cannot work at
 * all: the test says why and passes without checking.
 * No leftover processes: gdb and the demo run in their own process groups, killed at the
 * end; each dies with this test process (PR_SET_PDEATHSIG) if a failed assertion ends it,
 * and gdb kills the programs it started (or, after -p, lets go of them) when it dies.
 */
#include "support.h"

#include "clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GDB_TIMEOUT 30.0 /* seconds one gdb run may take; they take well under one */

/* Seconds on the monotonic clock. */
/* Sleep ms milliseconds. */
static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* The source tree: $LAB_SOURCE_DIR, or three levels above this program's directory. */
static const char *source_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("LAB_SOURCE_DIR");
    if (env != NULL && env[0] != '\0') {
        snprintf(dir, sizeof dir, "%s", env);
    } else {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        ck_assert_int_gt(n, 0);
        self[n] = '\0';
        for (int level = 0; level < 4 && strrchr(self, '/') != NULL; level++)
            *strrchr(self, '/') = '\0'; /* test_debugging, tests, <variant>, build */
        snprintf(dir, sizeof dir, "%s", self[0] != '\0' ? self : "/");
    }
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/docs/gdb", dir);
    struct stat st;
    ck_assert_msg(stat(probe, &st) == 0 && S_ISDIR(st.st_mode),
                  "no %s: set LAB_SOURCE_DIR to the threadlab source tree", probe);
    return dir;
}

/* "<source>/docs/gdb/<file>", in a static buffer. */
static const char *script_path(const char *file)
{
    static char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/docs/gdb/%s", source_dir(), file);
    return path;
}

/* A program next to this test program (the other Check suites). */
static const char *suite_path(const char *name)
{
    static char path[PATH_MAX + 64];
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    ck_assert_int_gt(n, 0);
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(path, sizeof path, "%s/%s", self, name);
    return path;
}

/* ---- child processes in their own group, tied to this process ---- */

/* Remove every CK_* variable (CK_RUN_CASE, CK_LOG_FILE_NAME...) this test was run with. */
static void unset_check_variables(void)
{
    extern char **environ;
    for (bool again = true; again;) {
        again = false;
        for (char **variable = environ; *variable != NULL && !again; variable++) {
            if (strncmp(*variable, "CK_", 3) == 0) {
                char name[128];
                snprintf(name, sizeof name, "%.*s", (int)strcspn(*variable, "="), *variable);
                unsetenv(name);
                again = true; /* environ has changed: start over */
            }
        }
    }
}

/* Fork a child in a new process group that dies with us, stdin from /dev/null, stdout and
 * stderr on one pipe (*out_fd, non-blocking); it execs argv (exit 127 if it cannot). */
static pid_t spawn_group(char *const argv[], int *out_fd)
{
    int pipe_fds[2];
    ck_assert_int_eq(pipe(pipe_fds), 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) /* the test died before prctl: nobody to report to */
            _exit(127);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, STDIN_FILENO);
        dup2(pipe_fds[1], STDOUT_FILENO);
        dup2(pipe_fds[1], STDERR_FILENO);
        close(null);
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        unset_check_variables();     /* the suite run by check-test.gdb: all of it, no logs */
        unsetenv("LAB_SPEED");       /* the walkthroughs choose their own pace */
        unsetenv("DEBUGINFOD_URLS"); /* no network look-ups for the C library's sources */
        setenv("NO_COLOR", "1", 1);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so that it is done before either goes on */
    close(pipe_fds[1]);
    fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
    *out_fd = pipe_fds[0];
    return pid;
}

/* Read what is there on fd, waiting at most `seconds`, and append it to *text (size *length).
 * Returns false at end of file. */
static bool read_some(int fd, char **text, size_t *length, double seconds)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, (int)(seconds * 1000) + 1) <= 0)
        return true;
    char chunk[8192];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n == 0)
        return false;
    if (n < 0)
        return errno == EAGAIN || errno == EINTR;
    char *bigger = realloc(*text, *length + (size_t)n + 1);
    ck_assert_ptr_nonnull(bigger);
    memcpy(bigger + *length, chunk, (size_t)n);
    *length += (size_t)n;
    bigger[*length] = '\0';
    *text = bigger;
    return true;
}

/* Kill whatever is left of the child's process group, then reap the child. Returns its
 * exit status, or -1 when a signal ended it. The child is not reaped before: while it is a
 * zombie, its pid (the group's id) cannot be given to another process. */
static int end_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether the child has ended, without reaping it. */
static bool has_ended(pid_t pid)
{
    siginfo_t info = {0};
    return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

/* gdb -batch -nx -x docs/gdb/<script> <target...>, at most GDB_TIMEOUT seconds. Its output
 * and the program's, as they came, are in .out (.err stays empty). */
static child_run run_gdb(const char *script, const char *const target[])
{
    char *argv[32] = {"gdb",
                      "-batch",
                      "-nx",
                      "-iex",
                      "set debuginfod enabled off",
                      "-x",
                      (char *)script_path(script)};
    int argc = 7;
    for (int i = 0; target[i] != NULL && argc < 31; i++)
        argv[argc++] = (char *)target[i];
    argv[argc] = NULL;

    int fd;
    double started = lab_now();
    pid_t pid = spawn_group(argv, &fd);
    child_run run = {0};
    size_t length = 0;
    run.out = calloc(1, 1);
    run.err = calloc(1, 1);
    ck_assert_ptr_nonnull(run.out);
    while (read_some(fd, &run.out, &length, 0.2)) {
        if (lab_now() - started > GDB_TIMEOUT) {
            run.timed_out = true;
            break;
        }
    }
    close(fd);
    /* gdb has closed its output (or ran out of time): give it the rest of its time to exit. */
    while (!run.timed_out && !has_ended(pid)) {
        if (lab_now() - started > GDB_TIMEOUT)
            run.timed_out = true;
        else
            pause_ms(10);
    }
    run.exit_code = end_group(pid);
    run.seconds = lab_now() - started;
    return run;
}

/* ---- checking the output ---- */

/* Print the whole output on stderr (Check keeps only short messages), then fail. */
#define expect(run, condition, ...)                                                    \
    do {                                                                               \
        if (!(condition)) {                                                            \
            fprintf(stderr, "---- gdb output ----\n%s\n---- end of gdb output ----\n", \
                    (run)->out);                                                       \
            ck_abort_msg(__VA_ARGS__);                                                 \
        }                                                                              \
    } while (0)

/* Whether gdb could not debug at all here (ptrace refused); says why on stderr. */
static bool ptrace_refused(const child_run *run, const char *what)
{
    if (strstr(run->out, "ptrace: Operation not permitted") == NULL)
        return false;
    char scope[16] = "absent";
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
    if (f != NULL) {
        if (fscanf(f, "%15s", scope) != 1)
            snprintf(scope, sizeof scope, "?");
        fclose(f);
    }
    fprintf(stderr,
            "test_debugging: %s: SKIPPED, nothing checked: ptrace is not permitted here "
            "(kernel.yama.ptrace_scope: %s; in a container, CAP_SYS_PTRACE may be missing). "
            "Run as root, or with ptrace_scope 0, to check it.\n",
            what, scope);
    return true;
}

/* gdb ran the whole file: no time-out, no failed command, exit 0. */
static void expect_whole_file_ran(const child_run *run)
{
    expect(run, strstr(run->out, "cannot run gdb") == NULL,
           "gdb is not installed: `make test` installs it (tests/ensure-deps.sh gdb)");
    expect(run, !run->timed_out, "gdb ran past %.0f s", GDB_TIMEOUT);
    expect(run, strstr(run->out, "Error in sourced command file") == NULL,
           "a command of the walkthrough failed (see 'Error in sourced command file' above)");
    expect(run, run->exit_code == 0, "gdb exited with %d", run->exit_code);
}

/* The line of text that contains all of the needles (NULL-terminated), from `from` on;
 * its start, or NULL. */
static const char *line_with(const char *from, const char *const needles[])
{
    for (const char *line = from; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        bool all = true;
        for (int i = 0; all && needles[i] != NULL; i++) {
            const char *hit = strstr(line, needles[i]);
            all = hit != NULL && hit < line + length;
        }
        if (all)
            return line;
        line = end != NULL ? end + 1 : NULL;
    }
    return NULL;
}
#define LINE_WITH(from, ...) line_with((from), (const char *const[]){__VA_ARGS__, NULL})

/* Copy one line (without its newline) into buffer. */
static const char *copy_line(const char *line, char *buffer, size_t size)
{
    size_t length = strcspn(line, "\n");
    if (length >= size)
        length = size - 1;
    memcpy(buffer, line, length);
    buffer[length] = '\0';
    return buffer;
}

/* The part of `thread apply all ...` output under the header of the thread named `name`
 * (`Thread 3 (Thread 0x... (LWP 12) "t2"):`), up to the next such header; copied. */
static char *thread_section(const child_run *run, const char *name)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"):", name);
    for (const char *line = run->out; line != NULL && *line != '\0';) {
        line = LINE_WITH(line, "Thread ", quoted);
        if (line == NULL)
            break;
        if (strncmp(line, "Thread ", 7) == 0) {
            const char *end = strstr(line + 1, "\nThread ");
            size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
            char *section = calloc(1, length + 1);
            ck_assert_ptr_nonnull(section);
            memcpy(section, line, length);
            return section;
        }
        line = strchr(line, '\n') != NULL ? strchr(line, '\n') + 1 : NULL;
    }
    return NULL;
}

/* Whether the words appear in text in this order (NULL-terminated). */
static bool in_order(const char *text, const char *const words[])
{
    for (int i = 0; text != NULL && words[i] != NULL; i++) {
        text = strstr(text, words[i]);
        if (text != NULL)
            text += strlen(words[i]);
    }
    return text != NULL;
}
#define IN_ORDER(text, ...) in_order((text), (const char *const[]){__VA_ARGS__, NULL})

/* ---- the walkthroughs ---- */

START_TEST(info_threads_shows_every_thread_by_name)
{
    child_run run = run_gdb("info-threads.gdb", (const char *const[]){demo_path("join"), NULL});
    if (ptrace_refused(&run, "info-threads.gdb")) {
        child_run_free(&run);
        return;
    }
    expect_whole_file_ran(&run);
    expect(&run, LINE_WITH(run.out, "hit Breakpoint 1, do_something") != NULL,
           "no stop in do_something");
    const char *table = strstr(run.out, "  Id   Target Id");
    expect(&run, table != NULL, "no `info threads` table");
    expect(&run, LINE_WITH(table, "(LWP ", "\"join\"") != NULL,
           "the main thread is not listed as \"join\"");
    for (int i = 0; i < 4; i++) {
        char quoted[32], found[64];
        snprintf(quoted, sizeof quoted, "\"sleeper-%d\"", i);
        expect(&run, LINE_WITH(table, "(LWP ", quoted) != NULL, "info threads does not list %s",
               quoted);
        snprintf(found, sizeof found, "has target name 'sleeper-%d'", i);
        expect(&run, strstr(run.out, found) != NULL, "thread find did not find sleeper-%d", i);
        char name[16];
        snprintf(name, sizeof name, "sleeper-%d", i);
        char *section = thread_section(&run, name);
        expect(&run, section != NULL, "no `thread apply all bt` section for %s", name);
        expect(&run, IN_ORDER(section, "do_something (", "thread_trampoline ("),
               "%s's stack is not do_something <- thread_trampoline", name);
        free(section);
    }
    char *main_section = thread_section(&run, "join");
    expect(&run, main_section != NULL && strstr(main_section, " main (") != NULL,
           "main's stack has no main()");
    free(main_section);
    expect(&run, LINE_WITH(run.out, "$1 = 5") != NULL, "print seconds did not say 5");
    /* The registry lists the sleepers in start order. */
    expect(&run,
           IN_ORDER(run.out, "sleeper-0  alive=1", "sleeper-1  alive=1", "sleeper-2  alive=1",
                    "sleeper-3  alive=1"),
           "the registry walk did not list sleeper-0..3 in start order");
    child_run_free(&run);
}
END_TEST

/* The value printed after `label` ("t0 read counter = "), as a number. */
static long value_after(const child_run *run, const char *label)
{
    const char *at = strstr(run->out, label);
    expect(run, at != NULL, "no line '%s...'", label);
    return strtol(at + strlen(label), NULL, 10);
}

/* The row of `info threads` for the thread named `name`, in the first table after marker. */
static const char *row_after(const child_run *run, const char *marker, const char *name, char *row,
                             size_t size)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "\"%s\"", name);
    const char *from = strstr(run->out, marker);
    expect(run, from != NULL, "no '%s' in the output", marker);
    const char *table = strstr(from, "  Id   Target Id");
    expect(run, table != NULL, "no info threads table after '%s'", marker);
    const char *line = LINE_WITH(table, "(LWP ", quoted);
    expect(run, line != NULL, "no row for %s after '%s'", name, marker);
    copy_line(line, row, size);
    row[0] = ' '; /* the "*" of the selected thread is not a move */
    return row;
}

START_TEST(scheduler_locking_makes_a_lost_update_on_demand)
{
    child_run run =
        run_gdb("scheduler-locking.gdb", (const char *const[]){demo_path("race"), NULL});
    if (ptrace_refused(&run, "scheduler-locking.gdb")) {
        child_run_free(&run);
        return;
    }
    expect_whole_file_ran(&run);
    /* While t0 steps, t1 stays put (and t0 does move). */
    char t1_before[512], t1_after[512], t0_before[512], t0_after[512];
    row_after(&run, "--- both threads stand", "t1", t1_before, sizeof t1_before);
    row_after(&run, "--- t0 loads counter", "t1", t1_after, sizeof t1_after);
    row_after(&run, "--- both threads stand", "t0", t0_before, sizeof t0_before);
    row_after(&run, "--- t0 loads counter", "t0", t0_after, sizeof t0_after);
    expect(&run, strcmp(t1_before, t1_after) == 0, "t1 moved while t0 stepped:\n%s\n%s", t1_before,
           t1_after);
    expect(&run, strcmp(t0_before, t0_after) != 0, "t0 did not move when stepped: %s", t0_after);
    expect(&run, strstr(t1_before, "increment_in_a_loop") != NULL,
           "t1 is not in increment_in_a_loop");
    /* The lost update, made on purpose: both load the same value, both store it + 1. */
    long t0_read = value_after(&run, "t0 read counter = ");
    long t1_read = value_after(&run, "t1 read counter = ");
    long t0_wrote = value_after(&run, "t0 wrote counter = ");
    long t1_wrote = value_after(&run, "t1 wrote counter = ");
    expect(&run, t0_read > 0 && t1_read == t0_read, "t0 read %ld, t1 read %ld: want the same",
           t0_read, t1_read);
    expect(&run, t0_wrote == t0_read + 1 && t1_wrote == t0_read + 1,
           "read %ld twice, wrote %ld and %ld: want %ld both times", t0_read, t0_wrote, t1_wrote,
           t0_read + 1);
    child_run_free(&run);
}
END_TEST

/* How many watchpoint stops the thread named `name` made, and whether one of them shows
 * the write 2 -> 1 in decrement_with_a_window. */
static int stops_of(const child_run *run, const char *name, bool *wrote_2_to_1)
{
    char header[64];
    snprintf(header, sizeof header, "\"%s\" hit Hardware access (read/write) watchpoint 1: counter",
             name);
    int count = 0;
    for (const char *at = strstr(run->out, header); at != NULL; at = strstr(at + 1, header)) {
        count++;
        const char *next = strstr(at + strlen(header), " hit Hardware access");
        size_t length = next != NULL ? (size_t)(next - at) : strlen(at);
        char block[1024];
        snprintf(block, sizeof block, "%.*s",
                 (int)(length < sizeof block - 1 ? length : sizeof block - 1), at);
        if (IN_ORDER(block, "Old value = 2", "New value = 1", "decrement_with_a_window ("))
            *wrote_2_to_1 = true;
    }
    return count;
}

START_TEST(watchpoint_shows_who_reads_and_writes_the_counter)
{
    /* Who touches the counter is certain; that both read before either writes is what the
     * 0.4 s window makes all but certain: the lost update must show in some of 3 runs. */
    bool lost_seen = false;
    for (int attempt = 0; attempt < 3 && !lost_seen; attempt++) {
        child_run run = run_gdb("watch-race.gdb", (const char *const[]){demo_path("race"), NULL});
        if (ptrace_refused(&run, "watch-race.gdb")) {
            child_run_free(&run);
            return;
        }
        expect_whole_file_ran(&run);
        expect(&run, strstr(run.out, "Hardware access (read/write) watchpoint 1: counter") != NULL,
               "no hardware watchpoint");
        bool t0_wrote = false, t1_wrote = false;
        int t0 = stops_of(&run, "t0", &t0_wrote), t1 = stops_of(&run, "t1", &t1_wrote);
        expect(&run, t0 == 2 && t1 == 2, "want one read and one write each: t0 %d stops, t1 %d", t0,
               t1);
        expect(&run, t0_wrote || t1_wrote, "no thread was seen writing 1 over 2");
        expect(&run, strstr(run.out, "exited normally") != NULL, "the demo did not end normally");
        expect(&run, strstr(run.out, "breakpoint already hit") != NULL,
               "info watchpoints has no count");
        lost_seen = result_int(&run, "lost") == 1;
        if (lost_seen) /* and then the losing write is the one that changes nothing */
            expect(&run,
                   IN_ORDER(run.out, "New value = 1", "hit Hardware access", "Value = 1",
                            "decrement_with_a_window ("),
                   "lost=1, but the second write of 1 is not shown");
        child_run_free(&run);
    }
    ck_assert_msg(lost_seen, "3 runs of watch-race.gdb lost no update");
}
END_TEST

/* The LWP number in the `info threads` row of the thread named `name`, or -1. */
static long lwp_of(const child_run *run, const char *name)
{
    char quoted[32];
    snprintf(quoted, sizeof quoted, "\"%s\" ", name);
    const char *row = LINE_WITH(run->out, "(LWP ", quoted);
    return row != NULL ? strtol(strstr(row, "(LWP ") + 5, NULL, 10) : -1;
}

/* Whether every thread of the process is asleep ('S' in /proc/PID/task/TID/stat). */
static bool all_threads_asleep(pid_t pid)
{
    char dir_path[64];
    snprintf(dir_path, sizeof dir_path, "/proc/%d/task", (int)pid);
    DIR *dir = opendir(dir_path);
    if (dir == NULL)
        return false;
    bool asleep = true;
    int threads = 0;
    for (struct dirent *entry; asleep && (entry = readdir(dir)) != NULL;) {
        if (entry->d_name[0] == '.')
            continue;
        char stat_path[sizeof dir_path + 272], text[512] = "";
        snprintf(stat_path, sizeof stat_path, "%s/%s/stat", dir_path, entry->d_name);
        FILE *f = fopen(stat_path, "r");
        if (f == NULL)
            continue; /* a thread that just ended */
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        const char *paren = strrchr(text, ')');
        asleep = paren != NULL && paren[1] == ' ' && paren[2] == 'S';
        threads++;
    }
    closedir(dir);
    return asleep && threads > 0;
}

START_TEST(attach_shows_each_teller_blocked_on_the_other_account)
{
    /* The demo hangs for real (--timeout 0); at speed 10 its tellers meet in 0.05 s. */
    char *demo_argv[] = {(char *)demo_path("deadlock"), "--timeout", "0", "--speed", "10", NULL};
    int fd;
    pid_t demo = spawn_group(demo_argv, &fd);
    char *out = calloc(1, 1);
    size_t length = 0;
    double give_up = lab_now() + 10;
    while (count_lines_with(out, "| now locking ") < 2 && lab_now() < give_up &&
           read_some(fd, &out, &length, 0.1))
        ;
    bool both_waiting = count_lines_with(out, "| now locking ") == 2;
    /* Both said they are about to lock; wait until every thread sleeps, 3 looks in a row. */
    int asleep_in_a_row = 0;
    while (both_waiting && asleep_in_a_row < 3 && lab_now() < give_up) {
        asleep_in_a_row = all_threads_asleep(demo) ? asleep_in_a_row + 1 : 0;
        pause_ms(20);
    }
    if (!both_waiting || asleep_in_a_row < 3) {
        end_group(demo);
        close(fd);
        ck_abort_msg("the deadlock demo did not get stuck within 10 s; its output:\n%s", out);
    }
    char pid_text[16];
    snprintf(pid_text, sizeof pid_text, "%d", (int)demo);
    child_run run = run_gdb("deadlock-attach.gdb", (const char *const[]){"-p", pid_text, NULL});
    /* After detach the demo still hangs: it must be alive now. Then it is killed. */
    bool still_there = !has_ended(demo);
    end_group(demo);
    close(fd);
    free(out);
    if (ptrace_refused(&run, "deadlock-attach.gdb (gdb -p)")) {
        child_run_free(&run);
        return;
    }
    expect_whole_file_ran(&run);
    expect(&run, strstr(run.out, "detached") != NULL && still_there,
           "gdb did not detach and leave the demo be");
    static const char *const tellers[2][3] = {{"t1", "luoziyao", "t2"}, {"t2", "hepang", "t1"}};
    for (int i = 0; i < 2; i++) {
        const char *name = tellers[i][0], *waits_for = tellers[i][1], *holder = tellers[i][2];
        char *section = thread_section(&run, name);
        expect(&run, section != NULL, "no `thread apply all bt` section for %s", name);
        expect(&run,
               IN_ORDER(section, "pthread_mutex_lock (", "wait_for_lock (", "lab_ilock_lock (",
                        "lock_account (", "transfer_once (", "transfer (", "teller_main ("),
               "%s is not blocked in pthread_mutex_lock <- ... <- lock_account <- transfer_once",
               name);
        free(section);
        char line[128];
        snprintf(line, sizeof line, "%s waits for [%s], held by %s\n", name, waits_for, holder);
        expect(&run, strstr(run.out, line) != NULL, "no line '%s'", line);
        /* The C library agrees: the mutex's __owner is the holder's LWP. */
        snprintf(line, sizeof line, "[%s] is held by LWP %ld\n", waits_for, lwp_of(&run, holder));
        expect(&run, lwp_of(&run, holder) > 0 && strstr(run.out, line) != NULL, "no line '%s'",
               line);
    }
    child_run_free(&run);
}
END_TEST

START_TEST(catchpoint_stops_a_failed_checked_call_before_it_dies)
{
    child_run run = run_gdb("checked-abort.gdb", (const char *const[]){demo_path("mutex"), NULL});
    if (ptrace_refused(&run, "checked-abort.gdb")) {
        child_run_free(&run);
        return;
    }
    expect_whole_file_ran(&run);
    expect(&run, strstr(run.out, "fatal: pthread_mutex_lock at demos/mutex.c:") != NULL,
           "no fatal: line");
    expect(&run, strstr(run.out, "\"t0\" hit Catchpoint 1 (signal SIGABRT)") != NULL,
           "the catchpoint did not stop t0");
    expect(&run,
           IN_ORDER(run.out, "hit Catchpoint 1", "abort ", "lab_check_at (code=22",
                    "decrement_with_a_window ("),
           "the stack is not abort <- lab_check_at <- decrement_with_a_window");
    expect(&run, LINE_WITH(run.out, "$2 = ", "\"pthread_mutex_lock\"") != NULL,
           "print call: not pthread_mutex_lock");
    expect(&run, LINE_WITH(run.out, "$5 = 22") != NULL, "print code: not 22 (EINVAL)");
    expect(&run, LINE_WITH(run.out, "lab_pthread_mutex_lock(&counter_lock);") != NULL,
           "`up` did not show the demo's line");
    child_run_free(&run);
}
END_TEST

START_TEST(ck_fork_no_lets_gdb_stop_in_a_test)
{
    ck_assert_msg(access(suite_path("test_thread"), X_OK) == 0,
                  "no %s: build the tests first (make tests)", suite_path("test_thread"));
    child_run run =
        run_gdb("check-test.gdb", (const char *const[]){suite_path("test_thread"), NULL});
    if (ptrace_refused(&run, "check-test.gdb")) {
        child_run_free(&run);
        return;
    }
    expect_whole_file_ran(&run);
    expect(&run, strstr(run.out, "\"car-MINT\" hit Breakpoint 1, record_names") != NULL,
           "the test's thread car-MINT did not stop in record_names");
    expect(&run, LINE_WITH(run.out, "(LWP ", "\"car-MINT\"") != NULL,
           "info threads does not list car-MINT");
    expect(&run,
           IN_ORDER(run.out, "\"car-MINT\" hit", "threads_know_their_names_fn (",
                    "tcase_run_tfun_nofork"),
           "main's stack is not the test function, run by Check without a fork");
    child_run_free(&run);
}
END_TEST

/* Every file in docs/gdb/ has a test above, and docs/debugging.md names it; every line of
 * the page's ```gdb blocks is a line of one of the files (the page quotes, never invents). */
START_TEST(the_page_quotes_only_tested_files)
{
    static const char *const tested[] = {"info-threads.gdb",
                                         "scheduler-locking.gdb",
                                         "watch-race.gdb",
                                         "deadlock-attach.gdb",
                                         "checked-abort.gdb",
                                         "check-test.gdb",
                                         NULL};
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/docs/debugging.md", source_dir());
    FILE *page_file = fopen(path, "r");
    ck_assert_msg(page_file != NULL, "cannot read %s", path);
    static char page[1 << 17];
    size_t page_length = fread(page, 1, sizeof page - 1, page_file);
    fclose(page_file);
    page[page_length] = '\0';

    static char scripts[1 << 16]; /* every file's lines, each surrounded by newlines */
    size_t used = 0;
    scripts[used++] = '\n';
    snprintf(path, sizeof path, "%s/docs/gdb", source_dir());
    DIR *dir = opendir(path);
    ck_assert_ptr_nonnull(dir);
    for (struct dirent *entry; (entry = readdir(dir)) != NULL;) {
        size_t n = strlen(entry->d_name);
        if (n < 5 || strcmp(entry->d_name + n - 4, ".gdb") != 0)
            continue;
        bool known = false;
        for (int i = 0; tested[i] != NULL; i++)
            known = known || strcmp(tested[i], entry->d_name) == 0;
        ck_assert_msg(known, "docs/gdb/%s has no test in tests/test_debugging.c", entry->d_name);
        ck_assert_msg(strstr(page, entry->d_name) != NULL, "docs/debugging.md does not mention %s",
                      entry->d_name);
        char file_path[sizeof path + 256];
        snprintf(file_path, sizeof file_path, "%s/%s", path, entry->d_name);
        FILE *f = fopen(file_path, "r");
        ck_assert_ptr_nonnull(f);
        char line[512];
        while (fgets(line, sizeof line, f) != NULL) {
            char *text = line + strspn(line, " ");
            size_t length = strcspn(text, "\n");
            ck_assert_uint_lt(used + length + 2, sizeof scripts);
            memcpy(scripts + used, text, length);
            used += length;
            scripts[used++] = '\n';
        }
        fclose(f);
    }
    closedir(dir);
    scripts[used] = '\0';

    int quoted = 0;
    for (const char *block = strstr(page, "\n```gdb\n"); block != NULL;
         block = strstr(block, "\n```gdb\n")) {
        block += 8;
        const char *end = strstr(block, "\n```");
        ck_assert_msg(end != NULL, "an unclosed ```gdb block in docs/debugging.md");
        for (const char *line = block; line <= end;) {
            const char *line_end = strchr(line, '\n');
            const char *text = line + strspn(line, " ");
            size_t length = (size_t)(line_end - text);
            if (length > 0) {
                char wanted[520];
                snprintf(wanted, sizeof wanted, "\n%.*s\n", (int)length, text);
                ck_assert_msg(strstr(scripts, wanted) != NULL,
                              "docs/debugging.md quotes a line that no docs/gdb file has: %.*s",
                              (int)length, text);
                quoted++;
            }
            line = line_end + 1;
        }
        block = end;
    }
    ck_assert_msg(quoted > 0, "docs/debugging.md has no ```gdb block");
}
END_TEST

/* In an optimised build the walkthroughs cannot work: say so, check nothing. */
START_TEST(walkthroughs_need_the_debug_build)
{
    fprintf(stderr, "test_debugging: SKIPPED: the gdb walkthroughs need the debug build (-O0 -g3); "
                    "this one is optimised. Run build/debug/tests/test_debugging.\n");
}
END_TEST

static Suite *debugging_suite(void)
{
    Suite *suite = suite_create("gdb walkthroughs");
    TCase *tc = tcase_create("walkthroughs");
    tcase_set_timeout(tc, 90); /* a gdb run takes under a second; 3 runs at most per test */
    tcase_add_test(tc, the_page_quotes_only_tested_files);
#if defined(__OPTIMIZE__) /* release, tsan and asan builds: -O1 or -O2 */
    bool optimised = true;
#else
    bool optimised = false;
#endif
    if (optimised) {
        tcase_add_test(tc, walkthroughs_need_the_debug_build);
    } else {
        tcase_add_test(tc, info_threads_shows_every_thread_by_name);
        tcase_add_test(tc, scheduler_locking_makes_a_lost_update_on_demand);
        tcase_add_test(tc, watchpoint_shows_who_reads_and_writes_the_counter);
        tcase_add_test(tc, attach_shows_each_teller_blocked_on_the_other_account);
        tcase_add_test(tc, catchpoint_stops_a_failed_checked_call_before_it_dies);
        tcase_add_test(tc, ck_fork_no_lets_gdb_stop_in_a_test);
    }
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(debugging_suite)
