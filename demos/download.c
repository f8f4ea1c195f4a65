/* download — why threads speed up I/O-bound work: the same 20 "flag downloads" one after
 * the other, with one thread per file, and on a pool of W workers.
 *
 * Python (seeds 000, 001, 002): download 15 pictures or the flags of the 20 most populous
 * countries (CN IN US ... FR): one by one ~11 s, one thread each ~1 s, a
 * ThreadPoolExecutor ~1-2 s; seed 002 adds submit + as_completed with a tqdm progress bar
 * and a 404 that is reported ("*** Error for CC: HTTP 404") without stopping the rest.
 * Here the network is simulated: each file's latency is drawn from --seed (the same in all
 * three runs), then its bytes (the same for the same code and seed) are really written to a
 * temporary directory and read back to verify them. While a thread waits for the network
 * the CPU is free, so waits overlap: that is the whole speed-up (the gil demo shows that
 * CPU-bound work is another story).
 * Observe: sequential takes the sum of the latencies; one thread per file about the
 * longest one; the pool about sum / W. The failed file (--fail CC) is reported each time,
 * and the others are still saved. On a terminal the pool run shows a progress bar.
 */
#include "interrupt.h"
#include "lab.h"
#include "pool.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdatomic.h>
#include <unistd.h>

#define MAX_FILES 20
#define MAX_BYTES 8192

static int files = MAX_FILES;
static int workers = 4;
static double latency = 0.5;
static const char *fail_codes = NULL;
static int progress = 0;
static const char *const progress_names[] = {"auto", "bar", "lines", NULL};
enum { PROGRESS_AUTO, PROGRESS_BAR, PROGRESS_LINES };

static const char *const codes[MAX_FILES] = {"CN", "IN", "US", "ID", "BR", "PK", "NG", "BD", "RU", "JP",
                                             "MX", "PH", "VN", "ET", "EG", "DE", "IR", "TR", "CD", "FR"};

typedef struct flag {
    int index;
    double latency;      /* class seconds of simulated network time */
    bool missing;        /* the server answers 404 */
    char path[PATH_MAX]; /* where this run saves it */
    int status;          /* 0, ENOENT (404), or an I/O error; written by the fetching thread */
    long bytes;
    char fetched_by[LAB_NAME_MAX];
} flag;

static flag flags[MAX_FILES];
static char temp_dir[PATH_MAX];

/* The file's content: seeded bytes, the same for the same code and seed. */
static size_t flag_bytes(int index, unsigned char *data)
{
    lab_rng rng = lab_rng_stream(100 + (uint64_t)index);
    size_t size = (size_t)lab_rng_between(&rng, 1024, MAX_BYTES);
    for (size_t i = 0; i < size; i++)
        data[i] = (unsigned char)lab_rng_between(&rng, 0, 255);
    return size;
}

/* Write the bytes, read them back, compare. Returns 0 or an errno value. */
static int save_and_verify(const char *path, const unsigned char *data, size_t size)
{
    unsigned char back[MAX_BYTES + 1];
    FILE *file = fopen(path, "wb");
    bool saved = file != NULL && fwrite(data, 1, size, file) == size;
    if (file != NULL && fclose(file) != 0)
        saved = false;
    if (!saved || (file = fopen(path, "rb")) == NULL)
        return errno != 0 ? errno : EIO;
    size_t got = fread(back, 1, sizeof back, file);
    fclose(file);
    return got == size && memcmp(back, data, size) == 0 ? 0 : EIO;
}

/* The tutorial's download_one(cc): wait for the "network", then save and verify. */
static void download_one(flag *f)
{
    lab_sleep(f->latency);   /* blocked on I/O: the thread waits, the CPU does other work */
    snprintf(f->fetched_by, sizeof f->fetched_by, "%s", lab_thread_current_name());
    if (f->missing) {
        f->status = ENOENT;   /* HTTP 404: a failure of this file, not of the program */
        return;
    }
    unsigned char data[MAX_BYTES];
    size_t size = flag_bytes(f->index, data);
    f->status = save_and_verify(f->path, data, size);
    f->bytes = f->status == 0 ? (long)size : 0;
}

static void say_outcome(const flag *f)
{
    if (f->status == ENOENT)
        say("*** Error for %s: HTTP 404 - not found", codes[f->index]);
    else
        say("%s %s (%ld bytes, %.2f s)", codes[f->index], f->status == 0 ? "OK" : strerror(f->status), f->bytes,
            f->latency);
}

static void *thread_download(void *arg)
{
    download_one(arg);
    say_outcome(arg);
    return NULL;
}

