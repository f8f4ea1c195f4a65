/* test_thread.c — names, the registry, joins with and without a limit, Python's exit rule. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "say.h"
#include "thread.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <math.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A gate the test opens when it has looked at the waiting threads. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_opened = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static atomic_bool stop_talking;

static void gate_reset(void)
{
    lab_pthread_mutex_lock(&gate_lock);
    gate_open = false;
    lab_pthread_mutex_unlock(&gate_lock);
}

static void gate_pass(void)
{
    lab_pthread_mutex_lock(&gate_lock);
    while (!gate_open)
        lab_pthread_cond_wait(&gate_opened, &gate_lock);
    lab_pthread_mutex_unlock(&gate_lock);
}

static void gate_open_now(void)
{
    lab_pthread_mutex_lock(&gate_lock);
    gate_open = true;
    lab_pthread_cond_broadcast(&gate_opened);
    lab_pthread_mutex_unlock(&gate_lock);
}

/* Records the names the thread sees; returns its argument. */
typedef struct seen_names {
    char own[LAB_THREAD_NAME_MAX];
    char kernel[16];
} seen_names;

static void *record_names(void *arg)
{
    seen_names *seen = arg;
    snprintf(seen->own, sizeof seen->own, "%s", lab_thread_current_name());
    pthread_getname_np(pthread_self(), seen->kernel, sizeof seen->kernel);
    return arg;
}

START_TEST(threads_know_their_names)
{
    seen_names seen = {0};
    lab_thread *thread =
        lab_thread_start(record_names, &seen, LAB_THREAD_NOT_DAEMON, "car-%s", "MINT");
    ck_assert_str_eq(lab_thread_name(thread), "car-MINT");
    ck_assert_ptr_eq(lab_thread_join(thread), &seen); /* join hands back fn's result */
    ck_assert_str_eq(seen.own, "car-MINT");
    ck_assert_str_eq(seen.kernel, "car-MINT");
    ck_assert_str_eq(lab_thread_current_name(), "main");
}
END_TEST

START_TEST(long_names_are_whole_for_say_and_short_for_the_kernel)
{
    seen_names seen = {0};
    lab_thread_join(
        lab_thread_start(record_names, &seen, LAB_THREAD_NOT_DAEMON, "a-rather-long-thread-name"));
    ck_assert_str_eq(seen.own, "a-rather-long-thread-name");
    ck_assert_str_eq(seen.kernel, "a-rather-long-t"); /* 15 characters */
}
END_TEST

static void *wait_at_gate(void *arg)
{
    gate_pass();
    return arg;
}

START_TEST(registry_counts_and_lists_live_threads_in_start_order)
{
    gate_reset();
    ck_assert_int_eq(lab_thread_active_count(), 1);
    lab_thread *threads[3];
    for (int i = 0; i < 3; i++)
        threads[i] = lab_thread_start(wait_at_gate, NULL, LAB_THREAD_NOT_DAEMON, "waiter-%d", i);
    ck_assert_int_eq(lab_thread_active_count(), 4);
    char names[8][LAB_THREAD_NAME_MAX];
    ck_assert_uint_eq(lab_thread_enumerate(names, 8), 4);
    ck_assert_str_eq(names[0], "main");
    ck_assert_str_eq(names[1], "waiter-0");
    ck_assert_str_eq(names[3], "waiter-2");
    ck_assert_uint_eq(lab_thread_enumerate(names, 2),
                      4); /* the count even when the array is short */
    gate_open_now();
    for (int i = 0; i < 3; i++)
        lab_thread_join(threads[i]);
    ck_assert_int_eq(lab_thread_active_count(), 1);
}
END_TEST

START_TEST(join_with_timeout_gives_up_then_succeeds)
{
    gate_reset();
    int token = 7;
    lab_thread *thread = lab_thread_start(wait_at_gate, &token, LAB_THREAD_NOT_DAEMON, "slow");
    double begin = lab_now();
    ck_assert_int_eq(lab_thread_join_timeout(thread, 0.05, NULL), ETIMEDOUT);
    ck_assert(lab_now() - begin >= 0.05);
    ck_assert(lab_thread_is_alive(thread));
    gate_open_now();
    void *result = NULL;
    ck_assert_int_eq(lab_thread_join_timeout(thread, 10, &result), 0);
    ck_assert_ptr_eq(result, &token);
}
END_TEST

