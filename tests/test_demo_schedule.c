/* test_demo_schedule.c — --schedule, --step and --explore on the demos that support them:
 * a schedule replays byte for byte; the explorer finds race's lost update and the
 * schedule it prints reproduces it; it finds nothing in mutex within its bound; the broken
 * signalling variants are found; --step through a pseudo-terminal prints a schedule that
 * replays the same run; bad input is a usage error. */
#include "support.h"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGV 24

/* Run name with the arguments of a space-separated line (no quoting needed here). */
static child_run run_line(const char *name, const char *line)
{
    static char copy[8192];
    snprintf(copy, sizeof copy, "%s", line);
    const char *args[MAX_ARGV + 1];
    int n = 0;
    for (char *word = strtok(copy, " "); word != NULL && n < MAX_ARGV; word = strtok(NULL, " "))
        args[n++] = word;
    args[n] = NULL;
    return run_demo_argv(name, args, RUN_TIMEOUT);
}

/* Remove " cpu=<number>": event's CPU time is a real measurement (the spinning cars'
 * clock() time, not a duration on the virtual clock), the only value of a controlled run
 * that the schedule does not fix. */
static void drop_cpu(char *text)
{
    char *p;
    while ((p = strstr(text, " cpu=")) != NULL) {
        char *end = p + 5;
        while (*end != ' ' && *end != '\n' && *end != '\0')
            end++;
        memmove(p, end, strlen(end) + 1);
    }
    while ((p = strstr(text, "; 0.00 s of CPU")) != NULL) /* its story line says it too */
        memmove(p, p + 15, strlen(p + 15) + 1);
}

/* Mask the two names the system picks, on purpose, whatever the schedule: download's
 * temporary directory (mkdtemp) and the process id deadlock --timeout 0 offers to gdb.
 * Neither is a measurement nor the schedule's; nothing else is masked. */
static void mask_system_names(char *text)
{
    for (char *p = strstr(text, "threadlab-download-"); p != NULL;
         p = strstr(p + 1, "threadlab-download-"))
        for (char *c = p + 19; c < p + 25 && *c != '\0' && *c != '\n' && *c != '/'; c++)
            *c = 'X';
    for (char *p = strstr(text, "gdb -p "); p != NULL; p = strstr(p + 1, "gdb -p "))
        for (char *c = p + 7; *c >= '0' && *c <= '9'; c++)
            *c = 'N';
}

/* Every demo that supports control, at small sizes, some variants each. */
static const struct {
    const char *demo, *args;
} replays[] = {
    {"race", "--threads 5 --schedule=default"},
    {"race", "--mode=loop --threads 2 --iterations 3 --schedule=main,main,main,t1,t0"},
    {"race", "--mode=loop --threads 3 --iterations 2 --schedule=random:3 --seed 7"},
    {"mutex", "--threads 3 --schedule=random:2 --seed 3"},
    {"mutex", "--threads 2 --schedule=t0,t0,main,main,main,t1"},
    {"rlock", "--threads 3 --schedule=random:3 --seed 2"},
    {"rlock", "--plain=ilock --threads 2 --schedule=random:2 --seed 5"},
    {"deadlock", "--schedule=random:2 --seed 3"},
    {"deadlock", "--timeout 0 --schedule=default"}, /* the deadlock picture, the same each time */
    {"deadlock", "--fix=order --threads 3 --accounts 3 --transfers 5 --schedule=random:3"},
    {"deadlock", "--fix=trylock --threads 3 --accounts 3 --transfers 5 --schedule=random:3"},
    {"semaphore", "--people 5 --stalls 2 --schedule=random:2 --seed 4"},
    {"semaphore", "--people 4 --stalls 2 --no-limit --schedule=random:3 --seed 2"},
    {"candy", "--plain --schedule=random:2 --seed 8"},
    {"candy", "--max 2 --schedule=random:3 --seed 1"},
    {"event", "--cars 2 --cycles 1 --schedule=random:2 --seed 6"},
    {"event", "--cars 2 --cycles 1 --impatient --schedule=random:2 --seed 6"},
    {"condition", "--customers 4 --batch 2 --schedule=random:2 --seed 5"},
    {"condition", "--customers 3 --if --notify=all --schedule=default"},
    {"queue", "--part=buns --buns 4 --schedule=random:3 --seed 3"},
    {"queue", "--part=buns --buns 3 --no-join --maxsize 1 --schedule=random:2"},
    {"queue", "--kind=priority --schedule=random:2 --seed 9"},
    {"barrier", "--threads 3 --schedule=random:3 --seed 9"},
    {"local", "--threads 3 --rounds 2 --schedule=random:3 --seed 4"}, /* destructors print */
    {"local", "--threads 2 --rounds 2 --shared --schedule=random:2"},
    {"timer", "--schedule=random:2 --seed 2"},
    {"timer", "--cancel-late --schedule=default"},
    {"pool", "--workers 2 --schedule=random:2 --seed 3"},
    {"pool", "--part=as_completed --wait-each --schedule=default"},
    {"download", "--files 3 --workers 2 --fail IN --schedule=random:2 --seed 4"},
    {"join", "--threads 3 --schedule=random:2 --seed 2"},
    {"join", "--threads 2 --join-in-loop --schedule=default"},
};

