/* test_course.c — the course around the demos keeps its promises:
 * - the grader (tests/grade/grade.sh) passes every demo's own source and a module's own
 *   source, and fails every broken attempt of tests/grade/broken/ for its reason (the FAIL
 *   line its header's `expect:` names); bad input to the grader is a clear message, exit != 0;
 * - every reference answer of answers/ passes the grader as its demo (when its header says
 *   `grade: demo NAME`) and keeps each claim its header makes (`check: ARGS => EXPR`);
 * - every exercise of a demo page links to its answer, and the answer page exists;
 * - the Chinese quick start and course map name the same demos, in the same order, and the
 *   same commands as the English ones.
 * The grading runs here are small (GRADE_RUNS=1 or 2, the fastest speed): the full grading
 * is the grader's job, not the unit test's. */
#include "support.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_ITEMS = 64, LINE = 512 };

static char root[PATH_MAX];  /* the repository: where tests/grade/grade.sh is */
static char build[PATH_MAX]; /* this test's build directory (build/<variant>) */

/* A list of names read at suite creation (before any fork: every test child sees it). */
typedef struct name_list {
    int n;
    char name[MAX_ITEMS][64];
} name_list;

static name_list demos, broken, answers;

/* Copies text into a buffer of size bytes, cut short when longer (names and paths here are short). */
static void copy_text(char *buffer, size_t size, const char *text)
{
    size_t n = strlen(text);
    if (n >= size)
        n = size - 1;
    memcpy(buffer, text, n);
    buffer[n] = '\0';
}

static void find_places(void)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        perror("test_course: readlink /proc/self/exe");
        exit(1);
    }
    exe[len] = '\0';
    *strrchr(exe, '/') = '\0'; /* build/<variant>/tests */
    *strrchr(exe, '/') = '\0'; /* build/<variant> */
    copy_text(build, sizeof build, exe);
    if (access("tests/grade/grade.sh", X_OK) == 0 && getcwd(root, sizeof root) != NULL)
        return;
    copy_text(root, sizeof root - 8, build); /* build/<variant>/../.. */
    strcat(root, "/../..");
}

/* The text of a file of the repository (NULL when it cannot be read); free it. */
static char *read_text(const char *relative)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return NULL;
    size_t size = 0, used = 0;
    char *text = NULL;
    for (;;) {
        if (used + 4096 + 1 > size) {
            size = 2 * size + 4096 + 1;
            text = realloc(text, size);
            ck_assert_ptr_nonnull(text);
        }
        size_t got = fread(text + used, 1, size - used - 1, file);
        used += got;
        if (got == 0)
            break;
    }
    fclose(file);
    text[used] = '\0';
    return text;
}

/* Run a shell command in the repository with the grader pointed at this build; its exit
 * status, and its stdout and stderr together in *out (free it). */
