/* test_bsem.c — the bounded semaphore: never more holders than permits, over-release is an
 * error the caller sees, timeouts report timeout, and the bound holds under contention. */
#include "support.h"

#include "bsem.h"
#include "checked.h"
#include "clock.h"
#include "thread.h"

#include <errno.h>
#include <math.h>
#include <semaphore.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

START_TEST(init_refuses_a_negative_value)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, -1), EINVAL);
    ck_assert_int_eq(lab_bsem_init(&sem, 3), 0);
    ck_assert_int_eq(lab_bsem_value(&sem), 3);
    ck_assert_int_eq(lab_bsem_bound(&sem), 3);
    lab_bsem_destroy(&sem);
}
END_TEST

START_TEST(try_acquire_takes_what_is_left_and_no_more)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, 2), 0);
    ck_assert_int_eq(lab_bsem_try_acquire(&sem), 0);
    ck_assert_int_eq(lab_bsem_try_acquire(&sem), 0);
    ck_assert_int_eq(lab_bsem_try_acquire(&sem), EAGAIN); /* acquire(False), empty */
    ck_assert_int_eq(lab_bsem_value(&sem), 0);
    ck_assert_int_eq(lab_bsem_release(&sem), 0);
    ck_assert_int_eq(lab_bsem_try_acquire(&sem), 0);
    lab_bsem_destroy(&sem);
}
END_TEST

START_TEST(release_past_the_bound_is_an_error_and_changes_nothing)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, 2), 0);
    ck_assert_int_eq(lab_bsem_release(&sem), EOVERFLOW); /* full from the start */
    ck_assert_int_eq(lab_bsem_value(&sem), 2);
    lab_bsem_acquire(&sem);
    ck_assert_int_eq(lab_bsem_release(&sem), 0);
    ck_assert_int_eq(lab_bsem_release(&sem), EOVERFLOW);
    ck_assert_int_eq(lab_bsem_value(&sem), 2);
    lab_bsem_destroy(&sem);

    ck_assert_int_eq(lab_bsem_init(&sem, 0), 0); /* a zero bound: nothing to take or give */
    ck_assert_int_eq(lab_bsem_try_acquire(&sem), EAGAIN);
    ck_assert_int_eq(lab_bsem_release(&sem), EOVERFLOW);
    lab_bsem_destroy(&sem);
}
END_TEST

/* The rule for time: a bad duration is refused and takes nothing, even with permits left;
 * 0 polls, taking a permit when there is one and ETIMEDOUT when there is none. */
START_TEST(timed_acquire_refuses_bad_durations_and_zero_polls)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, 1), 0);
    const double bad[] = {-1, -1e-9, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, bad[i]), EINVAL);
        ck_assert_int_eq(lab_bsem_value(&sem), 1); /* nothing taken */
    }
    double begin = lab_now();
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, 0), 0); /* available: taken */
    ck_assert_int_eq(lab_bsem_value(&sem), 0);
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, 0), ETIMEDOUT); /* none: at once */
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, NAN), EINVAL);
    ck_assert_int_eq(lab_bsem_value(&sem), 0);
    ck_assert_msg(lab_now() - begin < 1.0, "a poll blocked");
    ck_assert_int_eq(lab_bsem_release(&sem), 0);
    lab_bsem_destroy(&sem);
}
END_TEST

/* The contrast the header explains: a POSIX sem_t takes the extra post without a word. */
START_TEST(posix_sem_t_alone_has_no_bound)
{
    sem_t plain;
    LAB_CHECK_ERRNO(sem_init(&plain, 0, 2));
    ck_assert_int_eq(sem_post(&plain), 0);
    int value = 0;
    LAB_CHECK_ERRNO(sem_getvalue(&plain, &value));
    ck_assert_int_eq(value, 3); /* room for one holder too many */
    LAB_CHECK_ERRNO(sem_destroy(&plain));
}
END_TEST

