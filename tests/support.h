/* support.h — what every threadlab test suite shares.
 *
 * - LAB_TEST_MAIN(make_suite): a Check runner main() for one suite; it fails when the
 *   suite ran no test at all (a mistyped suite would otherwise still say 100%).
 * - run_demo(): run a built demo program as a child process with a time limit and
 *   collect its exit status, stdout and stderr.
 * - run_in_child(): the same for a function of the test (fatal paths, output capture).
 * - result_*(): read keys of the demo's final "result: key=value ..." line.
 * Everything here runs in the test's own thread: a failed ck_assert is always safe.
 */
#ifndef THREADLAB_TEST_SUPPORT_H
#define THREADLAB_TEST_SUPPORT_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define RUN_TIMEOUT 30.0 /* seconds a child may run before it is killed */

typedef struct child_run {
    int exit_code;  /* exit status, or -1 when ended by a signal */
    int signal;     /* the signal that ended it, or 0 */
    bool timed_out; /* killed because it ran past its time limit */
    char *out;      /* everything it wrote on stdout (NUL-terminated) */
    char *err;      /* everything it wrote on stderr */
    double seconds; /* how long it ran, wall clock */
} child_run;

/* Run demo `name` with the given arguments (a NULL-terminated list). */
child_run run_demo(const char *name, ...) __attribute__((sentinel));
/* The same with an argument array (NULL-terminated) and an explicit time limit. */
child_run run_demo_argv(const char *name, const char *const *args, double timeout);
/* Run fn(arg) in a forked child with stdout/stderr captured; exit code 0 if it returns. */
child_run run_in_child(void (*fn)(void *), void *arg, double timeout);
/* Start demo `name` in the background with these arguments (NULL-terminated), its output
 * thrown away; returns its pid. Pair it with wait_for_exit(). */
pid_t start_demo_quietly(const char *name, const char *const *args);
/* Wait at most `seconds` for pid to end; true with its wait status in *status when it did.
 * When it did not, it is killed (SIGKILL) and reaped, and false is returned: nothing is
 * ever left running. */
bool wait_for_exit(pid_t pid, double seconds, int *status);
/* The one policy for "a broken variant shows its bug": run demo `name` with args
 * (NULL-terminated; each run picks a fresh seed unless args give one) up to BUG_TRIES
 * times. After each run, check(run) asserts what must hold in *every* run and returns how
 * much of the bug that run showed (0: none). Stops at the first run that shows it and
 * returns that amount; returns 0 when BUG_TRIES runs showed nothing, and the caller fails
 * with a message that says what was expected. Runs are never retried to hide a failure of
 * an invariant: check() fails the test at once. */
#define BUG_TRIES 6
long run_until_bug_shows(const char *name, const char *const *args,
                         long (*check)(const child_run *run));
/* Free what a run collected. */
void child_run_free(child_run *run);

/* The path of a built demo: $LAB_BIN_DIR/<name>, or <this test's directory>/../<name>. */
const char *demo_path(const char *name);

/* Whether the run printed a result line containing key. */
bool result_has(const child_run *run, const char *key);
/* The value of key in the result line, as text; fails the test when missing. */
const char *result_text(const child_run *run, const char *key, char *buffer, size_t size);
/* Assert the text value of key in the result line; fails the test when missing. */
void assert_result_text(const child_run *run, const char *key, const char *expected);
/* The value of key as a whole number; fails the test when missing or not a number. */
long long result_int(const child_run *run, const char *key);
/* The value of key as a real number; fails the test when missing or not a number. */
double result_double(const child_run *run, const char *key);

/* Assert the run exited 0, not by timeout or signal; shows its stderr when not. */
void assert_exit_ok(const child_run *run);
/* Assert the demo refuses these arguments as a usage error: exit 2, nothing on stdout,
 * the first stderr line names the demo and the second is the usage hint. */
void assert_usage_error(const char *name, ...) __attribute__((sentinel));
/* How many lines of text contain needle. */
int count_lines_with(const char *text, const char *needle);

/* Run one suite in fork mode; 0 when every test passed. */
int lab_run_suite(Suite *suite);
#define LAB_TEST_MAIN(make_suite)           \
    int main(void)                          \
    {                                       \
        return lab_run_suite(make_suite()); \
    }

#endif