START_TEST(the_same_schedule_prints_the_same_run)
{
    const char *demo = replays[_i].demo, *args = replays[_i].args;
    child_run first = run_line(demo, args);
    assert_exit_ok(&first);
    ck_assert_msg(result_has(&first, "seed"), "%s %s: no result line", demo, args);
    ck_assert_int_eq(count_lines_with(first.out, "| schedule: "), 1);
    drop_cpu(first.out);
    mask_system_names(first.out);
    for (int again = 0; again < 2; again++) {
        child_run second = run_line(demo, args);
        assert_exit_ok(&second);
        drop_cpu(second.out);
        mask_system_names(second.out);
        ck_assert_msg(strcmp(first.out, second.out) == 0, "%s %s: two runs differ:\n%s\n---\n%s",
                      demo, args, first.out, second.out);
        child_run_free(&second);
    }
    child_run_free(&first);
}
END_TEST

START_TEST(virtual_time_makes_a_long_run_quick_and_exact)
{
    /* 10 threads x 0.3 s (the default window) under one lock: 3 s of class time, virtual */
    child_run run = run_line("mutex", "--schedule=default");
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "lost"), 0);
    ck_assert_int_eq(
        count_lines_with(run.out, "[  3.000] t9         | wrote n = 0, releasing the lock"), 1);
    ck_assert_msg(run.seconds < 10, "a controlled run took %.1f s", run.seconds);
    child_run_free(&run);
}
END_TEST

/* Every broken variant, at small sizes: the explorer's default budget finds the bug, and
 * the replay shows it (key > above). Most show in the first run, the default schedule:
 * under virtual time the sleeps that open each demo's window are exact, so the window is
 * always open; race's loop mode needs a preemption at its mark. condition --if needs
 * --notify=all: with the default notify=n exactly as many customers wake as buns came, and
 * at these sizes every customer is already waiting (nobody arrives to take a bun between
 * the notify and the wake-up), so `if` and `while` behave the same: the explorer finds no
 * violation there, rightly. */
static const struct {
    const char *demo, *args, *key;
    long long above;
} bugs[] = {
    {"race", "--mode=loop --threads 2 --iterations 2", "lost", 0},
    {"race", "--threads 3", "lost", 0},
    {"deadlock", "", "deadlocks", 0},           /* found and broken by the ilock's deadline */
    {"deadlock", "--timeout 0", "deadlock", 0}, /* nobody breaks it: the controller's picture */
    {"deadlock", "--threads 3 --accounts 3 --timeout 0", "deadlock", 0}, /* a ring of three */
    {"semaphore", "--no-limit --people 3 --stalls 2", "max_inside", 2},
    {"candy", "--plain", "most", 5},
    {"condition", "--if --notify=all --customers 3", "violations", 0},
    {"queue", "--part=buns --buns 3 --no-join", "lost", 0},
    {"local", "--shared --threads 2 --rounds 1", "mixups", 0},
    {"barrier", "--threads 3 --no-barrier", "early_starts", 0},
    {"event", "--impatient --cars 1 --cycles 1", "max_running_on_red", 0},
};