static int shell(char **out, const char *format, ...)
{
    char command[4096], full[8192 + 2 * PATH_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(command, sizeof command, format, args);
    va_end(args);
    snprintf(full, sizeof full, "cd '%s' && GRADE_BUILD='%s' timeout -k 5 240 %s 2>&1", root, build,
             command);
    FILE *pipe = popen(full, "r");
    ck_assert_ptr_nonnull(pipe);
    size_t size = 8192, used = 0;
    char *text = malloc(size);
    ck_assert_ptr_nonnull(text);
    size_t got;
    while ((got = fread(text + used, 1, size - used - 1, pipe)) > 0) {
        used += got;
        if (used + 1 >= size) {
            size *= 2;
            text = realloc(text, size);
            ck_assert_ptr_nonnull(text);
        }
    }
    text[used] = '\0';
    int status = pclose(pipe);
    *out = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Commands run side by side, PARALLEL at a time (the demos and suites they run mostly sleep),
 * each one's exit status and output kept; what says what the command checks. */
enum { PARALLEL = 3, MAX_JOBS = 160 };
typedef struct job {
    char what[2 * LINE];
    char command[4096];
    int status;
    char *out;
} job;
static job jobs[MAX_JOBS];
static int job_count;

static void add_job(const char *what, const char *format, ...)
{
    ck_assert_int_lt(job_count, MAX_JOBS);
    job *j = &jobs[job_count++];
    copy_text(j->what, sizeof j->what, what);
    va_list args;
    va_start(args, format);
    vsnprintf(j->command, sizeof j->command, format, args);
    va_end(args);
}

/* Runs every job added; outputs stay small (a grader's lines), so a pipe never fills up
 * while an earlier job is being read. */
static void run_jobs(void)
{
    static FILE *pipes[MAX_JOBS];
    int opened = 0;
    for (int i = 0; i < job_count; i++) {
        for (; opened < job_count && opened < i + PARALLEL; opened++) {
            char full[8192 + 2 * PATH_MAX];
            snprintf(full, sizeof full, "cd '%s' && GRADE_BUILD='%s' timeout -k 5 240 %s 2>&1",
                     root, build, jobs[opened].command);
            pipes[opened] = popen(full, "r");
            ck_assert_ptr_nonnull(pipes[opened]);
        }
        size_t size = 8192, used = 0, got;
        char *text = malloc(size);
        ck_assert_ptr_nonnull(text);
        while ((got = fread(text + used, 1, size - used - 1, pipes[i])) > 0) {
            used += got;
            if (used + 1 >= size) {
                size *= 2;
                text = realloc(text, size);
                ck_assert_ptr_nonnull(text);
            }
        }
        text[used] = '\0';
        int status = pclose(pipes[i]);
        jobs[i].status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        jobs[i].out = text;
    }
}

/* A report of the failures collected by a test, asserted empty at its end. */
static char failures[65536];
static void failure(const char *format, ...)
{
    size_t used = strlen(failures);
    if (used + 1 >= sizeof failures)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(failures + used, sizeof failures - used, format, args);
    va_end(args);
    fputs(failures + used, stderr); /* whole, here: Check's message is cut short below */
}

/* Check refuses a message longer than a few kilobytes (and the test then only "exits
 * early"): the collected failures, cut to their start; stderr has them whole. */
static const char *failures_cut(void)
{
    enum { SHOWN = 3000 };
    if (strlen(failures) > SHOWN)
        strcpy(failures + SHOWN - 40, "\n... (cut: the whole report is on stderr)\n");
    return failures;
}

/* The value after "* <tag>: " in a file's header comment, n-th occurrence (from 0). */
static bool header_value(const char *text, const char *tag, int nth, char *value, size_t size)
{
    char needle[64];
    snprintf(needle, sizeof needle, " * %s: ", tag);
    const char *end_of_header = strstr(text, "*/");
    for (const char *at = strstr(text, needle);
         at != NULL && (end_of_header == NULL || at < end_of_header); at = strstr(at + 1, needle)) {
        if (nth-- > 0)
            continue;
        at += strlen(needle);
        size_t n = strcspn(at, "\n");
        if (n >= size)
            n = size - 1;
        memcpy(value, at, n);
        value[n] = '\0';
        return true;
    }
    return false;
}

/* The .c files of a directory of the repository, sorted. */
static void list_sources(const char *relative, const char *ending, name_list *list)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", root, relative);
    list->n = 0;
    DIR *dir = opendir(path);
    if (dir == NULL)
        return;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && list->n < MAX_ITEMS) {
        size_t len = strlen(entry->d_name);
        size_t tail = strlen(ending);
        if (len > tail && len < sizeof list->name[0] &&
            strcmp(entry->d_name + len - tail, ending) == 0)
            copy_text(list->name[list->n++], sizeof list->name[0], entry->d_name);
    }
    closedir(dir);
    qsort(list->name, (size_t)list->n, sizeof list->name[0],
          (int (*)(const void *, const void *))strcmp);
}

static void list_demos(void)
{
    char path[PATH_MAX * 2], line[LINE];
    snprintf(path, sizeof path, "%s/demos.list", build);
    FILE *file = fopen(path, "r");
    demos.n = 0;
    if (file == NULL)
        return;
    while (fgets(line, sizeof line, file) != NULL && demos.n < MAX_ITEMS) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] != '\0')
            copy_text(demos.name[demos.n++], sizeof demos.name[0], line);
    }
    fclose(file);
}

/* ---- the grader on the references --------------------------------------------------- */