/* The one rule for time: 0 polls; a negative, NaN or infinite duration is refused with
 * EINVAL and changes nothing (never "forever"). */
START_TEST(join_timeout_follows_the_rule_for_time)
{
    gate_reset();
    lab_thread *thread = lab_thread_start(wait_at_gate, NULL, LAB_THREAD_NOT_DAEMON, "slow");
    double begin = lab_now();
    ck_assert_int_eq(lab_thread_join_timeout(thread, 0, NULL), ETIMEDOUT);
    ck_assert_int_eq(lab_thread_join_timeout(thread, -1, NULL), EINVAL);
    ck_assert_int_eq(lab_thread_join_timeout(thread, NAN, NULL), EINVAL);
    ck_assert_int_eq(lab_thread_join_timeout(thread, INFINITY, NULL), EINVAL);
    ck_assert_int_eq(lab_thread_join_timeout(thread, -INFINITY, NULL), EINVAL);
    ck_assert_msg(lab_now() - begin < 1.0, "a refused or polling join waited");
    ck_assert(lab_thread_is_alive(thread));
    gate_open_now();
    ck_assert_int_eq(lab_thread_join_timeout(thread, 10, NULL), 0);
}
END_TEST

static void *return_at_once(void *arg)
{
    return arg;
}

START_TEST(is_alive_turns_false_when_fn_returns)
{
    lab_thread *thread = lab_thread_start(return_at_once, NULL, LAB_THREAD_NOT_DAEMON, "brief");
    for (int i = 0; i < 1000 && lab_thread_is_alive(thread); i++)
        lab_sleep(0.001);
    ck_assert(!lab_thread_is_alive(thread));
    ck_assert_int_eq(lab_thread_active_count(), 1); /* not live, though not joined yet */
    lab_thread_join(thread);
}
END_TEST

/* ---- Python's Thread attributes: daemon, ident, native_id, current/main, stack_size ---- */

/* What a thread sees of itself, recorded for the test thread to check. */
typedef struct self_view {
    const lab_thread *current;
    unsigned long ident; /* pthread_self() */
    long native_id;      /* gettid() */
    bool daemon;         /* lab_thread_is_daemon(lab_thread_current()) */
    bool child_daemon;   /* of a thread it starts with LAB_THREAD_INHERIT */
    size_t stack;        /* its own stack size (pthread_getattr_np) */
} self_view;

static void *look_at_myself(void *arg)
{
    self_view *view = arg;
    view->current = lab_thread_current();
    view->ident = (unsigned long)pthread_self();
    view->native_id = (long)syscall(SYS_gettid);
    view->daemon = lab_thread_is_daemon(view->current);
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        pthread_attr_getstacksize(&attr, &view->stack);
        pthread_attr_destroy(&attr);
    }
    return arg;
}

static void *start_an_inheriting_child(void *arg)
{
    self_view *view = arg;
    look_at_myself(view);
    self_view child = {0};
    lab_thread *thread = lab_thread_start(look_at_myself, &child, LAB_THREAD_INHERIT, "kid");
    lab_thread_join(thread);
    view->child_daemon = child.daemon;
    return arg;
}

START_TEST(daemon_is_read_back_and_inherited_as_python_does)
{
    self_view views[2] = {{0}};
    lab_thread *daemon =
        lab_thread_start(start_an_inheriting_child, &views[0], LAB_THREAD_DAEMON, "d");
    lab_thread *plain =
        lab_thread_start(start_an_inheriting_child, &views[1], LAB_THREAD_NOT_DAEMON, "p");
    ck_assert(lab_thread_is_daemon(daemon));
    ck_assert(!lab_thread_is_daemon(plain));
    lab_thread_join(daemon);
    lab_thread_join(plain);
    ck_assert(views[0].daemon && views[0].child_daemon); /* a daemon's child is a daemon */
    ck_assert(!views[1].daemon && !views[1].child_daemon);
    ck_assert(!lab_thread_is_daemon(lab_thread_main()));
    self_view child = {0}; /* main's INHERIT: main is not a daemon */
    lab_thread *thread = lab_thread_start(look_at_myself, &child, LAB_THREAD_INHERIT, "m");
    ck_assert(!lab_thread_is_daemon(thread));
    lab_thread_join(thread);
}
END_TEST