START_TEST(explore_finds_the_bug_and_its_schedule_reproduces_it)
{
    const char *demo = bugs[_i].demo;
    char line[4400], schedule[4096];
    snprintf(line, sizeof line, "%s --explore", bugs[_i].args);
    child_run found = run_line(demo, line);
    assert_exit_ok(&found);
    ck_assert_int_eq(count_lines_with(found.out, "explore: the shortest replay found"), 1);
    ck_assert_int_eq(result_int(&found, "failed"), 1);
    result_text(&found, "schedule", schedule, sizeof schedule);
    ck_assert_int_le(result_int(&found, "preemptions"), 2);
    ck_assert_int_le(result_int(&found, "runs"), 500);
    /* the printed command line is the replay */
    char command[4200];
    snprintf(command, sizeof command, "--seed 1 --schedule=%s\n", schedule);
    ck_assert_msg(strstr(found.out, command) != NULL, "no replay command in:\n%s", found.out);
    if (strcmp(bugs[_i].key, "deadlock") == 0) /* the controller's deadlock: its picture */
        ck_assert_msg(count_lines_with(found.out, "explore: nobody can move:") == 1 &&
                          count_lines_with(found.out, ", held by t") >= 2,
                      "no wait-for picture in:\n%s", found.out);

    snprintf(line, sizeof line, "%s --seed 1 --schedule=%s", bugs[_i].args, schedule);
    for (int replay = 0; replay < 2; replay++) {
        child_run again = run_line(demo, line);
        assert_exit_ok(&again); /* deadlock's lesson: its deadlock exits 0 */
        long long value = result_int(&again, bugs[_i].key);
        ck_assert_msg(value > bugs[_i].above, "%s %s: replay shows %s=%lld", demo, line,
                      bugs[_i].key, value);
        child_run_free(&again);
    }
    child_run_free(&found);
}
END_TEST

/* Every fixed variant, at small sizes: nothing found. complete: the whole bound was searched
 * within the budget (else the budget, kept small for make test, ran out first). */
static const struct {
    const char *demo, *args;
    bool complete;
} fixed[] = {
    {"mutex", "--threads 2 --explore", true},
    {"mutex", "--mode=loop --threads 2 --iterations 2 --explore", true},
    {"rlock", "--threads 2 --explore=100", false},
    {"deadlock", "--fix=order --explore", true},
    {"deadlock", "--fix=order --timeout 0 --explore", true},
    {"deadlock", "--fix=trylock --explore", true},
    {"semaphore", "--people 3 --stalls 2 --explore", true},
    {"candy", "--explore", true},
    {"condition", "--if --customers 3 --explore=60", false}, /* notify=n: see bugs[] */
    {"condition", "--customers 3 --notify=all --explore=60", false},
    {"queue", "--part=buns --buns 3 --explore=60", false},
    {"local", "--threads 2 --rounds 2 --explore", true},
    {"barrier", "--threads 2 --explore", true},
    {"event", "--cars 1 --cycles 1 --explore=60", false},
    {"timer", "--explore", true},
    {"timer", "--cancel-late --explore", true}, /* too late to cancel is not a bug */
    {"pool", "--part=callback --explore", true},
    {"pool", "--part=map --workers 2 --explore=60", false},
    {"download", "--files 2 --workers 2 --explore=30", false},
    {"join", "--threads 2 --explore=30", false},
};

START_TEST(explore_finds_nothing_in_a_fixed_variant_and_says_how_far_it_looked)
{
    child_run run = run_line(fixed[_i].demo, fixed[_i].args);
    assert_exit_ok(&run);
    ck_assert_msg(result_int(&run, "failed") == 0, "%s %s:\n%s", fixed[_i].demo, fixed[_i].args,
                  run.out);
    ck_assert_int_eq(result_int(&run, "bound"), 2);
    assert_result_text(&run, "complete", fixed[_i].complete ? "yes" : "no");
    if (fixed[_i].complete) {
        ck_assert_int_eq(count_lines_with(run.out, "schedules with at most 2 preemptions: "), 1);
        ck_assert_int_gt(result_int(&run, "runs"), 10); /* a search, not one run */
    } else
        ck_assert_int_eq(count_lines_with(run.out, "not a proof"), 1);
    child_run_free(&run);
}
END_TEST