/* Each module's own source, graded with its own suite, must pass. The suites run in make test
 * anyway, so this proves the module grading's mechanics on most modules, not all: not ilock,
 * pool, queue and future (their suites take seconds each). */
static const char *const modules_graded_here[] = {
    "barrier",  "bsem",  "checked", "cli", "clock",     "condition", "event", "interrupt",
    "procpool", "rlock", "rng",     "say", "semaphore", "thread",    "timer"};

START_TEST(the_grader_passes_every_demo_and_some_modules_own_source)
{
    char what[256];
    for (int i = 0; i < demos.n; i++) {
        /* the program make built from demos/NAME.c: the attempts test the compiling */
        snprintf(what, sizeof what, "demos/%s.c graded as '%s'", demos.name[i], demos.name[i]);
        add_job(what,
                "env GRADE_RUNS=1 GRADE_FAST=1 GRADE_JOBS=1 tests/grade/grade.sh demo %s %s/%s",
                demos.name[i], build, demos.name[i]);
    }
    for (size_t i = 0; i < sizeof modules_graded_here / sizeof modules_graded_here[0]; i++) {
        snprintf(what, sizeof what, "common/%s.c graded with its suite", modules_graded_here[i]);
        add_job(what, "tests/grade/grade.sh module %s common/%s.c", modules_graded_here[i],
                modules_graded_here[i]);
    }
    run_jobs();
    for (int i = 0; i < job_count; i++)
        if (jobs[i].status != 0 || strstr(jobs[i].out, " passed, 0 failed") == NULL ||
            strstr(jobs[i].out, "\nPASS ") == NULL)
            failure("%s: exit %d\n%s\n", jobs[i].what, jobs[i].status, jobs[i].out);
    ck_assert_msg(failures[0] == '\0', "the grader failed a reference:\n%s", failures_cut());
}
END_TEST

/* ---- the grader on the broken attempts ------------------------------------------------ */

/* One FAIL line of out contains every part of expect ("PART ; PART ..."). */
static bool some_fail_line_says(const char *out, const char *expect)
{
    for (const char *line = out; line != NULL && *line != '\0';
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        size_t length = strcspn(line, "\n");
        if (strncmp(line, "FAIL ", 5) != 0)
            continue;
        char text[LINE * 4], parts[LINE];
        copy_text(text, length + 1 < sizeof text ? length + 1 : sizeof text, line);
        copy_text(parts, sizeof parts, expect);
        bool all = true;
        for (char *part = parts, *next; part != NULL && all; part = next) {
            next = strstr(part, " ; ");
            if (next != NULL) {
                *next = '\0';
                next += 3;
            }
            all = strstr(text, part) != NULL;
        }
        if (all)
            return true;
    }
    return false;
}

START_TEST(each_broken_attempt_fails_for_its_reason)
{
    /* a tenth of the suites' timeouts (a broken attempt's hang ends sooner), scaled like the
     * caller's own (make asan runs this suite with a larger multiplier) */
    const char *caller = getenv("CK_TIMEOUT_MULTIPLIER");
    double multiplier = 0.1 * (caller != NULL && atof(caller) > 0 ? atof(caller) : 1.0);
    static char expects[MAX_JOBS][LINE];
    for (int i = 0; i < broken.n; i++) {
        const char *file = broken.name[i];
        char relative[PATH_MAX], kind_name[128], only_case[128] = "", slow[LINE], runs[16] = "1";
        snprintf(relative, sizeof relative, "tests/grade/broken/%s", file);
        char *text = read_text(relative);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(header_value(text, "grade", 0, kind_name, sizeof kind_name),
                      "%s: no 'grade:' line", file);
        ck_assert_msg(header_value(text, "expect", 0, expects[job_count], sizeof expects[0]),
                      "%s: no 'expect:' line", file);
        header_value(text, "case", 0, only_case, sizeof only_case);
        /* the grader stops at the first failed run: 1 is enough when the bug is certain */
        header_value(text, "runs", 0, runs, sizeof runs);
        bool is_slow = header_value(text, "slow", 0, slow, sizeof slow);
        free(text);
        if (is_slow) /* kept for students; too slow for make test (its header says why) */
            continue;
        add_job(
            file,
            "env GRADE_RUNS=%d GRADE_FAST=1 GRADE_JOBS=1 GRADE_CASE='%s' CK_TIMEOUT_MULTIPLIER=%g "
            "tests/grade/grade.sh %s %s",
            atoi(runs), only_case, multiplier, kind_name, relative);
    }
    run_jobs();
    for (int i = 0; i < job_count; i++) {
        if (jobs[i].status != 1)
            failure("%s: the grader should fail it (exit 1), got %d:\n%s\n", jobs[i].what,
                    jobs[i].status, jobs[i].out);
        else if (!some_fail_line_says(jobs[i].out, expects[i]))
            failure("%s: no FAIL line says '%s':\n%s\n", jobs[i].what, expects[i], jobs[i].out);
    }
    ck_assert_msg(failures[0] == '\0', "%s", failures_cut());
}
END_TEST

