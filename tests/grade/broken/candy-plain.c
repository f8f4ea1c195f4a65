/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/candy.c with one
 * change: the tray is a plain sem_t: a refill past the maximum is never refused.
 * Try: make grade DEMO=candy SRC=tests/grade/broken/candy-plain.c
 * grade: demo candy
 * expect: FAIL candy: ; most <= max
 * runs: 12 (the bug shows in most runs, not all: the refill must come while the tray is full)
 */
/* candy — the candy machine: a bounded semaphore is the tray; refilling a full tray fails.
 *
 * Python (The threading catalogue): candytray = BoundedSemaphore(MAX) with MAX = 5 bars, full at start. A
 * producer refills (candytray.release()) nloops = randrange(2, 6) times; a consumer buys
 * (candytray.acquire(False)) randrange(nloops, nloops + MAX + 2) times; each pauses
 * randrange(3) seconds between actions, and each action runs under one lock.
 * Refilling a full tray raises ValueError: "full, skipping". Buying from an empty tray
 * does not block (acquire(False) returns False): "Empty, skipping".
 * In C the ValueError is lab_bsem_release() returning EOVERFLOW, and acquire(False) is
 * lab_bsem_try_acquire(). The lock is not what protects the tray (the semaphore is
 * thread-safe by itself): it keeps each action's two lines together, as in the tutorial.
 * Observe: the bar count never leaves 0..max; the counts add up: final = max + refills
 * that went in - bars bought. --seed repeats a run's choices (try --seed 3: two refills of
 * a full tray; --seed 5: two buys from an empty one).
 * --plain: the broken program: the tray is a plain POSIX sem_t. sem_post() has no bound,
 * so a refill of a full tray "succeeds" and the machine holds more bars than it can.
 */
#include "lab.h"
#include "bsem.h"

#include <errno.h>
#include <semaphore.h>

static int max_bars = 5;
static bool plain = true; /* BROKEN: a sem_t, no bound */

static lab_bsem tray;    /* the bars, bounded by max_bars */
static sem_t plain_tray; /* --plain: the same with no bound */

static pthread_mutex_t machine_lock = PTHREAD_MUTEX_INITIALIZER; /* one action at a time */
static int refills_ok, refills_full, buys_ok, buys_empty;        /* protected by machine_lock */
static int most_bars;                                            /* protected by machine_lock */

static int bars_in_tray(void)
{
    int value = 0;
    if (plain)
        LAB_CHECK_ERRNO(sem_getvalue(&plain_tray, &value));
    else
        value = lab_bsem_value(&tray);
    return value;
}

/* Python's candytray.release(): false when the tray is already full (ValueError). */
static bool put_a_bar_in(void)
{
    if (plain) {
        lab_sem_post(&plain_tray); /* no bound to check: never says "full" */
        return true;
    }
    return lab_bsem_release(&tray) != EOVERFLOW;
}

/* Python's candytray.acquire(False): false when the tray is empty (EAGAIN), at once. */
static bool take_a_bar_out(void)
{
    if (!plain)
        return lab_bsem_try_acquire(&tray) == 0;
    if (sem_trywait(&plain_tray) == 0)
        return true;
    if (errno != EAGAIN)
        lab_check_at(errno, "sem_trywait", __FILE__, __LINE__);
    return false;
}

static void refill(void)
{
    lab_pthread_mutex_lock(&machine_lock);
    say("Refilling candy...");
    if (put_a_bar_in()) {
        refills_ok++;
        int bars = bars_in_tray();
        if (bars > most_bars)
            most_bars = bars;
        say("OK (%d bars)%s", bars, bars > max_bars ? ": MORE THAN THE TRAY HOLDS" : "");
    } else {
        refills_full++;
        say("full, skipping");
    }
    lab_pthread_mutex_unlock(&machine_lock);
}

static void buy(void)
{
    lab_pthread_mutex_lock(&machine_lock);
    say("Buying candy...");
    if (take_a_bar_out()) {
        buys_ok++;
        say("OK (%d bars)", bars_in_tray());
    } else {
        buys_empty++;
        say("Empty, skipping");
    }
    lab_pthread_mutex_unlock(&machine_lock);
}

typedef struct role {
    void (*action)(void);
    int loops;
    uint64_t stream; /* its own random stream: the pauses */
} role;

/* The tutorial's producer(loops) and consumer(loops): act, pause 0, 1 or 2 s, repeat. */
static void *act_in_a_loop(void *arg)
{
    role *me = arg;
    lab_rng rng = lab_rng_stream(me->stream);
    for (int i = 0; i < me->loops; i++) {
        me->action();
        lab_sleep((double)lab_rng_between(&rng, 0, 2));
    }
    return NULL;
}

static const lab_option options[] = {
    LAB_INT("max", &max_bars, 1, 1000, "N", "bars the tray holds (it starts full)"),
    LAB_FLAG("plain", &plain, "the broken program: a plain sem_t tray with no bound"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "candy",
    .summary = "the candy machine: a BoundedSemaphore tray; refilling a full tray fails, buying "
               "from an empty one skips",
    .python = "candytray = BoundedSemaphore(5); candytray.release() -> ValueError; "
              "candytray.acquire(False) (The threading catalogue)",
    .details =
        "A producer refills 2-5 times, a consumer buys that many to max + 1 more (seeded), "
        "pausing\n"
        "0-2 s between actions. A refill of a full tray is refused (\"full, skipping\"); a buy "
        "from\n"
        "an empty tray does not wait (\"Empty, skipping\"). --plain uses a POSIX sem_t instead,\n"
        "whose sem_post has no bound: the tray ends up holding more than --max.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    LAB_SETUP(lab_bsem_init(&tray, max_bars));
    lab_point_name(&tray, "tray");
    LAB_SETUP(sem_init(&plain_tray, 0, (unsigned)max_bars) == 0 ? 0 : errno);
    most_bars = max_bars;
    lab_rng rng = lab_rng_stream(0);
    int nloops = (int)lab_rng_between(&rng, 2, 5);
    role producer = {.action = refill, .loops = nloops, .stream = 1};
    role consumer = {.action = buy,
                     .loops = (int)lab_rng_between(&rng, nloops, nloops + max_bars + 1),
                     .stream = 2};
    say("THE CANDY MACHINE (full with %d bars)%s: %d refills and %d buys to come", max_bars,
        plain ? ", on a plain sem_t (--plain)" : "", producer.loops, consumer.loops);

    lab_thread *buyer =
        lab_thread_start(act_in_a_loop, &consumer, LAB_THREAD_NOT_DAEMON, "consumer");
    lab_thread *filler =
        lab_thread_start(act_in_a_loop, &producer, LAB_THREAD_NOT_DAEMON, "producer");
    lab_thread_join(buyer);
    lab_thread_join(filler);

    int final = bars_in_tray(); /* both joined: nothing changes it any more */
    say("All done: %d bars left; at most %d bars in a tray for %d%s", final, most_bars, max_bars,
        most_bars > max_bars ? ": the bound was broken" : "");
    lab_result(
        "max=%d tray=%s refills_ok=%d refills_full=%d buys_ok=%d buys_empty=%d final=%d most=%d",
        max_bars, "bounded", refills_ok, refills_full, buys_ok, buys_empty, final, most_bars);
    LAB_CHECK_ERRNO(sem_destroy(&plain_tray));
    lab_bsem_destroy(&tray);
    return 0;
}