START_TEST(explore_of_a_fixed_variant_says_what_it_tried)
{
    child_run run = run_line("semaphore", "--people 3 --stalls 2 --explore=40");
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "failed"), 0);
    ck_assert_int_eq(result_int(&run, "runs"), 40);
    assert_result_text(&run, "complete", "no");
    ck_assert_int_eq(count_lines_with(run.out, "not a proof"), 1);
    child_run_free(&run);
}
END_TEST

/* Every demo of the build either supports control (and is in replays[]: its replay is
 * tested) or refuses it, saying why. A new demo must choose. */
START_TEST(every_demo_supports_control_or_says_why_not)
{
    FILE *list = fopen(demo_path("demos.list"), "r");
    ck_assert_msg(list != NULL, "cannot read demos.list (built by 'make demos')");
    char name[64];
    int demos = 0;
    while (fscanf(list, "%63s", name) == 1) {
        demos++;
        bool replayed = false;
        for (size_t i = 0; i < sizeof replays / sizeof replays[0]; i++)
            replayed = replayed || strcmp(replays[i].demo, name) == 0;
        child_run run = run_line(name, "--explore=1");
        if (replayed) {
            assert_exit_ok(&run);
            ck_assert_int_eq(result_int(&run, "runs"), 1);
        } else {
            ck_assert_msg(run.exit_code == 2 &&
                              strstr(run.err, "cannot run under schedule control: ") != NULL,
                          "%s: neither in replays[] nor refused (exit %d): %s", name, run.exit_code,
                          run.err);
        }
        child_run_free(&run);
    }
    fclose(list);
    ck_assert_int_ge(demos, 20);
}
END_TEST

/* deadlock --timeout 0: nobody breaks the cycle; the controller's picture says who holds
 * what (the ilocks' names; their holders, though the library took them by trylock). */
START_TEST(the_deadlock_picture_names_the_locks_and_their_holders)
{
    child_run run = run_line("deadlock", "--timeout 0 --threads 3 --accounts 3 --schedule=default");
    assert_exit_ok(&run); /* --fix=none: the deadlock is the lesson */
    ck_assert_int_eq(result_int(&run, "deadlock"), 1);
    ck_assert_int_eq(result_int(&run, "blocked"), 4);
    static const char *const waits[] = {"  t1         waits for lock luoziyao, held by t2",
                                        "  t2         waits for lock xiaoming, held by t3",
                                        "  t3         waits for lock hepang, held by t1"};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(count_lines_with(run.out, waits[i]) == 1, "no '%s' in:\n%s", waits[i],
                      run.out);
    child_run_free(&run);
    run = run_line("deadlock", "--fix=order --timeout 0 --schedule=default");
    assert_exit_ok(&run); /* a fix: no deadlock at all */
    assert_result_text(&run, "deadlock", "no");
    child_run_free(&run);
}
END_TEST

/* ---- --step through a pseudo-terminal ---------------------------------------------------- */

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Drive `race <args> --step` through a pseudo-terminal, answering each prompt from
 * answers (then Enter); returns everything it printed (stdout and stderr mixed, \r
 * removed). Bounded: killed after 20 s. */