START_TEST(ident_and_native_id_are_what_the_thread_itself_sees)
{
    gate_reset();
    self_view views[2] = {{0}};
    lab_thread *threads[2];
    for (int i = 0; i < 2; i++) /* both alive at once: their ids must differ */
        threads[i] = lab_thread_start(look_at_myself, &views[i], LAB_THREAD_NOT_DAEMON, "id-%d", i);
    long native[2];
    unsigned long ident[2];
    for (int i = 0; i < 2; i++) {
        native[i] = lab_thread_native_id(threads[i]); /* known as soon as start returned */
        ident[i] = lab_thread_ident(threads[i]);
    }
    for (int i = 0; i < 2; i++)
        lab_thread_join(threads[i]);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(ident[i], views[i].ident);
        ck_assert_int_eq(native[i], views[i].native_id);
        ck_assert_int_ne(native[i], getpid());
        ck_assert_ptr_eq(views[i].current, threads[i]); /* current_thread() is its handle */
    }
    ck_assert_uint_ne(ident[0], ident[1]);
    ck_assert_int_ne(native[0], native[1]);
    /* main: the process's first thread, whose kernel id is the process id */
    ck_assert_ptr_eq(lab_thread_current(), lab_thread_main());
    ck_assert_int_eq(lab_thread_native_id(lab_thread_main()), getpid());
    ck_assert_int_eq(lab_thread_get_native_id(), getpid());
    ck_assert_uint_eq(lab_thread_ident(lab_thread_main()), (unsigned long)pthread_self());
    ck_assert_uint_eq(lab_thread_get_ident(), (unsigned long)pthread_self());
    ck_assert_str_eq(lab_thread_name(lab_thread_main()), "main");
    ck_assert(lab_thread_is_alive(lab_thread_main()));
}
END_TEST

/* A bare pthread (Python's _thread.start_new_thread): unknown to the registry. */
typedef struct bare_view {
    const lab_thread *current;
    char name[LAB_THREAD_NAME_MAX];
    int active;
    unsigned long ident;
    long native_id;
} bare_view;

static void *look_as_a_bare_thread(void *arg)
{
    bare_view *view = arg;
    view->current = lab_thread_current();
    snprintf(view->name, sizeof view->name, "%s", lab_thread_current_name());
    view->active = lab_thread_active_count();
    view->ident = lab_thread_get_ident();
    view->native_id = lab_thread_get_native_id();
    return arg;
}

START_TEST(a_bare_pthread_is_unknown_to_the_registry)
{
    bare_view view = {0};
    pthread_t bare;
    LAB_CHECK(pthread_create(&bare, NULL, look_as_a_bare_thread, &view));
    LAB_CHECK(pthread_join(bare, NULL));
    ck_assert_ptr_null(view.current);
    ck_assert_str_eq(view.name, "?");
    ck_assert_int_eq(view.active, 1); /* only main: the bare thread is not counted */
    ck_assert_uint_eq(view.ident, (unsigned long)bare);
    ck_assert_int_gt(view.native_id, 0);
}
END_TEST

START_TEST(stack_size_applies_to_threads_started_afterwards)
{
    ck_assert_uint_eq(lab_thread_stack_size(), 0); /* the system's default */
    self_view before = {0}, small = {0}, after = {0};
    lab_thread_join(lab_thread_start(look_at_myself, &before, LAB_THREAD_NOT_DAEMON, "default"));
    const size_t wanted = 256 * 1024;
    ck_assert_int_eq(lab_thread_set_stack_size(wanted), 0);
    ck_assert_uint_eq(lab_thread_stack_size(), wanted);
    lab_thread_join(lab_thread_start(look_at_myself, &small, LAB_THREAD_NOT_DAEMON, "small"));
    /* too small: refused, nothing changes (Python: ValueError) */
    ck_assert_int_eq(lab_thread_set_stack_size(1), EINVAL);
    ck_assert_int_eq(lab_thread_set_stack_size(PTHREAD_STACK_MIN - 1), EINVAL);
    ck_assert_uint_eq(lab_thread_stack_size(), wanted);
    ck_assert_int_eq(lab_thread_set_stack_size(0), 0); /* back to the default */
    lab_thread_join(lab_thread_start(look_at_myself, &after, LAB_THREAD_NOT_DAEMON, "again"));
    ck_assert_msg(small.stack >= wanted && small.stack < before.stack,
                  "asked %zu, got %zu (default %zu)", wanted, small.stack, before.stack);
    ck_assert_uint_eq(after.stack, before.stack);
}
END_TEST