START_TEST(timed_acquire_on_an_empty_semaphore_times_out_in_time)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, 1), 0);
    lab_bsem_acquire(&sem);
    double begin = lab_now();
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, 0.05), ETIMEDOUT);
    double waited = lab_now() - begin;
    ck_assert_msg(waited >= 0.05, "gave up after %.3f s, before the 0.05 s timeout", waited);
    ck_assert_msg(waited < 2.0, "a 0.05 s timeout took %.3f s", waited);
    begin = lab_now();
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, 0), ETIMEDOUT); /* zero polls */
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, -1), EINVAL);   /* never "forever" */
    ck_assert(lab_now() - begin < 1.0);
    ck_assert_int_eq(lab_bsem_value(&sem), 0);
    lab_bsem_destroy(&sem);
}
END_TEST

START_TEST(timed_acquire_follows_the_speed_factor)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, 0), 0);
    lab_set_speed(10); /* 0.5 class seconds = 0.05 real seconds */
    double begin = lab_now();
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, 0.5), ETIMEDOUT);
    double waited = lab_now() - begin;
    lab_set_speed(1);
    ck_assert(waited >= 0.05);
    ck_assert_msg(waited < 0.45, "the speed factor was ignored: %.3f s", waited);
    lab_bsem_destroy(&sem);
}
END_TEST

static void *release_after_a_pause(void *arg)
{
    lab_sleep(0.05);
    int *rc = lab_calloc(1, sizeof *rc);
    *rc = lab_bsem_release(arg);
    return rc;
}

START_TEST(a_release_wakes_a_timed_and_a_blocking_acquire)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, 1), 0);
    lab_bsem_acquire(&sem);
    lab_thread *helper =
        lab_thread_start(release_after_a_pause, &sem, LAB_THREAD_NOT_DAEMON, "releaser");
    ck_assert_int_eq(lab_bsem_acquire_timeout(&sem, 10), 0); /* woken well before the limit */
    int *rc = lab_thread_join(helper);
    ck_assert_int_eq(*rc, 0);
    free(rc);

    helper = lab_thread_start(release_after_a_pause, &sem, LAB_THREAD_NOT_DAEMON, "releaser");
    lab_bsem_acquire(&sem); /* blocks until the helper releases */
    rc = lab_thread_join(helper);
    ck_assert_int_eq(*rc, 0);
    free(rc);
    ck_assert_int_eq(lab_bsem_value(&sem), 0);
    lab_bsem_destroy(&sem);
}
END_TEST

/* ---- contention ---- */

enum { PERMITS = 3, WORKERS = 12, ROUNDS = 2000 };

typedef struct shared_room {
    lab_bsem sem;
    atomic_int inside;      /* holders right now */
    atomic_int most_inside; /* the highest `inside` ever seen */
    atomic_long entries;
    atomic_int bad_releases; /* releases that reported an error: must stay 0 */
} shared_room;

typedef struct worker {
    shared_room *room;
    int style; /* 0: blocking, 1: try in a loop, 2: timed */
} worker;

static void note_most(atomic_int *most, int now)
{
    int seen = atomic_load(most);
    while (now > seen && !atomic_compare_exchange_weak(most, &seen, now))
        ;
}

static void *enter_and_leave_many_times(void *arg)
{
    worker *w = arg;
    shared_room *room = w->room;
    for (int i = 0; i < ROUNDS; i++) {
        if (w->style == 0)
            lab_bsem_acquire(&room->sem);
        else if (w->style == 1)
            while (lab_bsem_try_acquire(&room->sem) != 0)
                sched_yield();
        else
            while (lab_bsem_acquire_timeout(&room->sem, 0.001) != 0)
                ;
        note_most(&room->most_inside, atomic_fetch_add(&room->inside, 1) + 1);
        atomic_fetch_add(&room->entries, 1);
        if (i % 64 == 0)
            sched_yield(); /* let others pile up at the door */
        atomic_fetch_sub(&room->inside, 1);
        if (lab_bsem_release(&room->sem) != 0)
            atomic_fetch_add(&room->bad_releases, 1);
    }
    return NULL;
}

