/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/event.c with one
 * change: a car waits with a timeout and drives although the wait timed out (still red).
 * Try: make grade DEMO=event SRC=tests/grade/broken/event-impatient.c
 * grade: demo event
 * expect: FAIL event: ; max_running_on_red == 0
 */
/* event — the traffic light: one thread sets and clears an Event, cars wait on it.
 *
 * Python (The threading catalogue): a `lighter` thread counts 0, 1, 2 ... once a second: green (event.set())
 * for counts 0-5, red (event.clear()) for 6-10, then green again from 0. A car thread loops:
 * if event.is_set() it is running (for a second), else it prints "sees red light,
 * waiting...", blocks in event.wait() and prints "green light is on, start going...".
 * The tutorial's light never stops; here it runs --cycles times, ends on green and
 * closes the road, so the demo ends by itself. lab_event (common/event.h) is the Event.
 * Observe: at each red every car stops and waits without using the CPU; one set() wakes
 * them all at once ("releasing 3 waiting cars").
 * Running on red, measured by construction: a car drives one tick at a time, and each
 * drive is licensed by the last thing the car learned about the light, read under the
 * event's lock (is_set() said green, or wait() returned true). A drive whose licence said
 * red counts as running on red. A car that started on green and is still driving when
 * the light turns red is not counted (it is already in the crossing). The correct program
 * only drives on a green answer, so max_running_on_red is 0 by construction, whatever the
 * timing; --impatient shows a program where it is not.
 * --busy: the broken program: cars poll is_set() in a loop instead of wait()ing. Still
 * correct, but every waiting car burns a CPU: see the checks and the CPU time.
 * --impatient: cars wait at most 2 ticks (wait with a timeout) and ignore that it timed
 * out (ETIMEDOUT; Python: False): they go on red.
 */
#include "lab.h"
#include "event.h"

#include <stdatomic.h>
#include <time.h>

static int cycles = 2;
static int cars = 3;
static double tick = 0.5; /* class seconds per count; the tutorial's is 1 */
static bool busy = false;
static bool impatient = false;
static const double patience_ticks = 2;

static lab_event green_light;   /* set: green; clear: red */
static atomic_bool road_closed; /* the lighter's last word: cars go home */

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static int on_red_now, max_running_on_red, red_waits; /* protected by stats_lock */
static long checks;                                   /* protected by stats_lock */

/* The tutorial's lighter(): 0-5 green, 6-10 red, for --cycles cycles, then green for good. */
static void *lighter(void *arg)
{
    (void)arg;
    for (int cycle = 1; cycle <= cycles; cycle++) {
        for (int count = 0; count <= 10; count++) {
            if (count == 0) {
                int waiting = lab_event_waiting(&green_light);
                lab_event_set(&green_light); /* wakes every waiting car at once */
                say("count %d: green light is on (cycle %d of %d), releasing %d waiting car%s",
                    count, cycle, cycles, waiting, waiting == 1 ? "" : "s");
            } else if (count == 6) {
                lab_event_clear(&green_light);
                say("count %d: red light is on", count);
            } else {
                say("count %d: %s", count, count < 6 ? "green" : "red");
            }
            lab_sleep(tick);
        }
    }
    int waiting = lab_event_waiting(&green_light);
    lab_event_set(&green_light); /* end on green: no car is left waiting */
    atomic_store(&road_closed, true);
    say("count 0: green light for good, releasing %d waiting car%s; the lighter stops, "
        "the road closes",
        waiting, waiting == 1 ? "" : "s");
    return NULL;
}

/* One tick of driving; licensed_by_green is what the car last learned about the light. */
static void drive(bool licensed_by_green)
{
    lab_pthread_mutex_lock(&stats_lock);
    if (!licensed_by_green && ++on_red_now > max_running_on_red)
        max_running_on_red = on_red_now;
    lab_pthread_mutex_unlock(&stats_lock);
    say(licensed_by_green ? "is running" : "is running ON RED");
    lab_sleep(tick);
    if (!licensed_by_green) {
        lab_pthread_mutex_lock(&stats_lock);
        on_red_now--;
        lab_pthread_mutex_unlock(&stats_lock);
    }
}

/* At a red light: until it turns green (or, --impatient, until patience runs out).
 * Returns what the car learned: true for green. */