static void *rename_then_wait(void *arg)
{
    lab_thread_set_current_name(arg);
    gate_pass();
    return NULL;
}

START_TEST(a_thread_that_renames_itself_is_listed_by_its_new_name)
{
    gate_reset();
    lab_thread *thread =
        lab_thread_start(rename_then_wait, "after", LAB_THREAD_NOT_DAEMON, "before");
    char names[4][LAB_THREAD_NAME_MAX] = {{0}};
    for (int tries = 0; tries < 5000 && strcmp(names[1], "after") != 0; tries++) {
        lab_thread_enumerate(names, 4);
        lab_sleep(0.001);
    }
    gate_open_now();
    lab_thread_join(thread);
    ck_assert_str_eq(names[1], "after");
    lab_thread_set_current_name("boss"); /* main renamed: its handle says so too */
    ck_assert_str_eq(lab_thread_name(lab_thread_main()), "boss");
    ck_assert_str_eq(lab_thread_current_name(), "boss");
    lab_thread_set_current_name("main");
}
END_TEST

/* ---- Python's exit rule, in child processes ---- */

static void *say_later(void *arg)
{
    lab_sleep(0.1);
    printf("%s done\n", (const char *)arg);
    fflush(stdout);
    return NULL;
}

static void *start_another_then_finish(void *arg)
{
    (void)arg;
    lab_sleep(0.05);
    lab_thread_start(say_later, "grandchild", LAB_THREAD_NOT_DAEMON, "grandchild");
    return say_later("child");
}

static void exit_with_non_daemon_threads(void *unused)
{
    (void)unused;
    lab_thread_start(start_another_then_finish, NULL, LAB_THREAD_NOT_DAEMON, "child");
    lab_main_exit(7);
}

START_TEST(main_exit_waits_for_non_daemon_threads_and_their_children)
{
    child_run run = run_in_child(exit_with_non_daemon_threads, NULL, 10);
    ck_assert_int_eq(run.exit_code, 7);
    ck_assert_ptr_nonnull(strstr(run.out, "child done"));
    ck_assert_ptr_nonnull(strstr(run.out, "grandchild done"));
    child_run_free(&run);
}
END_TEST

static void *sleep_long_then_say(void *unused)
{
    (void)unused;
    lab_sleep(20);
    printf("daemon finished\n");
    return NULL;
}

static void exit_with_a_daemon(void *unused)
{
    (void)unused;
    lab_thread_start(sleep_long_then_say, NULL, LAB_THREAD_DAEMON, "daemon");
    lab_main_exit(3);
}

START_TEST(main_exit_cuts_daemon_threads_off)
{
    child_run run = run_in_child(exit_with_a_daemon, NULL, 10);
    ck_assert_int_eq(run.exit_code, 3);
    ck_assert(!run.timed_out);
    ck_assert_ptr_null(strstr(run.out, "daemon finished"));
    child_run_free(&run);
}
END_TEST

/* Make the kernel refuse every new thread of this process, as it does at a thread limit
 * (clone fails with EAGAIN), whatever the machine: a seccomp filter answers clone() with
 * CLONE_THREAD by EAGAIN and clone3() by ENOSYS (its flags are out of the filter's
 * reach; glibc then falls back to clone). fork() (clone without CLONE_THREAD) still
 * works. A lower RLIMIT_NPROC would not do: root ignores it; a huge stack would not
 * either: with memory overcommit it is granted. Returns false when seccomp is missing. */
static bool refuse_new_threads(void)
{
#if defined(__x86_64__)
    const unsigned arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
    const unsigned arch = AUDIT_ARCH_AARCH64;
#else
    const unsigned arch = 0; /* unknown: the filter allows everything, the test says so */
#endif
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAGAIN),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof code / sizeof code[0], .filter = code};
    return arch != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

