/* Reference answer to exercise 2 of docs/semaphore.md (explained in docs/answers/semaphore.md):
 * the semaphore demo naming the stall each person takes. The semaphore only counts free
 * stalls; which stall is free is shared data, chosen under book_lock (choosing is
 * check-then-act). stall_clashes counts people who found no free stall: 0 with the
 * semaphore (it holds a permit, so a stall is free); above 0 with --no-limit.
 * Built by make test into build/<variant>/answers/; tests/test_course.c checks the claims
 * below (ARGS => an awk expression over its result: line) and grades it as the demo.
 * grade: demo semaphore
 * check: --speed 50 --quiet => stall_clashes == 0 && max_inside <= stalls
 * check: --stalls 5 --people 40 --speed 50 --quiet => stall_clashes == 0
 * check: --no-limit --speed 50 --quiet => stall_clashes > 0
 * The rest of the file is demos/semaphore.c unchanged: diff the two.
 */
/* semaphore — the toilet with N stalls: a bounded semaphore lets at most N people in at once.
 *
 * Python (The threading catalogue): semaphore = threading.BoundedSemaphore(5); 22 threads each do
 * semaphore.acquire(); time.sleep(3); print(...); semaphore.release(). The prose tells it
 * as a toilet with 3 stalls (its code used 5): the default here is the prose's 3, try
 * --stalls 5 for the code's. lab_bsem (common/bsem.h) is the BoundedSemaphore.
 * Each person queues, takes a stall when the semaphore lets them in, stays a random time
 * (seeded: --seed repeats it), and leaves; every entry prints who is inside.
 * Observe: never more than --stalls names inside; a new person enters only right after
 * somebody leaves. At the end main releases once too often and the semaphore refuses
 * (Python's ValueError): a plain counting semaphore would quietly add a stall.
 * --no-limit: the broken program, no semaphore: everybody walks in at once. The inside
 * count is still kept under a lock, so there is no data race here (TSan stays quiet):
 * the bug is the count, max_inside > stalls.
 */
#include "lab.h"
#include "bsem.h"

#include <errno.h>
#include <stdint.h>

static int stalls = 3;
static int people = 22;
static bool no_limit = false;
static const double shortest_stay = 0.5, longest_stay = 1.5; /* class seconds */
static const double arrival_gap = 0.1; /* the tutorial starts all at once: a blur of lines */

static lab_bsem stall_permits; /* one permit per stall */

static pthread_mutex_t book_lock = PTHREAD_MUTEX_INITIALIZER;
static bool *is_inside; /* per person; the four below too: protected by book_lock */
static int inside, max_inside, served;
static int *occupant;     /* per stall: the person in it, or -1; protected by book_lock */
static int stall_clashes; /* people who found every stall taken; protected by book_lock */

/* The names of everybody inside, into text. Caller holds book_lock. */
static void list_inside(char *text, size_t size)
{
    size_t used = 0;
    text[0] = '\0';
    for (int id = 0; id < people && used + 1 < size; id++)
        if (is_inside[id])
            used += (size_t)snprintf(text + used, size - used, " person-%d", id);
}

static void walk_in(int id)
{
    char names[LAB_LINE_MAX];
    lab_pthread_mutex_lock(&book_lock);
    is_inside[id] = true;
    inside++;
    int stall = -1; /* the first free stall: looked for and taken in one critical section */
    for (int s = 0; s < stalls && stall < 0; s++)
        if (occupant[s] < 0)
            stall = s;
    if (stall >= 0)
        occupant[stall] = id;
    else
        stall_clashes++; /* only without the semaphore */
    if (inside > max_inside)
        max_inside = inside;
    list_inside(names, sizeof names);
    say("enters stall %d: %d inside%s:%s", stall + 1, inside,
        inside > stalls ? " (MORE THAN THE STALLS!)" : "", names);
    lab_pthread_mutex_unlock(&book_lock);
}