/* ---- the grader's bad input ----------------------------------------------------------- */

START_TEST(an_unknown_name_is_refused_with_the_nearest_one)
{
    char *out;
    int status = shell(&out, "tests/grade/grade.sh demo semafore demos/semaphore.c");
    ck_assert_int_eq(status, 2);
    ck_assert_msg(strstr(out, "no demo 'semafore'; did you mean 'semaphore'?") != NULL, "%s", out);
    free(out);
    status = shell(&out, "tests/grade/grade.sh module evnt common/event.c");
    ck_assert_int_eq(status, 2);
    ck_assert_msg(strstr(out, "did you mean 'event'?") != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(a_missing_file_is_refused)
{
    char *out;
    int status = shell(&out, "tests/grade/grade.sh demo race /nonexistent/mine.c");
    ck_assert_int_eq(status, 2);
    ck_assert_msg(strstr(out, "no file '/nonexistent/mine.c'") != NULL, "%s", out);
    free(out);
}
END_TEST

/* Writes a small C file in a fresh temporary directory; returns its path (static). */
static const char *temporary_source(const char *text)
{
    static char path[PATH_MAX];
    char dir[] = "/tmp/test_course.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/mine.c", dir);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
    return path;
}

static void remove_temporary(const char *path)
{
    char dir[PATH_MAX];
    copy_text(dir, sizeof dir, path);
    unlink(path);
    *strrchr(dir, '/') = '\0';
    rmdir(dir);
}

START_TEST(a_file_that_does_not_compile_shows_the_compiler_s_message)
{
    const char *path = temporary_source("int main(void) { return undeclared_thing; }\n");
    char *out;
    int status = shell(&out, "tests/grade/grade.sh demo race %s", path);
    remove_temporary(path);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, "FAIL compile:") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "undeclared_thing") != NULL,
                  "the compiler's message is not shown:\n%s", out);
    ck_assert_msg(strstr(out, "0 passed, 1 failed") != NULL, "%s", out);
    free(out);
}
END_TEST

START_TEST(a_module_missing_a_function_is_a_link_failure_named)
{
    const char *path = temporary_source("/* an event.c that forgot everything */\n"
                                        "int lab_event_unused_placeholder;\n");
    char *out;
    int status = shell(&out, "tests/grade/grade.sh module event %s", path);
    remove_temporary(path);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, "FAIL link:") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "undefined reference to `lab_event_") != NULL,
                  "the linker's message:\n%s", out);
    free(out);
}
END_TEST

START_TEST(a_program_that_hangs_is_killed_and_reported)
{
    const char *path =
        temporary_source("#include <unistd.h>\nint main(void) { for (;;) pause(); }\n");
    char *out;
    int status =
        shell(&out, "env GRADE_LIMIT=1 GRADE_RUNS=1 tests/grade/grade.sh demo gil %s", path);
    remove_temporary(path);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(out, "hang: still running after 1 s, killed") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "again: make grade DEMO=gil") != NULL, "%s", out);
    free(out);
}
END_TEST

/* ---- the reference answers ------------------------------------------------------------ */

