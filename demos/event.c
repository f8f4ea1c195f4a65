/* event — the traffic light: one thread sets and clears an Event, cars wait on it.
 *
 * Python (The threading catalogue): a `lighter` thread counts 0, 1, 2 ... once a second:
 * green (event.set()) for 0-5, red (event.clear()) for 6-10, then green again from 0. A car
 * loops: if event.is_set() it is running, else "sees red light, waiting...", event.wait(),
 * "green light is on, start going...". The tutorial's light never stops; here it runs
 * --cycles times, ends on green and closes the road. lab_event (common/event.h) is the Event.
 * Observe: at each red every car stops and waits without using the CPU; one set() wakes them
 * all ("releasing 3 waiting cars"). The lines follow the events: the light changes, and a car
 * looks, together with the line that says so (story_lock).
 * Running on red, by construction: each tick of driving is licensed by the last thing the
 * car learned (is_set() said green, or wait() returned true); one licensed by a red answer
 * counts (one still in the crossing when red comes does not): 0 here, whatever the timing.
 * --busy: broken, cars poll is_set() instead of wait()ing: correct, but each waiting car
 * burns a CPU (see the checks, the CPU time). --impatient: broken, cars wait at most 2 ticks
 * (a timeout), ignore that it timed out (ETIMEDOUT; Python: False) and go on red.
 */
#include "lab.h"
#include "event.h"
#include "event_drive.h" /* drive(): a tick of driving, counting who runs on red */

#include <stdatomic.h>
#include <time.h>

static int cycles = 2, cars = 3;
static double tick = 0.5;                    /* class seconds per count; the tutorial's is 1 */
static bool busy = false, impatient = false; /* the two broken programs */
static const double patience_ticks = 2;

static lab_event green_light; /* set: green; clear: red */
/* Held while the light changes or a car looks, and the line says so: lines in event order. */
static pthread_mutex_t story_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool road_closed; /* the lighter's last word: cars go home */

/* The tutorial's lighter(): 0-5 green, 6-10 red, for --cycles cycles, then green for good. */
static void *lighter(void *arg)
{
    (void)arg;
    for (int cycle = 1; cycle <= cycles; cycle++) {
        for (int count = 0; count <= 10; count++) {
            lab_pthread_mutex_lock(&story_lock);
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
            lab_pthread_mutex_unlock(&story_lock);
            lab_sleep(tick);
        }
    }
    lab_pthread_mutex_lock(&story_lock);
    int waiting = lab_event_waiting(&green_light);
    lab_event_set(&green_light); /* end on green: no car is left waiting */
    atomic_store(&road_closed, true);
    say("count 0: green light for good, releasing %d waiting car%s; the lighter stops, "
        "the road closes",
        waiting, waiting == 1 ? "" : "s");
    lab_pthread_mutex_unlock(&story_lock);
    return NULL;
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
    if (impatient) /* the bug: ETIMEDOUT means "still red", and it goes anyway */
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
    bool running = false;
    while (!atomic_load(&road_closed)) {
        my_checks++;
        lab_pthread_mutex_lock(&story_lock); /* look, and say what it saw */
        bool green = lab_event_is_set(&green_light);
        if (!green || !running) /* "is running" when it starts, not at every tick */
            say(green ? "is running" : "sees red light, waiting...");
        lab_pthread_mutex_unlock(&story_lock);
        if ((running = green)) {
            drive(true, tick);
            continue;
        }
        my_waits++;
        if (wait_at_red(&my_checks)) {
            lab_pthread_mutex_lock(&story_lock);      /* after the lighter's "green" line */
            say("green light is on, start going..."); /* and looks again at the top */
            lab_pthread_mutex_unlock(&story_lock);
        } else {
            say("tired of waiting: goes although the light is red!");
            drive(false, tick);
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
    return busy && impatient ? "--busy and --impatient are two different broken programs: pick one"
                             : NULL;
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
               "wait() on red; max_running_on_red (drives licensed by a red answer) is 0. --busy\n"
               "polls is_set() (watch the checks and CPU time); --impatient drives on red.",
    .options = options,
    .invariant = "max_running_on_red == 0", /* what --explore checks */
    .check = refuse_both_variants,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    LAB_SETUP(lab_event_init(&green_light));
    lab_point_name(&green_light, "green light");
    say("%d cycle%s of green (counts 0-5) and red (6-10), a count every %g s; %d car%s%s", cycles,
        cycles == 1 ? "" : "s", tick, cars, cars == 1 ? "" : "s",
        busy        ? "; cars poll the light (--busy)"
        : impatient ? "; impatient cars"
                    : "");
    lab_thread *light = lab_thread_start(lighter, NULL, LAB_THREAD_NOT_DAEMON, "lighter");
    lab_event_wait(&green_light); /* the cars come once the light is on */
    lab_thread **started = lab_calloc((size_t)cars, sizeof *started);
    for (int i = 0; i < cars; i++) {
        char number[16];
        snprintf(number, sizeof number, "%d", i);
        started[i] = lab_thread_start(car, NULL, LAB_THREAD_NOT_DAEMON, "car-%s",
                                      i < NAMED_CARS ? car_names[i] : number);
    }
    lab_thread_join(light);
    for (int i = 0; i < cars; i++)
        lab_thread_join(started[i]);
    free(started);

    double cpu = (double)clock() / CLOCKS_PER_SEC; /* CPU time of every thread together */
    say("%d stops at a red light; the cars looked at the light %ld times; %.2f s of CPU", red_waits,
        checks, cpu);
    lab_result("cycles=%d cars=%d red_waits=%d max_running_on_red=%d checks=%ld cpu=%.2f mode=%s",
               cycles, cars, red_waits, max_running_on_red, checks, cpu,
               busy        ? "busy"
               : impatient ? "impatient"
                           : "wait");
    lab_event_destroy(&green_light);
    return 0;
}