START_TEST(never_more_holders_than_permits)
{
    shared_room room = {0};
    ck_assert_int_eq(lab_bsem_init(&room.sem, PERMITS), 0);
    worker workers[WORKERS];
    lab_thread *threads[WORKERS];
    for (int i = 0; i < WORKERS; i++) {
        workers[i] = (worker){.room = &room, .style = i % 3};
        threads[i] = lab_thread_start(enter_and_leave_many_times, &workers[i],
                                      LAB_THREAD_NOT_DAEMON, "w%d", i);
    }
    for (int i = 0; i < WORKERS; i++)
        lab_thread_join(threads[i]);
    int most_inside = atomic_load(&room.most_inside);
    long entries = atomic_load(&room.entries);
    int bad_releases = atomic_load(&room.bad_releases);
    ck_assert_int_le(most_inside, PERMITS);
    ck_assert_int_ge(most_inside, 1);
    ck_assert_int_eq(entries, (long)WORKERS * ROUNDS);
    ck_assert_int_eq(bad_releases, 0);
    ck_assert_int_eq(lab_bsem_value(&room.sem), PERMITS); /* every permit came back */
    lab_bsem_destroy(&room.sem);
}
END_TEST

/* Releasers racing each other: exactly as many succeed as there was room for. This is
 * the check-then-act that sem_getvalue + sem_post gets wrong. */
enum { RELEASERS = 8, ROOM = 3 };

typedef struct release_race {
    lab_bsem sem;
    pthread_barrier_t start;
    atomic_int succeeded, refused, other;
} release_race;

static void *release_once_at_the_barrier(void *arg)
{
    release_race *race = arg;
    lab_pthread_barrier_wait(&race->start);
    int rc = lab_bsem_release(&race->sem);
    atomic_fetch_add(rc == 0           ? &race->succeeded
                     : rc == EOVERFLOW ? &race->refused
                                       : &race->other,
                     1);
    return NULL;
}

START_TEST(racing_releases_never_pass_the_bound)
{
    release_race race = {0};
    ck_assert_int_eq(lab_bsem_init(&race.sem, 5), 0);
    for (int i = 0; i < ROOM; i++)
        lab_bsem_acquire(&race.sem);
    LAB_CHECK(pthread_barrier_init(&race.start, NULL, RELEASERS));
    lab_thread *threads[RELEASERS];
    for (int i = 0; i < RELEASERS; i++)
        threads[i] =
            lab_thread_start(release_once_at_the_barrier, &race, LAB_THREAD_NOT_DAEMON, "r%d", i);
    for (int i = 0; i < RELEASERS; i++)
        lab_thread_join(threads[i]);
    int succeeded = atomic_load(&race.succeeded), refused = atomic_load(&race.refused);
    int other = atomic_load(&race.other);
    ck_assert_int_eq(succeeded, ROOM);
    ck_assert_int_eq(refused, RELEASERS - ROOM);
    ck_assert_int_eq(other, 0);
    ck_assert_int_eq(lab_bsem_value(&race.sem), 5);
    lab_pthread_barrier_destroy(&race.start);
    lab_bsem_destroy(&race.sem);
}
END_TEST

/* A timed acquire that times out just as a release comes: the permit is never lost.
 * Either the waiter took it (it was counted on as a waiter when its time ran out) or it
 * is still in the semaphore. */
typedef struct late_release {
    lab_bsem *sem;
    pthread_barrier_t *start;
    int rc;
} late_release;

static void *release_at_the_barrier(void *arg)
{
    late_release *l = arg;
    lab_pthread_barrier_wait(l->start);
    lab_sleep(0.0005); /* about when the waiter's time runs out */
    l->rc = lab_bsem_release(l->sem);
    return NULL;
}

