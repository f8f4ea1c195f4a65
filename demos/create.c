/* create — four ways to make a thread, as the tutorials show them, written in C.
 *
 * Python (The threading catalogue, "creating threads"): threading.Thread(target=loop,
 * args=(i, secs)); a Thread given a callable object (ThreadFunc, which bundles a function and its
 * arguments); a subclass of Thread that overrides run(); and (Threads and processes) the low-level
 * _thread.start_new_thread() (the "thread" module). C has no classes, so here they become:
 *   1. function + argument: a thread function and a struct holding its arguments;
 *   2. callable object:     a struct bundling a function pointer with its arguments, and
 *                           one generic thread function that calls whatever it holds;
 *   3. subclass with run(): a struct whose FIRST member is a tiny "thread class" with a
 *                           run pointer; the subclass embeds it and fills in run;
 *   4. bare (_thread):      a bare pthread_create, detached: no handle, no registry, no
 *                           join. What is lost: active_count() and enumerate() do not see
 *                           it, and main can only learn that it ended because it says so.
 * Each way starts two loops that sleep 4 s and 2 s (the tutorial's loops = [4, 2]). Observe: all
 * loops run at the same time, so the whole takes about 4 s, not 24; "live threads" counts main too,
 * as Python's active_count() does; enumerate() lists the named threads, never the bare ones.
 * lab_thread_start() is pthread_create() plus a name and the registry (common/thread.h).
 */
#include "lab.h"
#include "create_enumerate.h" /* say_enumerate(): Python's threading.enumerate() */

#include <stdatomic.h>

static const double loop_seconds[] = {4.0, 2.0};
#define LOOPS 2

static int way = 0; /* --way: index into way_names */
static const char *const way_names[] = {"all", "function", "object", "subclass", "bare", NULL};

static atomic_int loops_finished;
static atomic_int bare_running; /* bare threads not yet done: the only news main gets */

/* The work every way runs: the tutorial's loop(nloop, nsec). */
static void loop(int number, double seconds)
{
    say("start loop %d, sleeping %g s", number, seconds);
    lab_sleep(seconds);
    say("loop %d done", number);
    atomic_fetch_add(&loops_finished, 1);
}

/* ---- way 1: a thread function and a struct of arguments ---- */
struct loop_args {
    int number;
    double seconds;
};

static void *loop_thread(void *arg)
{
    struct loop_args *args = arg;
    loop(args->number, args->seconds);
    return NULL;
}

/* ---- way 2: a "callable object": function pointer + arguments, one generic runner ---- */
struct callable {
    void (*fn)(int, double);
    int number;
    double seconds;
};

static void *call_callable(void *object)
{
    struct callable *callable = object;
    callable->fn(callable->number, callable->seconds); /* Python's __call__ */
    return NULL;
}

/* ---- way 3: a tiny "thread class" with a run method, and a subclass ---- */
struct thread_class {
    void (*run)(struct thread_class *self);
};

static void *thread_class_main(void *self)
{
    struct thread_class *object = self;
    object->run(object); /* dynamic dispatch: whichever run the subclass put there */
    return NULL;
}

struct loop_thread_class {
    struct thread_class base; /* first member: a pointer to this struct is a pointer to base */
    int number;
    double seconds;
};

static void loop_thread_class_run(struct thread_class *self)
{
    struct loop_thread_class *me = (struct loop_thread_class *)self; /* the "downcast" */
    loop(me->number, me->seconds);
}

/* ---- way 4: _thread.start_new_thread: a bare, detached pthread ---- */
static void *bare_thread(void *arg)
{
    struct loop_args *args = arg;
    char name[16];
    snprintf(name, sizeof name, "bare-%d", args->number);
    lab_thread_set_current_name(name); /* for say() and gdb only: no registry knows it */
    loop(args->number, args->seconds);
    atomic_fetch_sub(&bare_running, 1); /* nobody can join it: it must say it is done */
    return NULL;
}

static void start_bare(struct loop_args *args)
{
    pthread_t id;
    atomic_fetch_add(&bare_running, 1);
    LAB_CHECK(pthread_create(&id, NULL, bare_thread, args));
    LAB_CHECK(pthread_detach(id)); /* never joined: its end frees it */
}

/* ---- main ---- */
static const lab_option options[] = {
    LAB_CHOICE("way", &way, way_names, "which way to show (all runs the three side by side)"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "create",
    .summary =
        "four ways to start a thread: function + argument, callable object, run() subclass, bare",
    .python = "Thread(target=..., args=...), a callable ThreadFunc, class MyThread(Thread).run, "
              "_thread.start_new_thread, enumerate() (The threading catalogue; Threads and "
              "processes)",
    .details =
        "Each way starts two loops sleeping 4 s and 2 s. They all overlap, so the whole run\n"
        "takes about 4 s. The bare way (_thread) is a plain pthread_create: enumerate() and\n"
        "active_count() do not see it, and it cannot be joined. One section per way.",
    .options = options,
    .uncontrollable = "its bare threads (pthread_create, as _thread does) run outside the library, "
                      "where a schedule can neither see nor stop them",
};

static bool showing(int which)
{
    return way == 0 || way == which;
}

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    struct loop_args args[LOOPS], bare_args[LOOPS];
    struct callable callables[LOOPS];
    struct loop_thread_class objects[LOOPS];
    lab_thread *threads[3 * LOOPS];
    int started = 0, bare = 0;
    double begin = lab_now();

    for (int i = 0; i < LOOPS; i++) {
        if (showing(1)) {
            args[i] = (struct loop_args){i, loop_seconds[i]};
            threads[started++] =
                lab_thread_start(loop_thread, &args[i], LAB_THREAD_NOT_DAEMON, "function-%d", i);
        }
        if (showing(2)) {
            callables[i] = (struct callable){loop, i, loop_seconds[i]};
            threads[started++] = lab_thread_start(call_callable, &callables[i],
                                                  LAB_THREAD_NOT_DAEMON, "object-%d", i);
        }
        if (showing(3)) {
            objects[i] = (struct loop_thread_class){{loop_thread_class_run}, i, loop_seconds[i]};
            threads[started++] = lab_thread_start(thread_class_main, &objects[i].base,
                                                  LAB_THREAD_NOT_DAEMON, "subclass-%d", i);
        }
        if (showing(4)) {
            bare_args[i] = (struct loop_args){i, loop_seconds[i]};
            start_bare(&bare_args[i]);
            bare++;
        }
    }
    say("started %d named + %d bare threads; active_count() = %d (bare ones not counted)", started,
        bare, lab_thread_active_count());
    int listed = say_enumerate();

    for (int i = 0; i < started; i++)
        lab_thread_join(threads[i]);
    if (bare > 0)
        say("bare threads have no handle to join: main polls the counter they count down");
    while (atomic_load(&bare_running) > 0)
        lab_sleep(0.1);
    double elapsed = lab_class_seconds(lab_now() - begin);
    double serial = (started + bare) / LOOPS * (loop_seconds[0] + loop_seconds[1]);
    say("all done in %.2f s, not %g: %d loops slept side by side; active_count() = %d", elapsed,
        serial, started + bare, lab_thread_active_count());
    lab_result("threads=%d bare=%d listed=%d finished=%d elapsed=%.2f", started, bare, listed,
               atomic_load(&loops_finished), elapsed);
    return 0;
}