static bool wait_at_red(long *my_checks)
{
    if (busy) {
        long burned = 0;
        while (!lab_event_is_set(&green_light)) /* spins on a CPU the whole red phase */
            burned++;
        *my_checks += burned;
        say("burned %ld checks of the light while waiting", burned);
        return true;
    }
    if (true) /* BROKEN: always impatient; the bug: ETIMEDOUT means "still red", and it goes anyway */
        return lab_event_wait_timeout(&green_light, patience_ticks * tick) == 0;
    lab_event_wait(&green_light); /* sleeps, no CPU, until set() */
    return true;
}

/* The tutorial's car(name): run on green, wait on red; until the road closes. */
static void *car(void *arg)
{
    (void)arg;
    long my_checks = 0;
    int my_waits = 0;
    while (!atomic_load(&road_closed)) {
        my_checks++;
        if (lab_event_is_set(&green_light)) {
            drive(true);
            continue;
        }
        say("sees red light, waiting...");
        my_waits++;
        if (wait_at_red(&my_checks)) {
            say("green light is on, start going..."); /* and looks again at the top */
        } else {
            say("tired of waiting: goes although the light is red!");
            drive(false);
        }
    }
    lab_pthread_mutex_lock(&stats_lock);
    checks += my_checks;
    red_waits += my_waits;
    lab_pthread_mutex_unlock(&stats_lock);
    return NULL;
}

static const char *const car_names[] = {"MINT", "AUDI", "BENZ", "FORD", "JEEP",
                                        "FIAT", "OPEL", "SAAB", "SEAT", "TATA"};
enum { NAMED_CARS = sizeof car_names / sizeof car_names[0] };

static const char *refuse_both_variants(void)
{
    if (busy && impatient)
        return "--busy and --impatient are two different broken programs: pick one";
    return NULL;
}

static const lab_option options[] = {
    LAB_INT("cycles", &cycles, 1, 100, "N", "green-red cycles before the light stops"),
    LAB_INT("cars", &cars, 1, 100, "K", "car threads"),
    LAB_DOUBLE("tick", &tick, 0.01, 10, "S", "seconds per count of the lighter (the tutorial: 1)"),
    LAB_FLAG("busy", &busy, "broken: cars poll is_set() in a loop instead of waiting"),
    LAB_FLAG("impatient", &impatient, "broken: cars wait at most 2 ticks, then go on red"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "event",
    .summary = "the traffic light: a lighter thread sets and clears an Event, cars wait on red",
    .python = "event = threading.Event(); event.set() / event.clear() / event.is_set() / "
              "event.wait() (The threading catalogue)",
    .details = "The lighter counts once a tick: green for 0-5, red for 6-10, --cycles times, then\n"
               "ends on green and closes the road. --cars cars (car-MINT first) run on green and\n"
               "wait() on red. max_running_on_red counts drives licensed by a red answer: 0 by\n"
               "construction here. --busy polls is_set() instead of waiting (watch the checks and\n"
               "CPU time); --impatient waits with a timeout and drives on red when it runs out.",
    .options = options,
    .check = refuse_both_variants,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    LAB_SETUP(lab_event_init(&green_light));
    lab_point_name(&green_light, "green light");
    const char *mode = busy ? "busy" : impatient ? "impatient" : "wait";
    say("%d cycle%s of green (counts 0-5) and red (6-10), a count every %g s; %d car%s%s", cycles,
        cycles == 1 ? "" : "s", tick, cars, cars == 1 ? "" : "s",
        busy        ? "; cars poll the light (--busy)"
        : impatient ? "; impatient cars"
                    : "");
    lab_thread *light = lab_thread_start(lighter, NULL, LAB_THREAD_NOT_DAEMON, "lighter");
    lab_thread **started = lab_calloc((size_t)cars, sizeof *started);
    for (int i = 0; i < cars; i++) {
        if (i < NAMED_CARS)
            started[i] = lab_thread_start(car, NULL, LAB_THREAD_NOT_DAEMON, "car-%s", car_names[i]);
        else
            started[i] = lab_thread_start(car, NULL, LAB_THREAD_NOT_DAEMON, "car-%d", i);
    }
    lab_thread_join(light);
    for (int i = 0; i < cars; i++)
        lab_thread_join(started[i]);
    free(started);

    double cpu = (double)clock() / CLOCKS_PER_SEC; /* CPU time of every thread together */
    say("%d stops at a red light; the cars looked at the light %ld times; %.2f s of CPU", red_waits,
        checks, cpu);
    lab_result("cycles=%d cars=%d red_waits=%d max_running_on_red=%d checks=%ld cpu=%.2f mode=%s",
               cycles, cars, red_waits, max_running_on_red, checks, cpu, mode);
    lab_event_destroy(&green_light);
    return 0;
}
