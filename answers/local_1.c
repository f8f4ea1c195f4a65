/* Reference answer to exercise 1 of docs/local.md (explained in docs/answers/local.md):
 * the local demo with _Thread_local removed from tls_value: one global for every
 * thread. The _Thread_local check now mixes up; the pthread key still comes back right.
 * Built by make test into build/<variant>/answers/; tests/test_course.c checks the claims
 * below (ARGS => an awk expression over its result: line).
 * check: --threads 8 --rounds 4 --speed 50 --quiet => destructors_run == threads
 * The rest of the file is demos/local.c unchanged: diff the two.
 */
/* local — thread-local data: one name, a separate value in every thread.
 *
 * Python (Threads and processes): mydata = threading.local(); each thread sets mydata.x and reads it back
 * later; it always finds its own value, never one set by another thread under the same name
 * (a local is like a dictionary of per-thread attribute dictionaries, looked up by thread).
 * C has two ways to give every thread its own copy of a variable:
 *   - a key: pthread_key_create(&key, destructor) makes one name for all threads;
 *     pthread_setspecific/pthread_getspecific store and fetch the calling thread's own
 *     pointer under it, and when a thread ends with a non-NULL value, the destructor runs
 *     in that thread to free it (Python frees a thread's local attributes the same way);
 *   - the C11 storage class _Thread_local: a global variable with one copy per thread,
 *     made by the compiler and the loader; no calls, no destructor.
 * Every thread, in each round, stores its own value under both, sleeps while the others store
 * theirs, then reads both back and counts any value that is not its own (a mixup).
 * Observe: "reads back ... its own" everywhere, mixups=0; one destructor per thread at its end.
 * --shared does the same steps on a plain global: the others overwrite it while a thread
 * sleeps, and it reads back values it never set (mixups > 0).
 */
#include "lab.h"

#include <stdatomic.h>

static int threads = 4;
static int rounds = 3;
static bool shared = false;

/* A value says who stored it and in which round: 203 is t2's value in round 3. */
static int value_of(int thread, int round)
{
    return thread * 100 + round;
}
static int owner_of(int value)
{
    return value / 100;
}

static pthread_key_t value_key; /* one key; behind it, each thread's own int */
static int tls_value = -1;      /* the exercise: _Thread_local removed: ONE copy for all */
/* The broken variant: one variable for everybody. Atomic only so the program stays defined
 * C: the mixups below do not come from torn writes; there is just one copy to overwrite. */
static atomic_int shared_value = -1;

static atomic_int mixups;
static atomic_int destructors_run;

/* Runs in the ending thread, for each key whose value there is not NULL. */
static void free_thread_value(void *value)
{
    say("destructor: frees this thread's value %d", *(int *)value);
    free(value);
    atomic_fetch_add(&destructors_run, 1);
}

/* local.x = value: this thread's own copy (or, with --shared, everyone's). */
static void store(int value)
{
    if (shared) {
        atomic_store(&shared_value, value);
        return;
    }
    int *mine = pthread_getspecific(value_key);
    if (mine == NULL) { /* first store in this thread: make its own slot, as local does */
        mine = lab_calloc(1, sizeof *mine);
        LAB_CHECK(pthread_setspecific(value_key, mine));
    }
    *mine = value;
    tls_value = value;
}

/* Compare what a storage gives back with what this thread stored; count a mixup. */
static void check_back(const char *storage, int seen, int expected)
{
    if (seen == expected) {
        say("reads back %s = %d: its own", storage, seen);
    } else {
        say("MIXUP: reads back %s = %d, stored by t%d, not its own %d", storage, seen,
            owner_of(seen), expected);
        atomic_fetch_add(&mixups, 1);
    }
}

/* Each round: store my value, give the others time to store theirs, read mine back. */
static void *store_sleep_read(void *arg)
{
    int me = (int)(intptr_t)arg;
    lab_rng rng = lab_rng_stream((uint64_t)me);
    for (int round = 1; round <= rounds; round++) {
        int mine = value_of(me, round);
        store(mine);
        say("round %d: stores %d", round, mine);
        lab_sleep(lab_rng_uniform(&rng, 0.1, 0.5)); /* meanwhile the others store theirs */
        if (shared) {
            check_back("the global", atomic_load(&shared_value), mine);
        } else {
            check_back("the key's value", *(int *)pthread_getspecific(value_key), mine);
            check_back("the _Thread_local", tls_value, mine);
        }
    }
    return NULL; /* the thread ends here: then the key's destructor runs, in this thread */
}

static const lab_option options[] = {
    LAB_INT("threads", &threads, 1, 1000, "N", "threads, each storing its own values"),
    LAB_INT("rounds", &rounds, 1, 99, "N", "store - sleep - read rounds per thread"),
    LAB_FLAG("shared", &shared, "broken: a plain global instead of thread-local storage"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "local",
    .summary = "thread-local data: every thread sees only the value it stored itself",
    .python = "mydata = threading.local(); mydata.x = ...; ... mydata.x (Threads and processes)",
    .details =
        "Each thread stores its own value under one name, sleeps while the others store theirs,\n"
        "then reads it back, --rounds times; a value stored by another thread is a mixup.\n"
        "  (default)  a pthread key (with a destructor) and a _Thread_local: mixups=0, always\n"
        "  --shared   a plain global: the others overwrite it meanwhile, mixups > 0",
    .options = options,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    if (!shared)
        LAB_SETUP(pthread_key_create(&value_key, free_thread_value)); /* may be refused: EAGAIN */
    say("%d threads x %d rounds, each value stored in %s", threads, rounds,
        shared ? "ONE plain global (--shared)" : "a pthread key and a _Thread_local");

    lab_thread **started = lab_calloc((size_t)threads, sizeof *started);
    for (int i = 0; i < threads; i++)
        started[i] = lab_thread_start(store_sleep_read, (void *)(intptr_t)(i + 1),
                                      LAB_THREAD_NOT_DAEMON, "t%d", i + 1);
    for (int i = 0; i < threads; i++)
        lab_thread_join(started[i]); /* returns after the thread's destructors have run */
    free(started);
    if (!shared)
        LAB_CHECK(pthread_key_delete(value_key)); /* runs no destructor: each thread's ran */

    int total_mixups = atomic_load(&mixups);
    if (shared)
        say("%d of %d reads found another thread's value: one global is one copy for all",
            total_mixups, threads * rounds);
    else
        say("no thread ever saw another's value: %d mixups; %d destructors ran", total_mixups,
            atomic_load(&destructors_run));
    lab_result("threads=%d rounds=%d storage=%s mixups=%d destructors_run=%d", threads, rounds,
               shared ? "shared" : "key+tls", total_mixups, atomic_load(&destructors_run));
    return 0;
}