START_TEST(each_code_answer_keeps_its_claims)
{
    for (int i = 0; i < answers.n; i++) {
        const char *file = answers.name[i];
        char relative[PATH_MAX], value[LINE], demo[64] = "", name[64], what[2 * LINE];
        snprintf(relative, sizeof relative, "answers/%s", file);
        char *text = read_text(relative);
        ck_assert_ptr_nonnull(text);
        /* answers/<demo>_<n>.c: built by make test like a demo */
        copy_text(name, sizeof name, file);
        *strrchr(name, '.') = '\0';
        char binary[PATH_MAX * 2];
        snprintf(binary, sizeof binary, "%s/answers/%s", build, name);
        if (access(binary, X_OK) != 0)
            failure("%s was not built by make (answers/%s)\n", binary, file);
        int checks = 0;
        if (header_value(text, "grade", 0, value, sizeof value)) {
            ck_assert_msg(sscanf(value, "demo %63s", demo) == 1, "%s: 'grade: demo NAME', not '%s'",
                          file, value);
            snprintf(what, sizeof what, "%s graded as '%s'", file, demo);
            add_job(what,
                    "env GRADE_RUNS=1 GRADE_FAST=1 GRADE_JOBS=1 tests/grade/grade.sh demo %s %s",
                    demo, binary); /* make built it with the demos' flags */
            checks++;
        }
        if (demo[0] == '\0') { /* expect mode builds it as the demo it answers */
            copy_text(demo, sizeof demo, name);
            *strrchr(demo, '_') = '\0';
        }
        for (int nth = 0; header_value(text, "check", nth, value, sizeof value); nth++) {
            char *arrow = strstr(value, " => ");
            ck_assert_msg(arrow != NULL, "%s: 'check: ARGS => EXPR', not '%s'", file, value);
            *arrow = '\0';
            snprintf(what, sizeof what, "%s %s: the claim '%s'", file, value, arrow + 4);
            add_job(what, "tests/grade/grade.sh expect %s %s '%s' %s", demo, binary, arrow + 4,
                    value);
            checks++;
        }
        if (checks == 0)
            failure("%s checks nothing: give it a 'grade:' or a 'check:' line\n", file);
        free(text);
    }
    run_jobs();
    for (int i = 0; i < job_count; i++)
        if (jobs[i].status != 0)
            failure("%s: exit %d\n%s\n", jobs[i].what, jobs[i].status, jobs[i].out);
    ck_assert_msg(failures[0] == '\0', "%s", failures_cut());
}
END_TEST

/* ---- the pages ---------------------------------------------------------------------- */

/* Every numbered item of a page's "## Exercises" links to answers/<demo>.md, which exists. */
START_TEST(every_exercise_links_to_its_answer)
{
    const char *demo = demos.name[_i];
    char relative[PATH_MAX], link[128];
    snprintf(relative, sizeof relative, "docs/answers/%s.md", demo);
    char *answer = read_text(relative);
    if (answer == NULL) /* not answered yet: listed in docs/README.md as missing */
        return;
    free(answer);
    snprintf(relative, sizeof relative, "docs/%s.md", demo);
    char *page = read_text(relative);
    ck_assert_msg(page != NULL, "no page %s", relative);
    char *exercises = strstr(page, "\n## Exercises");
    ck_assert_msg(exercises != NULL, "%s has no '## Exercises'", relative);
    char *end = strstr(exercises + 1, "\n## ");
    if (end != NULL)
        *end = '\0';
    snprintf(link, sizeof link, "(answers/%s.md#", demo);
    int items = 0;
    for (char *line = strtok(exercises, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] >= '1' && line[0] <= '9' && line[1] == '.')
            items++;
    }
    free(page);
    page = read_text(relative);
    int links = 0;
    for (const char *at = strstr(page, link); at != NULL; at = strstr(at + 1, link))
        links++;
    ck_assert_msg(items > 0, "%s: no numbered exercise", relative);
    ck_assert_msg(links >= items, "%s: %d exercises, %d links to %s", relative, items, links, link);
    /* every exercise's anchor exists on the answer page: "## Exercise N" */
    snprintf(relative, sizeof relative, "docs/answers/%s.md", demo);
    answer = read_text(relative);
    for (int n = 1; n <= items; n++) {
        char heading[64];
        snprintf(heading, sizeof heading, "\n## Exercise %d\n", n);
        ck_assert_msg(strstr(answer, heading) != NULL, "%s has no '## Exercise %d'", relative, n);
    }
    free(answer);
    /* the lesson's place in the course: previous / next and the map */
    ck_assert_msg(strstr(page, "Previous: ") != NULL &&
                      strstr(page, "[Course map](README.md)") != NULL,
                  "docs/%s.md has no 'Previous: ... [Course map](README.md)' line", demo);
    free(page);
}
END_TEST

