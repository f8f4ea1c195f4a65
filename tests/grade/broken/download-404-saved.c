/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): demos/download.c with one
 * change: the HTTP status is never looked at: a 404 page is saved and verified as if it were the flag.
 * Try: make grade DEMO=download SRC=tests/grade/broken/download-404-saved.c
 * grade: demo download
 * expect: FAIL download-404: ; failed == 2
 * case: download-404
 */
/* download — why threads speed up I/O-bound work: the same 20 "flag downloads" one after
 * the other, with one thread per file, and on a pool of W workers.
 *
 * Python (Threads and pools, Threads for downloads, Futures and flags): download 15 pictures or
 * the flags of the 20 most populous countries (CN IN US ... FR): one by one ~11 s, one thread
 * each ~1 s, a ThreadPoolExecutor ~1-2 s; Futures and flags adds submit + as_completed with a
 * tqdm progress bar and a 404 reported ("*** Error for CC: HTTP 404") without stopping the
 * rest. Here the network is simulated: each file's latency is drawn from --seed (the same in
 * all three runs), then its seeded bytes are really written to a temporary directory and read
 * back to verify them. While a thread waits for the network the CPU is free, so waits overlap:
 * that is the whole speed-up (the gil demo shows that CPU-bound work is another story).
 * Observe: sequential takes the sum of the latencies; one thread per file about the longest
 * one; the pool about sum / W. The failed file (--fail CC) is reported each time, and the
 * others are still saved. On a terminal the pool run shows a progress bar.
 */
#include "lab.h"
#include "pool.h"
#include "download_files.h" /* codes, latencies, bytes, the temp directory, --fail, lines, table */

static int files = MAX_FILES, workers = 4, progress = 0;
static double latency = 0.5;
static const char *fail_codes = NULL;
static const char *const progress_names[] = {"auto", "bar", "lines", NULL};
enum { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_LINES };

static flag flags[MAX_FILES]; /* written by its fetching thread, read by main after a join */

/* The tutorial's download_one(cc): wait for the "network", then save and verify. */
static void download_one(flag *f)
{
    lab_sleep(f->latency); /* blocked on I/O: the thread waits, the CPU does other work */
    snprintf(f->fetched_by, sizeof f->fetched_by, "%s", lab_thread_current_name());
    if (false && f->missing) { /* BROKEN: the status is never looked at: a 404 is "saved" */
        f->status = ENOENT;    /* HTTP 404: a failure of this file, not of the program */
        return;
    }
    unsigned char data[MAX_BYTES];
    size_t size = flag_bytes(f->index, data);
    f->status = save_and_verify(f->path, data, size);
    f->bytes = f->status == 0 ? (long)size : 0;
}

static void *thread_fetch(void *arg)
{
    download_one(arg);
    say_fetched(arg);
    return NULL;
}

/* The pool's task: the file's status is the future's (a 404 is ENOENT), its bytes the value. */
static int pool_download(void *arg, long *value)
{
    flag *f = arg;
    download_one(f);
    *value = f->bytes;
    return f->status;
}

static void run_sequential(void)
{
    for (int i = 0; i < files; i++) {
        download_one(&flags[i]);
        say_fetched(&flags[i]);
    }
}

static void run_threads(void)
{
    lab_thread *threads[MAX_FILES];
    for (int i = 0; i < files; i++)
        threads[i] =
            lab_thread_start(thread_fetch, &flags[i], LAB_THREAD_NOT_DAEMON, "dl-%s", codes[i]);
    for (int i = 0; i < files; i++)
        lab_thread_join(threads[i]);
}

static void run_pool(void)
{
    lab_pool *pool;
    LAB_SETUP_NEW(pool = lab_pool_new(workers, "worker"));
    lab_point_name(pool, "pool");
    lab_future *futures[MAX_FILES];
    for (int i = 0; i < files; i++)
        LAB_SETUP_NEW(futures[i] = lab_pool_submit(pool, pool_download, &flags[i]));
    bool bar = !lab_quiet() &&
               (progress == PROGRESS_BAR || (progress == PROGRESS_AUTO && isatty(STDOUT_FILENO)));
    lab_futures_as_completed *finished = lab_futures_as_completed_new(futures, (size_t)files);
    size_t i; /* the position of each future in futures[], as they finish */
    for (int done = 1; lab_futures_as_completed_next(finished, &i) == 0; done++) {
        long bytes = 0;
        int status = lab_future_result(futures[i], &bytes); /* done: no waiting; a 404 is ENOENT */
        if (bar)
            draw_bar(done, files, codes[i]);
        else if (status == ENOENT)
            say("[%2d/%d] *** Error for %s: HTTP 404 - not found", done, files, codes[i]);
        else /* fetched_by was written before the future finished: safe to read now */
            say("[%2d/%d] %s OK (%ld bytes, by %s)", done, files, codes[i], bytes,
                flags[i].fetched_by);
    }
    lab_futures_as_completed_free(finished);
    for (int k = 0; k < files; k++) {
        if (bar && flags[k].status == ENOENT) /* errors wait until the bar is done */
            say("*** Error for %s: HTTP 404 - not found", codes[k]);
        lab_future_free(futures[k]);
    }
    lab_pool_free(pool);
}