static int pool_download(void *arg, long *value)
{
    flag *f = arg;
    download_one(f);
    *value = f->bytes;
    return f->status;
}

/* Seed 002's tqdm: one line redrawn in place (\r). say() writes whole lines, so the bar is
 * written directly; only main draws it, and no other thread prints while it is up. */
static void draw_bar(int done, int total, const char *code)
{
    char line[96], bar[41];
    int filled = done * 40 / total;
    for (int i = 0; i < 40; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[40] = '\0';
    int n = snprintf(line, sizeof line, "\r[%s] %2d/%d %s%s", bar, done, total, code, done == total ? "\n" : "");
    if (write(STDOUT_FILENO, line, (size_t)n) < 0)
        return;   /* stdout gone: nothing to show */
}

/* Prepare one run: a fresh subdirectory, every flag's path, status cleared. */
static void prepare(const char *mode)
{
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/%s", temp_dir, mode) >= (int)sizeof dir || mkdir(dir, 0755) != 0)
        lab_fail("cannot create %s/%s: %s", temp_dir, mode, strerror(errno));
    for (int i = 0; i < files; i++) {
        flag *f = &flags[i];
        if (snprintf(f->path, sizeof f->path, "%s/%c%c.gif", dir, codes[i][0] | 0x20, codes[i][1] | 0x20) < 0)
            lab_fail("cannot name a file under %s", dir);
        f->status = -1;
        f->bytes = 0;
    }
}

static void run_sequential(void)
{
    for (int i = 0; i < files; i++) {
        download_one(&flags[i]);
        say_outcome(&flags[i]);
    }
}

static void run_threads(void)
{
    lab_thread *threads[MAX_FILES];
    for (int i = 0; i < files; i++)
        threads[i] = lab_thread_start(thread_download, &flags[i], LAB_NOT_DAEMON, "dl-%s", codes[i]);
    for (int i = 0; i < files; i++)
        lab_thread_join(threads[i]);
}

static void run_pool(void)
{
    lab_pool *pool = lab_pool_new(workers, "worker");
    lab_future *futures[MAX_FILES];
    for (int i = 0; i < files; i++)
        futures[i] = lab_pool_submit(pool, pool_download, &flags[i]);
    bool bar = !lab_quiet() && (progress == PROGRESS_BAR || (progress == PROGRESS_AUTO && isatty(STDOUT_FILENO)));
    lab_futures_as_completed *finished = lab_futures_as_completed_new(futures, (size_t)files, LAB_FOREVER);
    size_t i;
    for (int done = 1; lab_futures_as_completed_next(finished, &i) == 0; done++) {   /* as they finish */
        long bytes = 0;
        int status = lab_future_result(futures[i], 0, &bytes);   /* done: no waiting; a 404 is ENOENT */
        if (bar)
            draw_bar(done, files, codes[i]);
        else if (status == ENOENT)
            say("[%2d/%d] *** Error for %s: HTTP 404 - not found", done, files, codes[i]);
        else   /* fetched_by was written before the future finished: safe to read now */
            say("[%2d/%d] %s OK (%ld bytes, by %s)", done, files, codes[i], bytes, flags[i].fetched_by);
    }
    lab_futures_as_completed_free(finished);
    for (int k = 0; k < files; k++) {
        if (bar && flags[k].status == ENOENT)   /* errors wait until the bar is done */
            say("*** Error for %s: HTTP 404 - not found", codes[k]);
        lab_future_free(futures[k]);
    }
    lab_pool_free(pool);
}

/* Time one way of downloading; returns class seconds. Fails the program on a real I/O error. */
static double timed_run(const char *mode, void (*run)(void), int *failed, int *verified)
{
    lab_print("== %s ==", mode);
    prepare(mode);
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

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

/* Remove the directory once: at the end of main, or from atexit after a runtime failure or
 * a Ctrl-C (then on the "signals" thread, while main may still run: hence the atomic flag,
 * and temp_dir is only read here). */
static void remove_temp_dir(void)
{
    static atomic_bool removed;
    if (!atomic_exchange(&removed, true))
        nftw(temp_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The position of the 2-letter code at text among the files downloaded, or -1. */
static int code_index(const char *text, size_t length)
{
    for (int i = 0; i < files; i++)
        if (length == 2 && strncasecmp(text, codes[i], 2) == 0)
            return i;
    return -1;
}

/* --fail CC[,CC...]: mark them missing; NULL, or a message when one is unknown. */
static const char *mark_missing(void)
{
    static char message[160];
    for (const char *p = fail_codes; p != NULL; p = p[strcspn(p, ",")] == ',' ? p + strcspn(p, ",") + 1 : NULL) {
        size_t length = strcspn(p, ",");
        int i = code_index(p, length);
        if (i < 0) {
            snprintf(message, sizeof message, "--fail: '%.*s' is not one of the %d codes downloaded (%s ... %s)",
                     (int)(length < 20 ? length : 20), p, files, codes[0], codes[files - 1]);
            return message;
        }
        flags[i].missing = true;
    }
    return NULL;
}

static const lab_option options[] = {
    LAB_INT("files", &files, 1, MAX_FILES, "K", "how many flags (the first K of CN IN US ... FR)"),
    LAB_INT("workers", &workers, 1, 64, "W", "pool size for the third run"),
    LAB_DOUBLE("latency", &latency, 0, 10, "S", "mean network time per file; each takes 0.5 S to 1.5 S"),
    LAB_STRING("fail", &fail_codes, "CC[,CC]", "these files answer HTTP 404 (e.g. --fail BR)"),
    LAB_CHOICE("progress", &progress, progress_names, "pool run: auto (bar on a terminal), bar, lines"),
    LAB_END,
};

static const lab_demo demo = {
    .name = "download",
    .summary = "I/O-bound work: 20 downloads sequentially, one thread each, and on a pool of W",
    .python = "download_one(cc) in a loop vs a Thread per cc vs ThreadPoolExecutor + as_completed (seeds 000-002)",
    .details = "Three runs over the same files and latencies (drawn from --seed): one after the other in\n"
               "main, one thread per file (dl-CN ...), a pool of --workers (worker-0 ...) read with as_completed.\n"
               "Each file is written to a temporary directory, read back and compared; the directory is removed\n"
               "at the end. --fail CC makes a file answer 404: reported, not fatal. A table compares the runs.",
    .options = options,
    .check = mark_missing,
};

int main(int argc, char **argv)
{
    lab_init(&demo, argc, argv);
    double latency_sum = 0, latency_max = 0;
    for (int i = 0; i < files; i++) {
        lab_rng rng = lab_rng_stream((uint64_t)i);
        flags[i].index = i;
        flags[i].latency = lab_rng_uniform(&rng, 0.5 * latency, 1.5 * latency);
        latency_sum += flags[i].latency;
        latency_max = flags[i].latency > latency_max ? flags[i].latency : latency_max;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_dir, sizeof temp_dir, "%s/threadlab-download-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(temp_dir) == NULL)
        lab_fail("cannot create a temporary directory: %s", strerror(errno));
    atexit(remove_temp_dir);
    /* Ctrl-C now goes through exit(), so the directory is removed. Only now: the handler runs
     * on the "signals" thread, and starting that thread after temp_dir is written is what
     * makes the write visible to it (no data race). */
    lab_interrupt_exit_on_signal();
    say("%d files, latencies adding up to %.2f s (longest %.2f s); saving under %s", files, latency_sum,
        latency_max, temp_dir);

    int failed[3], verified[3];
    double sequential = timed_run("sequential", run_sequential, &failed[0], &verified[0]);
    double threads = timed_run("threads", run_threads, &failed[1], &verified[1]);
    double pooled = timed_run("pool", run_pool, &failed[2], &verified[2]);
    if (verified[1] != verified[0] || verified[2] != verified[0] || failed[1] != failed[0] || failed[2] != failed[0])
        lab_fail("the runs disagree on which files arrived");

    lab_print("%-22s %5s %5s %7s %9s %9s", "run", "files", "ok", "failed", "seconds", "speed-up");
    const char *names[3] = {"sequential", "one thread per file", NULL};
    char pool_name[32];
    snprintf(pool_name, sizeof pool_name, "pool of %d workers", workers);
    names[2] = pool_name;
    double seconds[3] = {sequential, threads, pooled};
    for (int r = 0; r < 3; r++)
        lab_print("%-22s %5d %5d %7d %9.2f %8.1fx", names[r], files, verified[r], failed[r], seconds[r],
                  seconds[r] > 0 ? sequential / seconds[r] : 0);
    remove_temp_dir();
    lab_result("files=%d sequential=%.2f threads=%.2f pool=%.2f speedup_pool=%.2f speedup_threads=%.2f failed=%d "
               "verified=%d workers=%d latency_sum=%.2f latency_max=%.2f",
               files, sequential, threads, pooled, pooled > 0 ? sequential / pooled : 0,
               threads > 0 ? sequential / threads : 0, failed[0], verified[0], workers, latency_sum, latency_max);
    return 0;
}