START_TEST(a_permit_released_as_a_timed_wait_ends_is_never_lost)
{
    pthread_barrier_t start;
    LAB_CHECK(pthread_barrier_init(&start, NULL, 2));
    int taken = 0;
    for (int round = 0; round < 200; round++) {
        lab_bsem sem;
        ck_assert_int_eq(lab_bsem_init(&sem, 1), 0);
        lab_bsem_acquire(&sem);
        late_release l = {&sem, &start, -1};
        lab_thread *t =
            lab_thread_start(release_at_the_barrier, &l, LAB_THREAD_NOT_DAEMON, "releaser");
        lab_pthread_barrier_wait(&start);
        int rc = lab_bsem_acquire_timeout(&sem, 0.0005);
        lab_thread_join(t);
        ck_assert_int_eq(l.rc, 0);
        ck_assert(rc == 0 || rc == ETIMEDOUT);
        /* one permit came back: the waiter has it, or the semaphore does */
        ck_assert_int_eq((rc == 0) + lab_bsem_value(&sem), 1);
        taken += rc == 0;
        lab_bsem_destroy(&sem);
    }
    (void)taken; /* either outcome is right; which one depends on the schedule */
    lab_pthread_barrier_destroy(&start);
}
END_TEST

/* Many threads blocked at once, then as many releases: every one of them wakes (no
 * wake-up is lost), and the count ends where it started. */
enum { SLEEPERS = 6 };

static void *acquire_then_note(void *arg)
{
    lab_bsem *sem = arg;
    lab_bsem_acquire(sem);
    return NULL;
}

START_TEST(every_blocked_acquirer_wakes_for_its_release)
{
    lab_bsem sem;
    ck_assert_int_eq(lab_bsem_init(&sem, SLEEPERS), 0);
    for (int i = 0; i < SLEEPERS; i++)
        lab_bsem_acquire(&sem);
    lab_thread *threads[SLEEPERS];
    for (int i = 0; i < SLEEPERS; i++)
        threads[i] = lab_thread_start(acquire_then_note, &sem, LAB_THREAD_NOT_DAEMON, "s%d", i);
    lab_sleep(0.02); /* most are asleep by now; correct either way */
    for (int i = 0; i < SLEEPERS; i++)
        ck_assert_int_eq(lab_bsem_release(&sem), 0);
    for (int i = 0; i < SLEEPERS; i++)
        lab_thread_join(threads[i]); /* bounded by the tcase timeout */
    ck_assert_int_eq(lab_bsem_value(&sem), 0);
    for (int i = 0; i < SLEEPERS; i++)
        ck_assert_int_eq(lab_bsem_release(&sem), 0);
    ck_assert_int_eq(lab_bsem_release(&sem), EOVERFLOW);
    lab_bsem_destroy(&sem);
}
END_TEST

static Suite *bsem_suite(void)
{
    Suite *suite = suite_create("bsem");
    TCase *semantics = tcase_create("semantics");
    tcase_set_timeout(semantics, 10);
    tcase_add_test(semantics, init_refuses_a_negative_value);
    tcase_add_test(semantics, try_acquire_takes_what_is_left_and_no_more);
    tcase_add_test(semantics, release_past_the_bound_is_an_error_and_changes_nothing);
    tcase_add_test(semantics, posix_sem_t_alone_has_no_bound);
    tcase_add_test(semantics, timed_acquire_on_an_empty_semaphore_times_out_in_time);
    tcase_add_test(semantics, timed_acquire_follows_the_speed_factor);
    tcase_add_test(semantics, timed_acquire_refuses_bad_durations_and_zero_polls);
    tcase_add_test(semantics, a_release_wakes_a_timed_and_a_blocking_acquire);
    suite_add_tcase(suite, semantics);

    TCase *contention = tcase_create("contention");
    tcase_set_timeout(contention, 60);
    tcase_add_loop_test(contention, never_more_holders_than_permits, 0, 5);
    tcase_add_loop_test(contention, racing_releases_never_pass_the_bound, 0, 50);
    tcase_add_test(contention, a_permit_released_as_a_timed_wait_ends_is_never_lost);
    tcase_add_loop_test(contention, every_blocked_acquirer_wakes_for_its_release, 0, 5);
    suite_add_tcase(suite, contention);
    return suite;
}

LAB_TEST_MAIN(bsem_suite)