static void start_when_threads_are_refused(void *unused)
{
    (void)unused;
    if (!refuse_new_threads()) {
        fprintf(stderr, "seccomp is not available: cannot refuse threads\n");
        _exit(99);
    }
    lab_thread_start(return_at_once, NULL, LAB_THREAD_NOT_DAEMON, "doomed");
}

START_TEST(a_refused_thread_is_a_clear_runtime_failure)
{
    child_run run = run_in_child(start_when_threads_are_refused, NULL, 10);
    ck_assert_msg(run.exit_code == 1, "exit %d, stderr: %s", run.exit_code, run.err);
    char expected[128];
    snprintf(expected, sizeof expected, "cannot start thread 'doomed': %s\n", strerror(EAGAIN));
    ck_assert_msg(strstr(run.err, expected) != NULL, "stderr: %s", run.err);
    child_run_free(&run);
}
END_TEST

static void *join_it(void *thread)
{
    return lab_thread_join(thread);
}

/* Two threads join the same (never-ending) thread: the second one is a bug. */
static void join_twice(void *unused)
{
    (void)unused;
    gate_reset();
    lab_thread *thread = lab_thread_start(wait_at_gate, NULL, LAB_THREAD_DAEMON, "twice");
    lab_thread_start(join_it, thread, LAB_THREAD_DAEMON, "joiner");
    lab_sleep(0.05); /* let the joiner claim it first */
    lab_thread_join(thread);
}

START_TEST(joining_a_thread_twice_aborts)
{
    child_run run = run_in_child(join_twice, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_ptr_nonnull(strstr(run.err, "already joined"));
    child_run_free(&run);
}
END_TEST

/* ---- fork(): the child has only the forking thread ---- */

static lab_thread *left_behind;

static void child_sees_only_itself(void *unused)
{
    (void)unused;
    printf("active=%d alive=%d\n", lab_thread_active_count(), lab_thread_is_alive(left_behind));
    char names[4][LAB_THREAD_NAME_MAX];
    printf("live=%zu first=%s\n", lab_thread_enumerate(names, 4), names[0]);
    printf("joined=%p\n", lab_thread_join(left_behind)); /* at once: it is not here */
    fflush(stdout);
    lab_main_exit(5); /* must not wait for the parent's thread */
}

START_TEST(a_forked_child_has_only_the_forking_thread)
{
    gate_reset();
    left_behind = lab_thread_start(wait_at_gate, &gate_open, LAB_THREAD_NOT_DAEMON, "parents");
    child_run run = run_in_child(child_sees_only_itself, NULL, 10);
    gate_open_now();
    ck_assert_ptr_eq(lab_thread_join(left_behind), &gate_open); /* the parent's is still real */
    ck_assert_msg(!run.timed_out && run.exit_code == 5, "exit %d, timed out %d", run.exit_code,
                  run.timed_out);
    ck_assert_str_eq(run.out, "active=1 alive=0\nlive=1 first=main\njoined=(nil)\n");
    child_run_free(&run);
}
END_TEST

/* enumerate() names the main thread by its real name, not always "main". */
START_TEST(enumerate_names_a_renamed_main_thread)
{
    lab_thread_set_current_name("boss");
    char names[4][LAB_THREAD_NAME_MAX];
    ck_assert_uint_eq(lab_thread_enumerate(names, 4), 1);
    ck_assert_str_eq(names[0], "boss");
    lab_thread_set_current_name("main");
}
END_TEST

/* A worker forks; its child writes what it sees (enumerate's first name, its own name,
 * the live count) into a pipe, and the worker hands that text back to the test. */
typedef struct fork_report {
    char text[128];
} fork_report;

static void *fork_and_report(void *arg)
{
    fork_report *report = arg;
    int fds[2];
    if (pipe(fds) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid == 0) {
        char names[4][LAB_THREAD_NAME_MAX] = {{0}};
        size_t live = lab_thread_enumerate(names, 4);
        dprintf(fds[1], "first=%s me=%s live=%zu active=%d", names[0], lab_thread_current_name(),
                live, lab_thread_active_count());
        _exit(0);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], report->text, sizeof report->text - 1);
    report->text[got > 0 ? got : 0] = '\0';
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    return report;
}