/* Every block of an answer page marked "<!-- quoted from common/X.c ... -->" is still in that file,
 * word for word: a student sees the library's pthread core, and the quote never drifts. */
START_TEST(quotes_from_the_library_are_word_for_word)
{
    static const char *const pages[] = {"docs/answers/event.md",
                                        "docs/answers/semaphore.md",
                                        "docs/answers/condition.md",
                                        "docs/answers/timer.md",
                                        "docs/exercises.md",
                                        "docs/event.md",
                                        "docs/condition.md",
                                        "docs/timer.md",
                                        "docs/barrier.md"};
    const char *marker = "<!-- quoted from ";
    int quotes = 0;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char *page = read_text(pages[i]);
        ck_assert_msg(page != NULL, "no %s", pages[i]);
        for (char *at = strstr(page, marker); at != NULL; at = strstr(at + 1, marker)) {
            char source[128];
            ck_assert_int_eq(sscanf(at + strlen(marker), "%127s", source), 1);
            char *code = strstr(at, "```c\n");
            ck_assert_msg(code != NULL, "%s: a quote of %s without a ```c block", pages[i], source);
            code += 5;
            char *end = strstr(code, "\n```");
            ck_assert_ptr_nonnull(end);
            char saved = *end;
            *end = '\0';
            char *file = read_text(source);
            ck_assert_msg(file != NULL, "%s quotes %s, which does not exist", pages[i], source);
            ck_assert_msg(strstr(file, code) != NULL, "%s: the quote of %s is no longer in it:\n%s",
                          pages[i], source, code);
            free(file);
            *end = saved;
            quotes++;
        }
        free(page);
    }
    ck_assert_int_ge(quotes, 20);
}
END_TEST

/* The demos a page names as [name](PREFIXname.md) or [`name`](PREFIXname.md), in order. */
static int demos_named(const char *text, const char *prefix, char names[][64], int max)
{
    int n = 0;
    for (const char *at = strchr(text, '['); at != NULL && n < max; at = strchr(at + 1, '[')) {
        char name[64], target[128];
        const char *from = at[1] == '`' ? at + 2 : at + 1;
        int used = 0;
        if (sscanf(from, "%63[a-z_]%n", name, &used) != 1)
            continue;
        from += used;
        if (*from == '`')
            from++;
        if (sscanf(from, "](%127[^)])", target) != 1)
            continue;
        char want[160];
        snprintf(want, sizeof want, "%s%s.md", prefix, name);
        if (strcmp(target, want) == 0)
            copy_text(names[n++], 64, name);
    }
    return n;
}

/* Both pages name the same demos in the same order, and the first names every built demo. */
static void assert_same_demos(const char *english, const char *en_prefix, const char *chinese,
                              const char *zh_prefix)
{
    char *en = read_text(english), *zh = read_text(chinese);
    ck_assert_msg(en != NULL, "no %s", english);
    ck_assert_msg(zh != NULL, "no %s", chinese);
    char en_names[MAX_ITEMS][64], zh_names[MAX_ITEMS][64];
    int n_en = demos_named(en, en_prefix, en_names, MAX_ITEMS);
    int n_zh = demos_named(zh, zh_prefix, zh_names, MAX_ITEMS);
    ck_assert_msg(n_en > 0, "%s names no demo as [name](%sname.md)", english, en_prefix);
    ck_assert_msg(n_en == n_zh, "%s names %d demos, %s %d", english, n_en, chinese, n_zh);
    for (int i = 0; i < n_en; i++)
        ck_assert_msg(strcmp(en_names[i], zh_names[i]) == 0, "demo %d: %s in %s, %s in %s", i + 1,
                      en_names[i], english, zh_names[i], chinese);
    for (int d = 0; d < demos.n; d++) {
        bool listed = false;
        for (int i = 0; i < n_en && !listed; i++)
            listed = strcmp(en_names[i], demos.name[d]) == 0;
        ck_assert_msg(listed, "%s does not list the demo '%s'", english, demos.name[d]);
    }
    free(en);
    free(zh);
}

