/* test_ilock.c — the instrumented lock: owners, refused unlocks, the one rule for time (no
 * limit, or >= 0 seconds where 0 polls; bad durations refused), cycles of waits found and
 * explained (never a hang: every wait has a deadline or an end), no false alarm under
 * contention, and the event log. Scenarios whose report is checked run in a child (run_in_child), which
 * ends with lab_result("key=value ...") for the test to read. */
#include "support.h"

#include "checked.h"
#include "clock.h"
#include "ilock.h"
#include "ilock_log.h"
#include "rng.h"
#include "say.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* ---- owners ---- */

typedef struct probe {
    lab_ilock *lock;
    bool held_by_me;
    bool held;
    char owner[LAB_THREAD_NAME_MAX + 8];
    int trylock;
    int unlock;
} probe;

/* What another thread sees of the lock, and whether it can take or release it. */
static void *look_at_lock(void *arg)
{
    probe *p = arg;
    p->held_by_me = lab_ilock_held_by_me(p->lock);
    p->held = lab_ilock_owner(p->lock, p->owner, sizeof p->owner);
    p->trylock = lab_ilock_trylock(p->lock);
    p->unlock = lab_ilock_unlock(p->lock);
    return NULL;
}

START_TEST(owner_is_tracked)
{
    lab_set_quiet(true); /* the refused unlock is said */
    lab_ilock lock;
    ck_assert_int_eq(lab_ilock_init(&lock, "alpha"), 0);
    ck_assert_str_eq(lab_ilock_name(&lock), "alpha");
    ck_assert(!lab_ilock_owner(&lock, NULL, 0));
    ck_assert(!lab_ilock_held_by_me(&lock));

    ck_assert_int_eq(lab_ilock_lock_timeout(&lock, 1), 0);
    char owner[LAB_THREAD_NAME_MAX] = "";
    ck_assert(lab_ilock_owner(&lock, owner, sizeof owner));
    ck_assert_str_eq(owner, "main");
    ck_assert(lab_ilock_held_by_me(&lock));
    ck_assert_int_eq(lab_ilock_trylock(&lock), EBUSY); /* its own holder too: not recursive */

    probe seen = {.lock = &lock};
    lab_thread_join(lab_thread_start(look_at_lock, &seen, LAB_THREAD_NOT_DAEMON, "peeker"));
    ck_assert(!seen.held_by_me);
    ck_assert(seen.held);
    ck_assert_str_eq(seen.owner, "main");
    ck_assert_int_eq(seen.trylock, EBUSY);
    ck_assert_int_eq(seen.unlock, EPERM);

    ck_assert(lab_ilock_held_by_me(&lock)); /* the refused unlock changed nothing */
    ck_assert_int_eq(lab_ilock_unlock(&lock), 0);
    ck_assert(!lab_ilock_owner(&lock, owner, sizeof owner));
    ck_assert_int_eq(lab_ilock_trylock(&lock), 0);
    ck_assert_int_eq(lab_ilock_unlock(&lock), 0);
    lab_ilock_destroy(&lock);
    lab_set_quiet(false); /* for the next test, when they share a process (CK_FORK=no) */
}
END_TEST

static void *unlock_it(void *lock)
{
    return (void *)(long)lab_ilock_unlock(lock);
}

static void unlock_what_others_hold(void *unused)
{
    (void)unused;
    lab_ilock lock;
    LAB_CHECK(lab_ilock_init(&lock, "hepang"));
    int free_unlock = lab_ilock_unlock(&lock);
    LAB_CHECK(lab_ilock_lock_timeout(&lock, 1));
    long foreign =
        (long)lab_thread_join(lab_thread_start(unlock_it, &lock, LAB_THREAD_NOT_DAEMON, "t2"));
    bool still_mine = lab_ilock_held_by_me(&lock);
    int own = lab_ilock_unlock(&lock);
    lab_result("free=%d foreign=%ld still_mine=%d own=%d", free_unlock, foreign, still_mine, own);
}