static char *step_through(const char *const *args, const char *const *answers)
{
    int fd;
    pid_t pid = forkpty(&fd, NULL, NULL, NULL);
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        const char *argv[MAX_ARGV + 2] = {demo_path("race")};
        int n = 1;
        for (int i = 0; args[i] != NULL && n < MAX_ARGV; i++)
            argv[n++] = args[i];
        argv[n++] = "--step";
        argv[n] = NULL;
        setenv("NO_COLOR", "1", 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    size_t size = 1 << 16, used = 0;
    char *text = calloc(size, 1);
    int answered = 0;
    double give_up = seconds_now() + 20;
    for (;;) {
        if (seconds_now() > give_up) {
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t got = read(fd, text + used, size - used - 1);
        if (got <= 0)
            break; /* EIO: the child is gone */
        used += (size_t)got;
        text[used] = '\0';
        if (used >= 6 && strcmp(text + used - 6, "step> ") == 0) {
            const char *answer = answers[answered] != NULL ? answers[answered++] : "";
            char reply[64];
            snprintf(reply, sizeof reply, "%s\n", answer);
            ck_assert_int_eq(write(fd, reply, strlen(reply)), (ssize_t)strlen(reply));
        }
        ck_assert_uint_lt(used, size - 1);
    }
    int status;
    waitpid(pid, &status, 0);
    close(fd);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "--step run failed:\n%s", text);
    char *out = text;
    for (char *in = text; *in != '\0'; in++)
        if (*in != '\r')
            *out++ = *in;
    *out = '\0';
    return text;
}

/* The story lines and the result line of text, without the schedule line. */
static void story_of(const char *text, char *story, size_t size)
{
    story[0] = '\0';
    char *copy = strdup(text);
    for (char *line = strtok(copy, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        const char *start = strstr(line, "[  "); /* after an echoed answer, if any */
        if (start == NULL && strncmp(line, "result: ", 8) == 0)
            start = line;
        if (start == NULL || strstr(start, "| schedule: ") != NULL)
            continue;
        strncat(story, start, size - strlen(story) - 2);
        strcat(story, "\n");
    }
    free(copy);
}

START_TEST(step_prints_a_schedule_that_replays_the_same_run)
{
    const char *args[] = {"--mode=loop", "--threads", "2", "--iterations", "2", NULL};
    /* t0 first, main starts t1 while t0 is between its read and write, then t1 */
    const char *answers[] = {"?", "t0", "main", "t1", NULL}; /* then Enter, Enter... */
    char *text = step_through(args, answers);
    ck_assert_msg(strstr(text, "-- choice 1: who moves next?") != NULL, "%s", text);
    ck_assert_msg(strstr(text, "Each line is a thread that can run now") != NULL, "no help: %s",
                  text);
    ck_assert_msg(strstr(text, "race.c:") != NULL, "no source lines: %s", text);
    const char *replay = strstr(text, "race: replay this run with --schedule=");
    ck_assert_msg(replay != NULL, "no replay line:\n%s", text);
    char schedule[512];
    snprintf(schedule, sizeof schedule, "%.*s", (int)strcspn(replay + 38, "\n"), replay + 38);

    char line[700];
    snprintf(line, sizeof line, "--mode=loop --threads 2 --iterations 2 --schedule=%s", schedule);
    child_run again = run_line("race", line);
    assert_exit_ok(&again);
    static char stepped[1 << 16], replayed[1 << 16];
    story_of(text, stepped, sizeof stepped);
    story_of(again.out, replayed, sizeof replayed);
    ck_assert_msg(strstr(stepped, "result: ") != NULL, "%s", text);
    ck_assert_msg(strcmp(stepped, replayed) == 0, "--step:\n%s\nreplay (%s):\n%s", stepped,
                  schedule, replayed);
    ck_assert_int_gt(result_int(&again, "lost"), 0); /* t1 came between t0's read and write */
    child_run_free(&again);
    free(text);
}
END_TEST

/* ---- bad input ----------------------------------------------------------------------------- */

START_TEST(bad_schedule_flags_are_usage_errors)
{
    assert_usage_error("race", "--schedule=", NULL);
    assert_usage_error("race", "--schedule", NULL);
    assert_usage_error("race", "--schedule=t0,,t1", NULL);
    assert_usage_error("race", "--schedule=t0,", NULL);
    assert_usage_error("race", "--schedule=t0 t1", NULL);
    assert_usage_error("race", "--schedule=random:0", NULL);
    assert_usage_error("race", "--schedule=random:11", NULL);
    assert_usage_error("race", "--schedule=random:x", NULL);
    assert_usage_error("race", "--explore=0", NULL);
    assert_usage_error("race", "--explore=-3", NULL);
    assert_usage_error("race", "--explore=10000001", NULL);
    assert_usage_error("race", "--explore=lots", NULL);
    assert_usage_error("race", "--schedule=default", "--step", NULL);
    assert_usage_error("race", "--explore", "--schedule=t0", NULL);
    assert_usage_error("race", "--schedule=t0", "--schedule=t1", NULL);
    assert_usage_error("race", "--explore=5", "--explore=6", NULL);
    assert_usage_error("race", "--explore", "--step", NULL);
    assert_usage_error("race", "--explore=", NULL);
    assert_usage_error("race", "--explore=1e3", NULL);
    assert_usage_error("race", "--schedule=random:", NULL);
    assert_usage_error("race", "--schedule=t0,random:2", NULL);
    /* the demos that cannot be controlled say why, in one line, for each flag */
    static const char *const refused[] = {"fork", "procpool", "daemon", "gil", "create"};
    static const char *const flags[] = {"--schedule=default", "--explore", "--explore=5"};
    for (size_t d = 0; d < sizeof refused / sizeof refused[0]; d++) {
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++) {
            child_run run = run_line(refused[d], flags[f]);
            ck_assert_int_eq(run.exit_code, 2);
            ck_assert_str_eq(run.out, "");
            char expected[128];
            snprintf(expected, sizeof expected,
                     "%s: %.*s: %s cannot run under schedule control: ", refused[d],
                     (int)strcspn(flags[f], "="), flags[f], refused[d]);
            ck_assert_msg(strncmp(run.err, expected, strlen(expected)) == 0, "%s", run.err);
            ck_assert_int_eq(count_lines_with(run.err, "schedule control"), 1);
            child_run_free(&run);
        }
    }
}
END_TEST

static void step_without_a_terminal(void *unused)
{
    (void)unused;
    if (freopen("/dev/null", "r", stdin) == NULL)
        _exit(126);
    execl(demo_path("race"), "race", "--step", (char *)NULL);
    _exit(127);
}

START_TEST(step_without_a_terminal_is_a_usage_error)
{
    child_run run = run_in_child(step_without_a_terminal, NULL, 10);
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_str_eq(run.out, "");
    ck_assert_msg(strncmp(run.err, "race: --step needs a terminal", 29) == 0, "%s", run.err);
    child_run_free(&run);
}
END_TEST

START_TEST(a_schedule_naming_no_thread_is_a_usage_error)
{
    child_run run = run_line("race", "--threads 2 --schedule=main,zed");
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_int_eq(count_lines_with(run.err, ""), 1);
    ck_assert_msg(
        strstr(run.err, "race: --schedule: choice 2 names 'zed', but no thread has that name") ==
            run.err,
        "%s", run.err);
    child_run_free(&run);
    run = run_line("race", "--threads 2 --mode=loop --iterations 2 --schedule=t0,t0,t0,t0");
    ck_assert_int_eq(run.exit_code, 2);
    ck_assert_ptr_nonnull(
        strstr(run.err, "choice 4 names t0, which cannot run there (can run: main, t1)"));
    child_run_free(&run);
}
END_TEST

/* ---- the worked examples of docs/schedules.md ------------------------------------------------ */

/* The source tree: $LAB_SOURCE_DIR, or three levels above this program's directory. */
static const char *source_dir(void)
{
    static char dir[4096];
    const char *env = getenv("LAB_SOURCE_DIR");
    if (env != NULL && env[0] != '\0') {
        snprintf(dir, sizeof dir, "%s", env);
        return dir;
    }
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    ck_assert_int_gt(n, 0);
    dir[n] = '\0';
    for (int level = 0; level < 4 && strrchr(dir, '/') != NULL; level++)
        *strrchr(dir, '/') = '\0'; /* test_demo_schedule, tests, <variant>, build */
    return dir;
}

/* Replace every copy of from in *text by to (any lengths): *text is reallocated. */
static void replace_all(char **text, const char *from, const char *to)
{
    size_t copies = 0, from_length = strlen(from), to_length = strlen(to);
    for (const char *p = *text; (p = strstr(p, from)) != NULL; p += from_length)
        copies++;
    char *out = malloc(strlen(*text) + copies * to_length + 1);
    ck_assert_ptr_nonnull(out);
    char *w = out;
    for (const char *r = *text, *p;; r = p + from_length) {
        p = strstr(r, from);
        size_t keep = p != NULL ? (size_t)(p - r) : strlen(r);
        memcpy(w, r, keep);
        w += keep;
        if (p == NULL)
            break;
        memcpy(w, to, to_length);
        w += to_length;
    }
    *w = '\0';
    free(*text);
    *text = out;
}

START_TEST(the_worked_examples_are_what_the_programs_print)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/schedules.md", source_dir());
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "no %s: set LAB_SOURCE_DIR to the source tree", path);
    static char doc[1 << 17];
    size_t size = fread(doc, 1, sizeof doc - 1, file);
    doc[size] = '\0';
    fclose(file);
    int checked = 0;
    for (char *block = strstr(doc, "```text\n$ build/debug/"); block != NULL;
         block = strstr(block, "```text\n$ build/debug/")) {
        block += strlen("```text\n$ build/debug/");
        char *end = strstr(block, "\n```");
        ck_assert_ptr_nonnull(end);
        *end = '\0';
        char *output = strchr(block, '\n') + 1;
        output[-1] = '\0';
        if (strstr(block, "--step") == NULL) { /* --step is checked through a pty above */
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(block, " "), block);
            child_run run = run_line(name, block + strlen(name) + 1);
            ck_assert_msg(run.exit_code == 0, "%s: exit %d", block, run.exit_code);
            char shown[256];
            snprintf(shown, sizeof shown, "build/debug/%s", name);
            replace_all(&run.out, demo_path(name), shown);
            ck_assert_msg(
                strcmp(run.out, output) == 0 || (strlen(run.out) == strlen(output) + 1 &&
                                                 strncmp(run.out, output, strlen(output)) == 0),
                "docs/schedules.md, $ build/debug/%s:\n--- the doc says:\n%s\n--- it prints:\n%s",
                block, output, run.out);
            child_run_free(&run);
            checked++;
        }
        block = end + 4;
    }
    ck_assert_int_ge(checked, 20);
}
END_TEST