static void walk_out(int id, double stayed)
{
    lab_pthread_mutex_lock(&book_lock);
    is_inside[id] = false;
    for (int s = 0; s < stalls; s++)
        if (occupant[s] == id)
            occupant[s] = -1; /* the stall is free again */
    inside--;
    served++;
    say("leaves after %.1f s (%d inside)", stayed, inside);
    lab_pthread_mutex_unlock(&book_lock);
}

/* The tutorial's run(n): acquire, stay a while, release. */
static void *use_a_stall(void *arg)
{
    int id = (int)(intptr_t)arg;
    lab_rng rng = lab_rng_stream((uint64_t)id);
    double stay = lab_rng_uniform(&rng, shortest_stay, longest_stay);
    say("waits for a stall");
    if (!no_limit)
        lab_bsem_acquire(&stall_permits); /* blocks while every stall is taken */
    walk_in(id);                          /* counted only once a permit is held */
    lab_sleep(stay);
    walk_out(id, stay); /* uncounted before the permit goes back */
    if (!no_limit)      /* EOVERFLOW here would be a bug (we took a permit): abort, file:line */
        LAB_CHECK(lab_bsem_release(&stall_permits));
    return NULL;
}

static const lab_option options[] = {
    LAB_INT("stalls", &stalls, 1, 100, "N", "stalls: how many people may be inside at once"),
    LAB_INT("people", &people, 1, 500, "M", "people who need the toilet"),
    LAB_FLAG("no-limit", &no_limit, "the broken program: no semaphore, everybody walks in"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "semaphore",
    .summary = "the toilet: a BoundedSemaphore lets at most N of 22 people in at once",
    .python = "semaphore = threading.BoundedSemaphore(5); semaphore.acquire(); sleep(3); "
              "semaphore.release() (The threading catalogue)",
    .details = "--people threads queue for --stalls stalls (the tutorial: 22 people; its prose\n"
               "says 3 stalls, its code 5), arriving 0.1 s apart. Each stays 0.5-1.5 s (seeded).\n"
               "Every entry lists who is inside: never more than --stalls. At the end one release\n"
               "too many is refused, as Python's ValueError. --no-limit drops the semaphore:\n"
               "everybody is inside at once.",
    .options = options,
    .invariant = "max_inside <= stalls", /* what --explore checks */
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    LAB_SETUP(lab_bsem_init(&stall_permits, stalls));
    lab_point_name(&stall_permits, "stalls");
    is_inside = lab_calloc((size_t)people, sizeof *is_inside);
    occupant = lab_calloc((size_t)stalls, sizeof *occupant);
    for (int s = 0; s < stalls; s++)
        occupant[s] = -1;
    say("%d people, %d stalls%s", people, stalls,
        no_limit ? ", and NO semaphore (--no-limit)" : "");

    lab_thread **started = lab_calloc((size_t)people, sizeof *started);
    for (int i = 0; i < people; i++) {
        if (i > 0)
            lab_sleep(arrival_gap); /* a crowd still forms: people come faster than stalls free */
        started[i] = lab_thread_start(use_a_stall, (void *)(intptr_t)i, LAB_THREAD_NOT_DAEMON,
                                      "person-%d", i);
    }
    for (int i = 0; i < people; i++)
        lab_thread_join(started[i]);
    free(started);

    /* All joined: the bookkeeping is ours alone now. */
    say("all done: %d served, at most %d inside at once with %d stalls%s", served, max_inside,
        stalls, max_inside > stalls ? ": the limit was broken" : "");
    int rc = lab_bsem_release(&stall_permits); /* every permit is back: one more is too many */
    say("one release too many: %s",
        rc == EOVERFLOW ? "refused (Python: ValueError: Semaphore released too many times)"
                        : "accepted?!");
    lab_result(
        "stalls=%d people=%d served=%d max_inside=%d limit=%s extra_release=%s stall_clashes=%d",
        stalls, people, served, max_inside, no_limit ? "none" : "semaphore",
        rc == EOVERFLOW ? "refused" : "accepted", stall_clashes);
    free(occupant);
    free(is_inside);
    lab_bsem_destroy(&stall_permits);
    return 0;
}