START_TEST(unlock_by_a_non_owner_is_refused_and_named)
{
    child_run run = run_in_child(unlock_what_others_hold, NULL, 10);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "free"), EPERM);
    ck_assert_int_eq(result_int(&run, "foreign"), EPERM);
    ck_assert_int_eq(result_int(&run, "still_mine"), 1);
    ck_assert_int_eq(result_int(&run, "own"), 0);
    ck_assert_msg(
        strstr(run.out, "| error: main cannot unlock [hepang]: nobody holds it (EPERM)\n"), "%s",
        run.out);
    ck_assert_msg(
        strstr(run.out, "| error: t2 cannot unlock [hepang]: it is held by main (EPERM)\n"), "%s",
        run.out);
    child_run_free(&run);
}
END_TEST

static void *lock_and_end(void *lock)
{
    LAB_CHECK(lab_ilock_lock_timeout(lock, 1));
    return NULL; /* ends holding it */
}

static void lock_abandoned(void *unused)
{
    (void)unused;
    lab_ilock lock;
    LAB_CHECK(lab_ilock_init(&lock, "left"));
    lab_thread_join(lab_thread_start(lock_and_end, &lock, LAB_THREAD_NOT_DAEMON, "t1"));
    char owner[LAB_THREAD_NAME_MAX + 8];
    bool held = lab_ilock_owner(&lock, owner, sizeof owner);
    int rc = lab_ilock_lock_timeout(&lock, 0.1); /* waits for a thread that is gone */
    lab_result("held=%d owner_named=%d rc=%d", held, strcmp(owner, "t1 (ended)") == 0, rc);
}

START_TEST(a_lock_kept_by_an_ended_thread_names_it)
{
    child_run run = run_in_child(lock_abandoned, NULL, 10);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "held"), 1);
    ck_assert_int_eq(result_int(&run, "owner_named"), 1);
    ck_assert_int_eq(result_int(&run, "rc"), ETIMEDOUT);
    ck_assert_msg(
        strstr(run.out, "| timeout: main holds nothing, waits for [left] (held by t1 (ended))\n") &&
            strstr(run.out, "|          t1 ended holding [left]: nobody will ever release it\n"),
        "%s", run.out);
    child_run_free(&run);
}
END_TEST

static void destroy_held(void *unused)
{
    (void)unused;
    lab_ilock lock;
    LAB_CHECK(lab_ilock_init(&lock, "busy"));
    LAB_CHECK(lab_ilock_lock_timeout(&lock, 1));
    lab_ilock_destroy(&lock);
}

START_TEST(destroying_a_held_lock_aborts)
{
    child_run run = run_in_child(destroy_held, NULL, 10);
    ck_assert_int_eq(run.signal, SIGABRT);
    ck_assert_msg(strstr(run.err, "lab_ilock_destroy (the lock is still held)") != NULL, "%s",
                  run.err);
    child_run_free(&run);
}
END_TEST

/* ---- waits, deadlines, deadlocks ---- */

static void *lock_without_deadline(void *lock)
{
    int rc = lab_ilock_lock(lock);
    if (rc == 0)
        rc = lab_ilock_unlock(lock);
    return (void *)(long)rc;
}

START_TEST(no_deadline_waits_until_the_lock_is_free)
{
    lab_ilock lock;
    ck_assert_int_eq(lab_ilock_init(&lock, "slow"), 0);
    ck_assert_int_eq(lab_ilock_lock_timeout(&lock, 1), 0);
    lab_thread *waiter =
        lab_thread_start(lock_without_deadline, &lock, LAB_THREAD_NOT_DAEMON, "patient");
    lab_sleep(0.1); /* long past any deadline it might wrongly have had */
    ck_assert(lab_thread_is_alive(waiter));
    ck_assert_int_eq(lab_ilock_unlock(&lock), 0);
    ck_assert_int_eq((long)lab_thread_join(waiter), 0);
    lab_ilock_destroy(&lock);
}
END_TEST