/* Every command line of the English page (a line that starts with "make ", up to its comment)
 * is in the Chinese page. */
static void assert_same_commands(const char *english, const char *chinese)
{
    char *en = read_text(english), *zh = read_text(chinese);
    ck_assert_msg(en != NULL, "no %s", english);
    ck_assert_msg(zh != NULL, "no %s", chinese);
    int commands = 0;
    for (const char *at = strstr(en, "\nmake "); at != NULL; at = strstr(at + 1, "\nmake ")) {
        char command[LINE];
        size_t n = strcspn(at + 1, "#\n");
        while (n > 0 && at[n] == ' ')
            n--;
        if (n >= sizeof command)
            n = sizeof command - 1;
        memcpy(command, at + 1, n);
        command[n] = '\0';
        ck_assert_msg(strstr(zh, command) != NULL, "%s has the command '%s', %s does not", english,
                      command, chinese);
        commands++;
    }
    ck_assert_msg(commands > 0, "%s has no command line", english);
    free(en);
    free(zh);
}

START_TEST(the_chinese_course_map_follows_the_english)
{
    assert_same_demos("docs/README.md", "", "docs/README.zh-CN.md", "");
    assert_same_commands("docs/README.md", "docs/README.zh-CN.md");
}
END_TEST

START_TEST(the_chinese_quick_start_follows_the_english)
{
    assert_same_demos("README.md", "docs/", "README.zh-CN.md", "docs/");
    assert_same_commands("README.md", "README.zh-CN.md");
    char *en = read_text("README.md"), *zh = read_text("README.zh-CN.md");
    static const char *const grading[] = {"make grade DEMO=", "make grade MODULE="};
    for (size_t i = 0; i < sizeof grading / sizeof grading[0]; i++)
        ck_assert_msg(strstr(zh, grading[i]) != NULL, "README.zh-CN.md lacks '%s'", grading[i]);
    ck_assert_msg(strstr(en, "README.zh-CN.md") != NULL, "README.md does not link README.zh-CN.md");
    ck_assert_msg(strstr(en, "docs/README.md") != NULL, "README.md does not link the course map");
    free(en);
    free(zh);
}
END_TEST

static Suite *course_suite(void)
{
    find_places();
    list_demos();
    list_sources("tests/grade/broken", ".patch", &broken);
    list_sources("answers", ".c", &answers);
    Suite *suite = suite_create("course");

    TCase *references = tcase_create("references");
    tcase_set_timeout(references, 120);
    tcase_add_test(references, the_grader_passes_every_demo_and_some_modules_own_source);
    suite_add_tcase(suite, references);

    TCase *attempts = tcase_create("broken attempts");
    tcase_set_timeout(attempts, 120);
    tcase_add_test(attempts, each_broken_attempt_fails_for_its_reason);
    suite_add_tcase(suite, attempts);

    TCase *bad = tcase_create("bad input");
    tcase_set_timeout(bad, 60);
    tcase_add_test(bad, an_unknown_name_is_refused_with_the_nearest_one);
    tcase_add_test(bad, a_missing_file_is_refused);
    tcase_add_test(bad, a_file_that_does_not_compile_shows_the_compiler_s_message);
    tcase_add_test(bad, a_module_missing_a_function_is_a_link_failure_named);
    tcase_add_test(bad, a_program_that_hangs_is_killed_and_reported);
    suite_add_tcase(suite, bad);

    TCase *code = tcase_create("answers");
    tcase_set_timeout(code, 120);
    tcase_add_test(code, each_code_answer_keeps_its_claims);
    suite_add_tcase(suite, code);

    TCase *pages = tcase_create("pages");
    tcase_set_timeout(pages, 20);
    tcase_add_loop_test(pages, every_exercise_links_to_its_answer, 0, demos.n);
    tcase_add_test(pages, quotes_from_the_library_are_word_for_word);
    tcase_add_test(pages, the_chinese_course_map_follows_the_english);
    tcase_add_test(pages, the_chinese_quick_start_follows_the_english);
    suite_add_tcase(suite, pages);
    return suite;
}

LAB_TEST_MAIN(course_suite)