/* Time one way of downloading; returns class seconds. Fails the program on a real I/O error. */
static double timed_run(const char *mode, void (*run)(void), int *failed, int *verified)
{
    lab_print("== %s ==", mode);
    prepare(mode, flags, files);
    double begin = lab_now();
    run();
    double elapsed = lab_class_seconds(lab_now() - begin);
    *failed = *verified = 0;
    for (int i = 0; i < files; i++) {
        if (flags[i].status != 0 && flags[i].status != ENOENT)
            lab_fail("%s: %s", flags[i].path, strerror(flags[i].status));
        *failed += flags[i].status == ENOENT;
        *verified += flags[i].status == 0;
    }
    say("%d flags downloaded in %.2f s (%d failed)", *verified, elapsed, *failed);
    return elapsed;
}

static const char *check_fail_codes(void)
{
    return mark_missing(fail_codes, flags, files);
}

static const lab_option options[] = {
    LAB_INT("files", &files, 1, MAX_FILES, "K", "how many flags (the first K of CN IN US ... FR)"),
    LAB_INT("workers", &workers, 1, 64, "W", "pool size for the third run"),
    LAB_DOUBLE("latency", &latency, 0, 10, "S", "mean network time per file; each 0.5 S to 1.5 S"),
    LAB_STRING("fail", &fail_codes, "CC[,CC]", "these files answer HTTP 404 (e.g. --fail BR)"),
    LAB_CHOICE("progress", &progress, progress_names,
               "pool run: auto (bar on a terminal), bar, lines"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "download",
    .summary = "I/O-bound work: 20 downloads sequentially, one thread each, and on a pool of W",
    .python = "download_one(cc) in a loop vs a Thread per cc vs ThreadPoolExecutor + as_completed "
              "(Threads and pools, Threads for downloads, Futures and flags)",
    .details = "Three runs over the same files and latencies (drawn from --seed): one after the\n"
               "other in main, one thread per file (dl-CN ...), a pool of --workers (worker-0\n"
               "...) read with as_completed. Each file is written to a temporary directory, read\n"
               "back and compared; the directory is removed at the end. --fail CC makes a file\n"
               "answer 404: reported, not fatal. A table compares the runs.",
    .options = options,
    /* what --explore checks: every file arrived or was reported; the waits add up */
    .invariant = "verified + failed == files && sequential >= latency_sum - 0.01 && "
                 "threads >= latency_max - 0.01",
    .check = check_fail_codes,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    double latency_max, latency_sum = draw_latencies(flags, files, latency, &latency_max);
    make_temp_dir(); /* removed at exit, Ctrl-C included */
    say("%d files, latencies adding up to %.2f s (longest %.2f s); saving under %s", files,
        latency_sum, latency_max, temp_dir);

    const char *const modes[3] = {"sequential", "threads", "pool"};
    void (*const runs[3])(void) = {run_sequential, run_threads, run_pool};
    int failed[3], verified[3];
    double seconds[3];
    for (int r = 0; r < 3; r++) /* in this order: the same files, the same latencies */
        seconds[r] = timed_run(modes[r], runs[r], &failed[r], &verified[r]);
    for (int r = 1; r < 3; r++)
        if (verified[r] != verified[0] || failed[r] != failed[0])
            lab_fail("the runs disagree on which files arrived");
    print_table(files, workers, seconds, verified, failed);
    remove_temp_dir();
    double pool_x = seconds[2] > 0 ? seconds[0] / seconds[2] : 0;
    double threads_x = seconds[1] > 0 ? seconds[0] / seconds[1] : 0;
    say("the waits overlap: %.2f s in turn, %.2f s a thread each, %.2f s on %d workers", seconds[0],
        seconds[1], seconds[2], workers);
    lab_result("files=%d sequential=%.2f threads=%.2f pool=%.2f speedup_pool=%.2f "
               "speedup_threads=%.2f failed=%d verified=%d workers=%d latency_sum=%.2f "
               "latency_max=%.2f",
               files, seconds[0], seconds[1], seconds[2], pool_x, threads_x, failed[0], verified[0],
               workers, latency_sum, latency_max);
    return 0;
}