/* The one rule for time: a negative, NaN or infinite duration is refused, never "forever". */
START_TEST(a_bad_duration_is_refused_and_nothing_happens)
{
    lab_ilock lock;
    ck_assert_int_eq(lab_ilock_init(&lock, "strict"), 0);
    const double bad[] = {-1, -1e-9, -INFINITY, INFINITY, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(lab_ilock_lock_timeout(&lock, bad[i]), EINVAL);
        ck_assert(!lab_ilock_owner(&lock, NULL, 0)); /* not taken */
    }
    ck_assert_int_eq(lab_ilock_lock(&lock), 0);
    ck_assert_int_eq(lab_ilock_lock_timeout(&lock, -1), EINVAL); /* refused before EDEADLK */
    ck_assert(lab_ilock_held_by_me(&lock));
    ck_assert_int_eq(lab_ilock_unlock(&lock), 0);
    lab_ilock_destroy(&lock);
}
END_TEST

static void *poll_once(void *lock)
{
    return (void *)(long)lab_ilock_lock_timeout(lock, 0);
}

/* 0 polls: a free lock is taken, a held one gives its verdict at once. */
START_TEST(zero_seconds_polls)
{
    lab_set_quiet(true); /* the verdicts are said */
    lab_ilock lock;
    ck_assert_int_eq(lab_ilock_init(&lock, "poll"), 0);
    ck_assert_int_eq(lab_ilock_lock_timeout(&lock, 0), 0);
    ck_assert(lab_ilock_held_by_me(&lock));
    ck_assert_int_eq(lab_ilock_lock_timeout(&lock, 0), EDEADLK); /* its own: a deadlock of one */
    double begin = lab_now();
    long rc =
        (long)lab_thread_join(lab_thread_start(poll_once, &lock, LAB_THREAD_NOT_DAEMON, "poller"));
    ck_assert_int_eq(rc, ETIMEDOUT);
    ck_assert(lab_now() - begin < 5); /* it did not wait for the holder */
    ck_assert(lab_ilock_held_by_me(&lock));
    ck_assert_int_eq(lab_ilock_unlock(&lock), 0);
    lab_ilock_destroy(&lock);
    lab_set_quiet(false);
}
END_TEST

static void relock_own_lock(void *unused)
{
    (void)unused;
    lab_ilock lock;
    LAB_CHECK(lab_ilock_init(&lock, "x"));
    LAB_CHECK(lab_ilock_lock_timeout(&lock, 1));
    double begin = lab_now();
    int rc = lab_ilock_lock_timeout(&lock, 20);
    lab_result("rc=%d waited=%.3f", rc, lab_now() - begin);
}

START_TEST(locking_a_lock_you_hold_is_a_deadlock_of_one_reported_at_once)
{
    child_run run = run_in_child(relock_own_lock, NULL, 15);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "rc"), EDEADLK);
    ck_assert(result_double(&run, "waited") < 10); /* not the 20 s deadline */
    ck_assert_msg(strstr(run.out, "| deadlock: main holds [x], waits for [x] (held by main)\n"),
                  "%s", run.out);
    ck_assert_msg(strstr(run.out, "main gives up (EDEADLK) at once"), "%s", run.out);
    child_run_free(&run);
}
END_TEST

/* A ring of n threads: thread i takes lock i, and once all hold theirs, waits for lock
 * i + 1 (mod n). A certain deadlock, found at the deadline. */
typedef struct ring_member {
    lab_ilock *first, *second;
    pthread_barrier_t *all_hold;
    int rc; /* what waiting for the second lock returned */
} ring_member;

static void *hold_then_wait(void *arg)
{
    ring_member *m = arg;
    LAB_CHECK(lab_ilock_lock_timeout(m->first, 5));
    lab_pthread_barrier_wait(m->all_hold); /* everyone holds a lock: nobody can go on */
    m->rc = lab_ilock_lock_timeout(m->second, 0.3);
    if (m->rc == 0)
        LAB_CHECK(lab_ilock_unlock(m->second));
    LAB_CHECK(lab_ilock_unlock(m->first)); /* the victim backs out here: the ring moves */
    return NULL;
}

#define RING_MAX 6