START_TEST(a_child_forked_by_a_worker_is_named_after_it)
{
    fork_report report = {{0}};
    lab_thread *forker =
        lab_thread_start(fork_and_report, &report, LAB_THREAD_NOT_DAEMON, "forker");
    ck_assert_ptr_eq(lab_thread_join(forker), &report);
    ck_assert_str_eq(report.text, "first=forker me=forker live=1 active=1");
}
END_TEST

static void *talk_nonstop(void *unused)
{
    (void)unused;
    while (!atomic_load(&stop_talking))
        say("a line from the talker, written while main forks");
    return NULL;
}

START_TEST(fork_while_another_thread_says_never_hangs_the_child)
{
    atomic_store(&stop_talking, false);
    int null = open("/dev/null", O_WRONLY); /* say() writes to fd 1: keep the run's output clean */
    ck_assert_int_ge(null, 0);
    dup2(null, STDOUT_FILENO);
    lab_thread *talker = lab_thread_start(talk_nonstop, NULL, LAB_THREAD_NOT_DAEMON, "talker");
    int hung = 0;
    for (int i = 0; i < 100 && hung == 0; i++) {
        pid_t pid = fork();
        ck_assert_int_ne(pid, -1);
        if (pid == 0) {
            say("the child can still talk"); /* would block forever on a copied, held lock */
            _exit(0);
        }
        int status;
        double give_up = lab_now() + 2;
        while (waitpid(pid, &status, WNOHANG) == 0 && lab_now() < give_up)
            lab_sleep(0.001);
        if (lab_now() >= give_up) {
            hung++;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
    }
    atomic_store(&stop_talking, true);
    lab_thread_join(talker);
    ck_assert_msg(hung == 0, "a child forked while another thread was in say() hung");
}
END_TEST

static Suite *thread_suite(void)
{
    Suite *suite = suite_create("thread registry");
    TCase *tc = tcase_create("thread");
    tcase_set_timeout(tc, 15);
    tcase_add_test(tc, threads_know_their_names);
    tcase_add_test(tc, long_names_are_whole_for_say_and_short_for_the_kernel);
    tcase_add_test(tc, registry_counts_and_lists_live_threads_in_start_order);
    tcase_add_test(tc, join_with_timeout_gives_up_then_succeeds);
    tcase_add_test(tc, join_timeout_follows_the_rule_for_time);
    tcase_add_test(tc, is_alive_turns_false_when_fn_returns);
    tcase_add_test(tc, enumerate_names_a_renamed_main_thread);
    tcase_add_test(tc, a_thread_that_renames_itself_is_listed_by_its_new_name);
    tcase_add_test(tc, daemon_is_read_back_and_inherited_as_python_does);
    tcase_add_loop_test(tc, ident_and_native_id_are_what_the_thread_itself_sees, 0, 5);
    tcase_add_test(tc, a_bare_pthread_is_unknown_to_the_registry);
    tcase_add_test(tc, stack_size_applies_to_threads_started_afterwards);
    tcase_add_test(tc, main_exit_waits_for_non_daemon_threads_and_their_children);
    tcase_add_test(tc, main_exit_cuts_daemon_threads_off);
    tcase_add_test(tc, joining_a_thread_twice_aborts);
    tcase_add_test(tc, fork_while_another_thread_says_never_hangs_the_child);
    suite_add_tcase(suite, tc);
    /* A refused pthread_create on purpose: Helgrind reports it, so make helgrind leaves the
     * "misuse" tag out. */
    TCase *refused = tcase_create("refused");
    tcase_set_tags(refused, "misuse");
    tcase_set_timeout(refused, 15);
    tcase_add_test(refused, a_refused_thread_is_a_clear_runtime_failure);
    suite_add_tcase(suite, refused);
    /* The child of a multithreaded fork calls exit(): GCC 12's LeakSanitizer can hang there
     * (its allocator lock may be copied held), so make asan leaves this tag out. */
    TCase *fork_exit = tcase_create("fork then exit");
    tcase_set_tags(fork_exit, "fork-exit");
    tcase_set_timeout(fork_exit, 15);
    tcase_add_test(fork_exit, a_forked_child_has_only_the_forking_thread);
    tcase_add_test(fork_exit, a_child_forked_by_a_worker_is_named_after_it);
    suite_add_tcase(suite, fork_exit);
    return suite;
}

LAB_TEST_MAIN(thread_suite)