START_TEST(the_key_demos_each_have_a_worked_example)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/schedules.md", source_dir());
    FILE *file = fopen(path, "r");
    ck_assert_msg(file != NULL, "no %s: set LAB_SOURCE_DIR to the source tree", path);
    static char doc[1 << 17];
    size_t size = fread(doc, 1, sizeof doc - 1, file);
    doc[size] = '\0';
    fclose(file);
    static const char *const key_demos[] = {"race",      "mutex",     "deadlock",
                                            "semaphore", "condition", "queue"};
    for (size_t i = 0; i < sizeof key_demos / sizeof key_demos[0]; i++) {
        char shown[64];
        snprintf(shown, sizeof shown, "$ build/debug/%s ", key_demos[i]);
        /* each key demo: at least a search and a run (the examples' test runs them) */
        ck_assert_msg(count_lines_with(doc, shown) >= 2, "docs/schedules.md: %s has %d examples",
                      key_demos[i], count_lines_with(doc, shown));
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *suite = suite_create("demo_schedule");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, the_same_schedule_prints_the_same_run, 0,
                        sizeof replays / sizeof replays[0]);
    tcase_add_test(tc, virtual_time_makes_a_long_run_quick_and_exact);
    tcase_add_test(tc, every_demo_supports_control_or_says_why_not);
    tcase_add_test(tc, the_deadlock_picture_names_the_locks_and_their_holders);
    suite_add_tcase(suite, tc);
    tc = tcase_create("explore");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, explore_finds_the_bug_and_its_schedule_reproduces_it, 0,
                        sizeof bugs / sizeof bugs[0]);
    tcase_add_loop_test(tc, explore_finds_nothing_in_a_fixed_variant_and_says_how_far_it_looked, 0,
                        sizeof fixed / sizeof fixed[0]);
    tcase_add_test(tc, explore_of_a_fixed_variant_says_what_it_tried);
    suite_add_tcase(suite, tc);
    tc = tcase_create("docs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_worked_examples_are_what_the_programs_print);
    tcase_add_test(tc, the_key_demos_each_have_a_worked_example);
    suite_add_tcase(suite, tc);
    tc = tcase_create("step");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, step_prints_a_schedule_that_replays_the_same_run);
    suite_add_tcase(suite, tc);
    tc = tcase_create("bad input");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bad_schedule_flags_are_usage_errors);
    tcase_add_test(tc, step_without_a_terminal_is_a_usage_error);
    tcase_add_test(tc, a_schedule_naming_no_thread_is_a_usage_error);
    suite_add_tcase(suite, tc);
    return suite;
}

LAB_TEST_MAIN(make_suite)