static void build_a_ring(void *size)
{
    int n = *(int *)size;
    lab_ilock locks[RING_MAX];
    ring_member members[RING_MAX];
    lab_thread *threads[RING_MAX];
    pthread_barrier_t all_hold;
    LAB_CHECK(pthread_barrier_init(&all_hold, NULL, (unsigned)n));
    LAB_CHECK(lab_ilock_log_start(64));
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "L%d", i + 1);
        LAB_CHECK(lab_ilock_init(&locks[i], name));
    }
    for (int i = 0; i < n; i++) {
        members[i] = (ring_member){&locks[i], &locks[(i + 1) % n], &all_hold, -1};
        threads[i] =
            lab_thread_start(hold_then_wait, &members[i], LAB_THREAD_NOT_DAEMON, "t%d", i + 1);
    }
    int victims = 0, went_on = 0, deadlock_events = 0;
    for (int i = 0; i < n; i++) {
        lab_thread_join(threads[i]);
        victims += members[i].rc == EDEADLK;
        went_on += members[i].rc == 0;
    }
    lab_ilock_event events[64];
    size_t count = lab_ilock_log_read(events, 64, NULL);
    for (size_t i = 0; i < count; i++)
        deadlock_events += events[i].kind == LAB_ILOCK_DEADLOCK;
    lab_result("victims=%d went_on=%d deadlock_events=%d", victims, went_on, deadlock_events);
}

/* The picture: "deadlock: t1 holds [L1], waits for [L2] (held by t2)", then a line per member. */
static void assert_ring_picture(const child_run *run, int n)
{
    ck_assert_int_eq(count_lines_with(run->out, "| deadlock: "), 1);
    for (int i = 1; i <= n; i++) {
        char line[128];
        snprintf(line, sizeof line, "| %s t%d holds [L%d], waits for [L%d] (held by t%d)\n",
                 i == 1 ? "deadlock:" : "         ", i, i, i % n + 1, i % n + 1);
        ck_assert_msg(strstr(run->out, line) != NULL, "no '%s' in:\n%s", line, run->out);
    }
    ck_assert_int_eq(count_lines_with(run->out, "gives up (EDEADLK) after"), 1);
    ck_assert_int_eq(count_lines_with(run->out, "timeout"), 0);
}

static void check_ring(int n)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        child_run run = run_in_child(build_a_ring, &n, 20);
        assert_exit_ok(&run);
        ck_assert_int_eq(result_int(&run, "victims"), 1);     /* exactly one backs out */
        ck_assert_int_eq(result_int(&run, "went_on"), n - 1); /* the spared ones get their lock */
        ck_assert_int_eq(result_int(&run, "deadlock_events"), 1);
        assert_ring_picture(&run, n);
        child_run_free(&run);
    }
}

START_TEST(a_cycle_of_two_is_found_and_broken)
{
    check_ring(2);
}
END_TEST

START_TEST(a_cycle_of_three_is_found_and_broken)
{
    check_ring(3);
}
END_TEST

START_TEST(a_cycle_of_five_is_found_and_broken)
{
    check_ring(5);
}
END_TEST

/* ---- a timeout without a cycle: t3 waits for B, held by t2, who waits for A, held by main ---- */

static lab_ilock chain_a, chain_b;

static void *hold_b_wait_for_a(void *unused)
{
    (void)unused;
    LAB_CHECK(lab_ilock_lock_timeout(&chain_b, 5));
    int rc = lab_ilock_lock_timeout(&chain_a, 10);
    if (rc == 0)
        LAB_CHECK(lab_ilock_unlock(&chain_a));
    LAB_CHECK(lab_ilock_unlock(&chain_b));
    return (void *)(long)rc;
}

static void *wait_for_b_briefly(void *unused)
{
    (void)unused;
    int rc = lab_ilock_lock_timeout(&chain_b, 0.2);
    if (rc == 0)
        LAB_CHECK(lab_ilock_unlock(&chain_b));
    return (void *)(long)rc;
}

