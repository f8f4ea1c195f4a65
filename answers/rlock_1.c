/* Reference answer to exercise 1 of docs/rlock.md (explained in docs/answers/rlock.md):
 * part 3 with a plain (error-checking) mutex instead of the recursive one: add_one is
 * split into add_one_locked (the caller holds counter_lock) and add_one (takes it itself).
 * An error-checking mutex would abort with EDEADLK if anyone still locked it twice.
 * Built by make test into build/<variant>/answers/; tests/test_course.c checks the claims
 * below (ARGS => an awk expression over its result: line) and grades it as the demo.
 * grade: demo rlock
 * check: --threads 20 --speed 50 --quiet => counter == expected
 * The rest of the file is demos/rlock.c unchanged: diff the two.
 */
/* rlock — a lock taken twice by the thread that holds it: a plain mutex never returns (an
 * error-checking one says EDEADLK), a recursive one counts, and only its owner may release it.
 *
 * Python (The threading catalogue, the "first kind of deadlock" and RLock; Threads and
 * processes, Lock vs RLock): lock = Lock(); lock.acquire(); lock.acquire() never returns: a
 * Lock does not know who holds it, so its holder waits for itself. An RLock knows its owner and
 * counts: acquire twice, release twice. Then 10 threads add 1 to a global under an RLock. In C:
 *   part 1  --plain=errorcheck (default): PTHREAD_MUTEX_ERRORCHECK knows its owner and
 *           answers the second lock with EDEADLK at once. --plain=normal: the default kind,
 *           like Python's Lock, would wait forever; shown with a deadline
 *           (pthread_mutex_timedlock): ETIMEDOUT after --timeout s; --timeout 0: the hang, for
 *           gdb. --plain=ilock: the instrumented lock (common/ilock.h) explains what it sees.
 *   part 2  PTHREAD_MUTEX_RECURSIVE taken --depth times must be released as many times;
 *           another thread's unlock is refused (EPERM), as Python refuses it for an RLock.
 *   part 3  --threads threads add 1 to a counter under the recursive mutex, through a helper
 *           that locks it again: the case where recursion is really needed.
 * Observe: "lock acquire...1" but never "...2" with a plain lock; the depth going up and down.
 */
#include "lab.h"
#include "ilock.h"

#include <errno.h>

static int plain = 0;
static const char *const plain_kinds[] = {"errorcheck", "normal", "ilock", NULL};
enum { PLAIN_ERRORCHECK, PLAIN_NORMAL, PLAIN_ILOCK };
static double timeout = 1, seconds = 0.2; /* seconds: the tutorial sleeps 1 s inside the lock */
static int depth = 2, threads = 10;

static pthread_mutex_t rlock;        /* PTHREAD_MUTEX_RECURSIVE, made in main */
static long counter;                 /* protected by counter_lock (part 3) */
static pthread_mutex_t counter_lock; /* PTHREAD_MUTEX_ERRORCHECK: a second lock is EDEADLK */

static const char *code_name(int rc)
{
    const char *name = rc == 0 ? "0" : rc == ETIMEDOUT ? "timeout" : strerrorname_np(rc);
    return name != NULL ? name : "unknown"; /* "EDEADLK", "EPERM", "EBUSY"... */
}

/* Part 1, with a pthread mutex: lock it, then lock it again from the same thread. */
static int lock_a_mutex_twice(void)
{
    pthread_mutex_t lock;
    LAB_SETUP(lab_pthread_mutex_init_kind(
        &lock, plain == PLAIN_ERRORCHECK ? PTHREAD_MUTEX_ERRORCHECK : PTHREAD_MUTEX_NORMAL));
    lab_pthread_mutex_lock(&lock);
    say("lock acquire...1");
    int rc;
    if (plain == PLAIN_ERRORCHECK) {
        rc = pthread_mutex_lock(&lock); /* it knows main holds it: EDEADLK, at once */
    } else if (timeout > 0) {
        say("a normal mutex does not check who holds it: main now waits for itself (giving up "
            "after %g s)",
            timeout);
        struct timespec deadline = lab_timespec_after(CLOCK_REALTIME, lab_real_seconds(timeout));
        rc = pthread_mutex_timedlock(&lock, &deadline); /* not clocklock: see contributing.md */
    } else {
        say("a normal mutex does not check who holds it: main now waits for itself, forever "
            "(Ctrl-C ends it)");
        rc = pthread_mutex_lock(&lock); /* never returns */
    }
    if (rc == 0) { /* cannot happen: the lock is held */
        say("lock acquire...2");
        lab_pthread_mutex_unlock(&lock);
    }
    lab_pthread_mutex_unlock(&lock);
    lab_pthread_mutex_destroy(&lock);
    return rc;
}

/* Part 1, ilock: with a deadline it sees its holder ask again: EDEADLK, at once (else: hangs). */
static int lock_an_ilock_twice(void)
{
    lab_ilock lock;
    LAB_SETUP(lab_ilock_init(&lock, "lock"));
    LAB_CHECK(lab_ilock_lock(&lock)); /* free: 0 */
    say("lock acquire...1");
    int rc = timeout > 0 ? lab_ilock_lock_timeout(&lock, timeout) : lab_ilock_lock(&lock);
    LAB_CHECK(lab_ilock_unlock(&lock));
    lab_ilock_destroy(&lock);
    return rc;
}

/* Part 2: another thread tries to release the recursive mutex main holds. */
static void *unlock_what_main_holds(void *unused)
{
    (void)unused;
    int rc = pthread_mutex_unlock(&rlock); /* not the owner: refused, the lock is untouched */
    say("pthread_mutex_unlock from here: %s (%s)", code_name(rc), strerror(rc));
    return (void *)(long)rc;
}

