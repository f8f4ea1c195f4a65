/* Reference answer to exercise 3 of docs/procpool.md (explained in docs/answers/procpool.md):
 * as_completed for the process pool, by polling. Tasks of 4, 1 and 2 class seconds go to a
 * pool of --processes workers; as_completed_next() hands back the index of the next result
 * that is ready, in the order they finish: 1 (1 s), 2 (2 s, or 3 s on two workers), 0 (4 s).
 * Polling: each round looks at every unfinished handle with lab_procpool_result_ready(),
 * then sleeps a tick (--tick) before looking again: a result is noticed up to a tick late,
 * and every round costs a lock per handle. A completion callback in the pool's manager
 * thread would wake the caller instead (how lab_futures_as_completed does it).
 * Built by make test into build/<variant>/answers/; tests/test_course.c checks the claims
 * below (ARGS => an awk expression over its result: line).
 * check: --speed 10 --quiet => order == "1,2,0" && values == 3
 * check: --processes 3 --speed 10 --quiet => order == "1,2,0" && values == 3
 */
#include "lab.h"

enum { TASKS = 3 };
static int processes = 2;
static double tick = 0.05;

/* The task: sleep its seconds, return 1 (in a worker process). */
static int64_t nap(const void *arg, size_t size)
{
    double seconds = size == sizeof seconds ? *(const double *)arg : 0;
    lab_sleep(seconds);
    return 1;
}

typedef struct as_completed {
    lab_procpool_result **results;
    bool *handed; /* handed[i]: result i already handed back */
    int count, left;
} as_completed;

/* The index of the next ready result, in completion order (as seen by polling); -1 when
 * every result has been handed back. */
static int as_completed_next(as_completed *it)
{
    while (it->left > 0) {
        for (int i = 0; i < it->count; i++) {
            if (!it->handed[i] && lab_procpool_result_ready(it->results[i])) {
                it->handed[i] = true;
                it->left--;
                return i;
            }
        }
        lab_sleep(tick); /* nothing ready yet: look again in a tick */
    }
    return -1;
}

static const lab_option options[] = {
    LAB_INT("processes", &processes, 1, 16, "N", "worker processes"),
    LAB_DOUBLE("tick", &tick, 0.001, 1, "S", "class seconds between two polls"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "procpool",
    .summary = "as_completed for the process pool, by polling (answer to procpool exercise 3)",
    .python = "for f in as_completed([executor.submit(nap, s) for s in (4, 1, 2)]): ...",
    .details = "Three tasks of 4, 1 and 2 class seconds; their results in completion order.",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    static const double seconds[TASKS] = {4, 1, 2};
    lab_procpool_result *results[TASKS];
    bool handed[TASKS] = {false};
    lab_procpool *pool;
    LAB_SETUP_NEW(pool = lab_procpool_new(processes));
    for (int i = 0; i < TASKS; i++) {
        LAB_SETUP(lab_procpool_apply_async(pool, nap, &seconds[i], sizeof seconds[i], &results[i]));
        say("submitted task %d: nap(%g)", i, seconds[i]);
    }
    as_completed it = {results, handed, TASKS, TASKS};
    char order[32] = "";
    int values = 0;
    for (int i; (i = as_completed_next(&it)) != -1;) {
        int64_t value = 0;
        int rc = lab_procpool_result_get(results[i], &value); /* ready: returns at once */
        values += rc == 0 ? (int)value : 0;
        say("as_completed -> task %d (nap(%g)): %s", i, seconds[i],
            rc == 0 ? "done" : strerror(rc));
        snprintf(order + strlen(order), sizeof order - strlen(order), "%s%d", order[0] ? "," : "",
                 i);
    }
    for (int i = 0; i < TASKS; i++)
        lab_procpool_result_free(results[i]);
    lab_procpool_close(pool);
    LAB_SETUP(lab_procpool_join(pool));
    lab_procpool_free(pool);
    lab_result("processes=%d order=%s values=%d", processes, order, values);
    return 0;
}