/* Wait (at most 10 s) until the log shows `thread` waiting for `lock`. */
static bool log_shows_waiting(const char *thread, const char *lock)
{
    lab_ilock_event events[64];
    for (int tries = 0; tries < 1000; tries++) {
        size_t count = lab_ilock_log_read(events, 64, NULL);
        for (size_t i = 0; i < count; i++)
            if (events[i].kind == LAB_ILOCK_WAITING && strcmp(events[i].thread, thread) == 0 &&
                strcmp(events[i].lock, lock) == 0)
                return true;
        lab_sleep(0.01);
    }
    return false;
}

static void chain_without_cycle(void *unused)
{
    (void)unused;
    LAB_CHECK(lab_ilock_log_start(64));
    LAB_CHECK(lab_ilock_init(&chain_a, "A"));
    LAB_CHECK(lab_ilock_init(&chain_b, "B"));
    LAB_CHECK(lab_ilock_lock_timeout(&chain_a, 1));
    lab_thread *t2 = lab_thread_start(hold_b_wait_for_a, NULL, LAB_THREAD_NOT_DAEMON, "t2");
    bool t2_waits = log_shows_waiting("t2", "A");
    long t3_rc = (long)lab_thread_join(
        lab_thread_start(wait_for_b_briefly, NULL, LAB_THREAD_NOT_DAEMON, "t3"));
    LAB_CHECK(lab_ilock_unlock(&chain_a));
    long t2_rc = (long)lab_thread_join(t2);
    lab_result("t2_waits=%d t3=%ld t2=%ld", t2_waits, t3_rc, t2_rc);
}