/* Part 2: whether another thread could take the recursive mutex now. */
static void *try_to_take_it(void *unused)
{
    (void)unused;
    int rc = pthread_mutex_trylock(&rlock);
    if (rc == 0)
        lab_pthread_mutex_unlock(&rlock);
    say("pthread_mutex_trylock from here: %s", rc == 0       ? "got it, the lock is free"
                                               : rc == EBUSY ? "EBUSY, still held"
                                                             : code_name(rc));
    return (void *)(long)rc;
}

static int in_another_thread(void *(*fn)(void *), const char *name)
{
    return (int)(long)lab_thread_join(
        lab_thread_start(fn, NULL, LAB_THREAD_NOT_DAEMON, "%s", name));
}

/* Part 2: take it depth times, then release it until another thread can take it.
 * Returns how many releases that took, and the foreign unlock's code in *foreign. */
static int recursive_up_and_down(int *foreign)
{
    for (int level = 1; level <= depth; level++) {
        lab_pthread_mutex_lock(&rlock); /* the owner again: the count goes up, no waiting */
        say("lock acquire...%d (depth %d)", level, level);
    }
    *foreign = in_another_thread(unlock_what_main_holds, "intruder");
    int released = 0;
    do {
        lab_pthread_mutex_unlock(&rlock);
        released++;
        say("lock release (depth %d)", depth - released);
    } while (in_another_thread(try_to_take_it, "other") == EBUSY); /* still held: one more owed */
    return released;
}

/* Part 3. LOCKING PROTOCOL: add_one_locked() expects the caller to hold counter_lock;
 * add_one() takes counter_lock itself and must not be called with it held. */
static long add_one_locked(void)
{
    return ++counter;
}

/* For callers that do not hold counter_lock (none in this program; kept as the API). */
__attribute__((unused)) static long add_one(void)
{
    lab_pthread_mutex_lock(&counter_lock);
    long value = add_one_locked();
    lab_pthread_mutex_unlock(&counter_lock);
    return value;
}

/* The tutorial's func(): under the lock, add one, sleep, print the counter: still its own. */
static void *work(void *unused)
{
    (void)unused;
    lab_pthread_mutex_lock(&counter_lock);
    long mine = add_one_locked(); /* we hold counter_lock: the _locked version, no second lock */
    lab_sleep(seconds);
    say("gl_num = %ld (mine: %ld)", counter, mine); /* nobody could add meanwhile */
    lab_pthread_mutex_unlock(&counter_lock);
    return NULL;
}

static const lab_option options[] = {
    LAB_CHOICE("plain", &plain, plain_kinds, "part 1: errorcheck, normal (with a deadline), ilock"),
    LAB_DOUBLE("timeout", &timeout, 0, 60, "S", "part 1: the second lock's deadline; 0: forever"),
    LAB_INT("depth", &depth, 1, 100, "N", "part 2: times the owner takes the recursive lock"),
    LAB_INT("threads", &threads, 1, 1000, "N", "part 3: threads adding 1 under the recursive lock"),
    LAB_DOUBLE("seconds", &seconds, 0, 10, "S", "part 3: the sleep inside the lock (tutorial: 1)"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "rlock",
    .summary = "a lock taken twice by its holder: plain hangs or says EDEADLK, recursive counts",
    .python = "lock = Lock(); lock.acquire(); lock.acquire()  vs  lock = RLock() ... "
              "(The threading catalogue; Threads and processes)",
    .details = "1. a plain mutex locked twice: EDEADLK (errorcheck), a timeout (normal) or the\n"
               "   ilock's explanation; --timeout 0 hangs (gdb). 2. a recursive mutex locked\n"
               "   --depth times, released as many; a foreign unlock: EPERM. 3. --threads threads\n"
               "   add 1 under it, through a helper that locks it again.",
    .options = options,
    .invariant = "plain_second_acquire != \"0\" && foreign_unlock == \"EPERM\" && "
                 "counter == expected", /* what --explore checks */
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    lab_print("== 1. a plain lock (--plain=%s), acquired twice by the thread that holds it ==",
              plain_kinds[plain]);
    int second = plain == PLAIN_ILOCK ? lock_an_ilock_twice() : lock_a_mutex_twice();
    say("second acquire: %s", second == EDEADLK ? "EDEADLK, the lock saw its holder asking again"
                              : second == ETIMEDOUT
                                  ? "timeout; without a deadline it would never return"
                                  : code_name(second));

    lab_print("== 2. a recursive lock: acquired %d times, released as many, by its owner only ==",
              depth);
    LAB_SETUP(lab_pthread_mutex_init_kind(&rlock, PTHREAD_MUTEX_RECURSIVE));
    LAB_SETUP(lab_pthread_mutex_init_kind(&counter_lock, PTHREAD_MUTEX_ERRORCHECK));
    int foreign;
    int released = recursive_up_and_down(&foreign);

    lab_print("== 3. %d threads add 1 under it, through a helper that locks it again ==", threads);
    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    for (int i = 0; i < threads; i++)
        started[i] = lab_thread_start(work, NULL, LAB_THREAD_NOT_DAEMON, "t%d", i + 1);
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]);
    free(started);
    say("counter = %ld, expected %d; a plain lock's 2nd acquire: %s; the recursive one: %d deep, "
        "a foreign unlock: %s",
        counter, threads, code_name(second), released, code_name(foreign));
    lab_pthread_mutex_destroy(&rlock);
    lab_result("plain_second_acquire=%s recursive_depth=%d foreign_unlock=%s counter=%ld "
               "expected=%d",
               code_name(second), released, code_name(foreign), counter, threads);
    return 0;
}