START_TEST(a_timeout_without_a_cycle_shows_the_chain_of_waits)
{
    child_run run = run_in_child(chain_without_cycle, NULL, 20);
    assert_exit_ok(&run);
    ck_assert_int_eq(result_int(&run, "t2_waits"), 1);
    ck_assert_int_eq(result_int(&run, "t3"), ETIMEDOUT);
    ck_assert_int_eq(result_int(&run, "t2"), 0);
    const char *expected[] = {
        "| timeout: t3 holds nothing, waits for [B] (held by t2)\n",
        "|          t2 holds [B], waits for [A] (held by main)\n",
        "|          main holds [A] and waits for no lock",
        "|          t3 gives up (ETIMEDOUT) after 0.",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        ck_assert_msg(strstr(run.out, expected[i]) != NULL, "no '%s' in:\n%s", expected[i],
                      run.out);
    ck_assert_int_eq(count_lines_with(run.out, "deadlock"), 0);
    child_run_free(&run);
}
END_TEST

/* ---- no false alarm: many threads, few locks, always taken in one global order ---- */

#define CONTENDERS 8
#define LOCKS      3
#define ROUNDS     1500

typedef struct contender {
    lab_ilock *locks;
    long *counts; /* counts[i] is protected by locks[i] */
    int index;
    double timeout;
    int deadlocks, timeouts;
} contender;

static void *lock_pairs_in_order(void *arg)
{
    contender *c = arg;
    lab_rng rng = lab_rng_stream((uint64_t)c->index);
    for (int round = 0; round < ROUNDS;) {
        int a = (int)lab_rng_between(&rng, 0, LOCKS - 1);
        int b = (int)lab_rng_between(&rng, 0, LOCKS - 2);
        b += b >= a; /* a different lock */
        int low = a < b ? a : b, high = a < b ? b : a;
        int rc = lab_ilock_lock_timeout(&c->locks[low], c->timeout);
        if (rc == 0) {
            rc = lab_ilock_lock_timeout(&c->locks[high], c->timeout);
            if (rc == 0) {
                c->counts[low]++;
                c->counts[high]++;
                sched_yield(); /* let the others pile up behind us */
                LAB_CHECK(lab_ilock_unlock(&c->locks[high]));
                round++;
            }
            LAB_CHECK(lab_ilock_unlock(&c->locks[low]));
        }
        c->deadlocks += rc == EDEADLK;
        c->timeouts += rc == ETIMEDOUT;
    }
    return NULL;
}

START_TEST(no_deadlock_is_reported_when_locks_are_taken_in_one_order)
{
    lab_set_quiet(true); /* timeouts are said, and there will be many */
    lab_ilock locks[LOCKS];
    long counts[LOCKS] = {0};
    for (int i = 0; i < LOCKS; i++)
        ck_assert_int_eq(lab_ilock_init(&locks[i], i == 0   ? "first"
                                                   : i == 1 ? "second"
                                                            : "third"),
                         0);
    contender contenders[CONTENDERS];
    lab_thread *threads[CONTENDERS];
    for (int i = 0; i < CONTENDERS; i++) {
        /* Half of them look for a cycle at nearly every wait (a microsecond deadline). */
        contenders[i] = (contender){locks, counts, i, i % 2 == 0 ? 1e-6 : 5.0, 0, 0};
        threads[i] =
            lab_thread_start(lock_pairs_in_order, &contenders[i], LAB_THREAD_NOT_DAEMON, "c%d", i);
    }
    int deadlocks = 0, timeouts = 0;
    for (int i = 0; i < CONTENDERS; i++) {
        lab_thread_join(threads[i]);
        deadlocks += contenders[i].deadlocks;
        timeouts += contenders[i].timeouts;
    }
    ck_assert_int_eq(deadlocks, 0);
    ck_assert_msg(timeouts > 0, "no wait ever reached its deadline: the walk was not exercised");
    ck_assert_int_eq(counts[0] + counts[1] + counts[2],
                     2L * CONTENDERS * ROUNDS); /* mutual exclusion */
    for (int i = 0; i < LOCKS; i++) {
        ck_assert(!lab_ilock_owner(&locks[i], NULL, 0));
        lab_ilock_destroy(&locks[i]);
    }
    lab_set_quiet(false);
}
END_TEST

/* ---- the event log ---- */

static lab_ilock logged;

static void *wait_for_logged(void *unused)
{
    (void)unused;
    LAB_CHECK(lab_ilock_lock_timeout(&logged, 10));
    LAB_CHECK(lab_ilock_unlock(&logged));
    return NULL;
}

START_TEST(the_log_records_wait_acquire_release_in_order)
{
    lab_set_quiet(true); /* t3's refused unlock is said */
    ck_assert_int_eq(lab_ilock_log_start(32), 0);
    ck_assert_int_eq(lab_ilock_init(&logged, "A"), 0);
    ck_assert_int_eq(lab_ilock_lock_timeout(&logged, 1), 0);
    lab_thread *t1 = lab_thread_start(wait_for_logged, NULL, LAB_THREAD_NOT_DAEMON, "t1");
    ck_assert(log_shows_waiting("t1", "A"));
    ck_assert_int_eq(lab_ilock_unlock(&logged), 0);
    lab_thread_join(t1);
    lab_thread *t2 =
        lab_thread_start(look_at_lock, &(probe){.lock = &logged}, LAB_THREAD_NOT_DAEMON, "t2");
    lab_thread_join(t2); /* t2 took it with trylock and released it */
    ck_assert_int_eq(lab_ilock_lock_timeout(&logged, 1), 0);
    lab_thread_join(
        lab_thread_start(look_at_lock, &(probe){.lock = &logged}, LAB_THREAD_NOT_DAEMON, "t3"));
    lab_ilock_log_stop();
    ck_assert_int_eq(lab_ilock_unlock(&logged), 0); /* not recorded */

    const struct {
        const char *thread;
        lab_ilock_event_kind kind;
    } expected[] = {
        {"main", LAB_ILOCK_ACQUIRED}, {"t1", LAB_ILOCK_WAITING},    {"main", LAB_ILOCK_RELEASED},
        {"t1", LAB_ILOCK_ACQUIRED},   {"t1", LAB_ILOCK_RELEASED},   {"t2", LAB_ILOCK_ACQUIRED},
        {"t2", LAB_ILOCK_RELEASED},   {"main", LAB_ILOCK_ACQUIRED}, {"t3", LAB_ILOCK_BUSY},
    };
    size_t n = sizeof expected / sizeof expected[0];
    lab_ilock_event events[32];
    size_t dropped = 99;
    ck_assert_uint_eq(lab_ilock_log_read(events, 32, &dropped), n);
    ck_assert_uint_eq(dropped, 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(strcmp(events[i].thread, expected[i].thread) == 0 &&
                          events[i].kind == expected[i].kind,
                      "event %zu: %s %s, want %s %s", i, events[i].thread,
                      lab_ilock_event_name(events[i].kind), expected[i].thread,
                      lab_ilock_event_name(expected[i].kind));
        ck_assert_str_eq(events[i].lock, "A");
        if (i > 0) /* each of these happened after the one before it */
            ck_assert(events[i].time >= events[i - 1].time);
    }
    ck_assert_str_eq(lab_ilock_event_name(LAB_ILOCK_WAITING), "waiting");
    ck_assert_str_eq(lab_ilock_event_name(LAB_ILOCK_TIMEOUT), "timeout");
    ck_assert_uint_eq(lab_ilock_log_read(events, 2, NULL), 2); /* a short array: the first ones */
    lab_ilock_log_free();
    ck_assert_uint_eq(lab_ilock_log_read(events, 32, &dropped), 0);
    lab_ilock_destroy(&logged);
    lab_set_quiet(false);
}
END_TEST

START_TEST(a_full_log_keeps_the_first_events_and_counts_the_rest)
{
    ck_assert_int_eq(lab_ilock_log_start(3), 0);
    lab_ilock lock;
    ck_assert_int_eq(lab_ilock_init(&lock, "busy"), 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(lab_ilock_lock_timeout(&lock, 1), 0);
        ck_assert_int_eq(lab_ilock_unlock(&lock), 0);
    }
    lab_ilock_event events[8];
    size_t dropped = 0;
    ck_assert_uint_eq(lab_ilock_log_read(events, 8, &dropped), 3);
    ck_assert_uint_eq(dropped, 5);
    ck_assert_int_eq(events[0].kind, LAB_ILOCK_ACQUIRED);
    ck_assert_int_eq(events[1].kind, LAB_ILOCK_RELEASED);
    ck_assert_int_eq(events[2].kind, LAB_ILOCK_ACQUIRED);
    ck_assert_int_eq(lab_ilock_log_start(4), 0); /* a fresh log replaces the full one */
    ck_assert_uint_eq(lab_ilock_log_read(events, 8, &dropped), 0);
    ck_assert_uint_eq(dropped, 0);
    lab_ilock_log_free();
    lab_ilock_destroy(&lock);
}
END_TEST

static Suite *ilock_suite(void)
{
    Suite *suite = suite_create("instrumented lock");
    TCase *owners = tcase_create("owners");
    tcase_set_timeout(owners, 20);
    tcase_add_test(owners, owner_is_tracked);
    tcase_add_test(owners, unlock_by_a_non_owner_is_refused_and_named);
    tcase_add_test(owners, a_lock_kept_by_an_ended_thread_names_it);
    tcase_add_test(owners, destroying_a_held_lock_aborts);
    suite_add_tcase(suite, owners);

    TCase *waits = tcase_create("waits");
    tcase_set_timeout(waits, 60);
    tcase_add_test(waits, no_deadline_waits_until_the_lock_is_free);
    tcase_add_test(waits, a_bad_duration_is_refused_and_nothing_happens);
    tcase_add_test(waits, zero_seconds_polls);
    tcase_add_test(waits, locking_a_lock_you_hold_is_a_deadlock_of_one_reported_at_once);
    tcase_add_test(waits, a_cycle_of_two_is_found_and_broken);
    tcase_add_test(waits, a_cycle_of_three_is_found_and_broken);
    tcase_add_test(waits, a_cycle_of_five_is_found_and_broken);
    tcase_add_test(waits, a_timeout_without_a_cycle_shows_the_chain_of_waits);
    tcase_add_test(waits, no_deadlock_is_reported_when_locks_are_taken_in_one_order);
    suite_add_tcase(suite, waits);

    TCase *log = tcase_create("log");
    tcase_set_timeout(log, 20);
    tcase_add_test(log, the_log_records_wait_acquire_release_in_order);
    tcase_add_test(log, a_full_log_keeps_the_first_events_and_counts_the_rest);
    suite_add_tcase(suite, log);
    return suite;
}

LAB_TEST_MAIN(ilock_suite)
