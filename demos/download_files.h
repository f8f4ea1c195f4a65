/* download_files.h — the download demo's file handling, kept beside it so the demo reads as the
 * three runs: the country codes, each file's seeded latency and bytes, writing and verifying them
 * in a temporary directory that is removed at exit (even after Ctrl-C), --fail parsing, a file's
 * outcome line, the progress bar. */
#ifndef THREADLAB_DOWNLOAD_FILES_H
#define THREADLAB_DOWNLOAD_FILES_H

#include "interrupt.h"
#include "lab.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILES 20
#define MAX_BYTES 8192

static const char *const codes[MAX_FILES] = {"CN", "IN", "US", "ID", "BR", "PK", "NG",
                                             "BD", "RU", "JP", "MX", "PH", "VN", "ET",
                                             "EG", "DE", "IR", "TR", "CD", "FR"};

typedef struct flag {
    int index;
    double latency;      /* class seconds of simulated network time */
    bool missing;        /* the server answers 404 */
    char path[PATH_MAX]; /* where this run saves it */
    int status;          /* 0, ENOENT (404), or an I/O error; written by the fetching thread */
    long bytes;
    char fetched_by[LAB_THREAD_NAME_MAX];
} flag;

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

/* Futures and flags' tqdm: one line redrawn in place (\r). say() writes whole lines, so the bar is
 * written directly; only main draws it, and no other thread prints while it is up. */
static void draw_bar(int done, int total, const char *code)
{
    char line[96], bar[41];
    int filled = done * 40 / total;
    for (int i = 0; i < 40; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[40] = '\0';
    int n = snprintf(line, sizeof line, "\r[%s] %2d/%d %s%s", bar, done, total, code,
                     done == total ? "\n" : "");
    if (write(STDOUT_FILENO, line, (size_t)n) < 0)
        return; /* stdout gone: nothing to show */
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

/* Make the temporary directory under $TMPDIR (or /tmp), removed at exit; a runtime failure
 * if it cannot be made. */
static void make_temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(temp_dir, sizeof temp_dir, "%s/threadlab-download-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(temp_dir) == NULL)
        lab_fail("cannot create a temporary directory: %s", strerror(errno));
    atexit(remove_temp_dir);
    /* Ctrl-C now goes through exit(), so the directory is removed. Only now: the handler runs
     * on the "signals" thread, and starting that thread after temp_dir is written is what
     * makes the write visible to it (no data race). */
    /* Not under schedule control: the "signals" thread would be one of the scheduled
     * threads and wait in sigwait() holding the baton (a controlled run takes
     * milliseconds; Ctrl-C then leaves the directory behind). */
    if (!LAB_SCHED_ON())
        lab_interrupt_exit_on_signal();
}

/* Each file's latency, 0.5 to 1.5 times the mean, from its own stream of --seed: the same in
 * every run. Returns their sum, and the longest in *longest. */
static inline double draw_latencies(flag *flags, int files, double mean, double *longest)
{
    double sum = 0;
    *longest = 0;
    for (int i = 0; i < files; i++) {
        lab_rng rng = lab_rng_stream((uint64_t)i);
        flags[i].index = i;
        flags[i].latency = lab_rng_uniform(&rng, 0.5 * mean, 1.5 * mean);
        sum += flags[i].latency;
        *longest = flags[i].latency > *longest ? flags[i].latency : *longest;
    }
    return sum;
}

/* A file's line once it is fetched: OK with its size and latency, or the 404. */
static inline void say_fetched(const flag *f)
{
    if (f->status == ENOENT)
        say("*** Error for %s: HTTP 404 - not found", codes[f->index]);
    else
        say("%s %s (%ld bytes, %.2f s)", codes[f->index],
            f->status == 0 ? "OK" : strerror(f->status), f->bytes, f->latency);
}

/* Prepare one run: a fresh subdirectory, every flag's path, status cleared. */
static void prepare(const char *mode, flag *flags, int files)
{
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s/%s", temp_dir, mode) >= (int)sizeof dir ||
        mkdir(dir, 0755) != 0)
        lab_fail("cannot create %s/%s: %s", temp_dir, mode, strerror(errno));
    for (int i = 0; i < files; i++) {
        flag *f = &flags[i];
        if (snprintf(f->path, sizeof f->path, "%s/%c%c.gif", dir, codes[i][0] | 0x20,
                     codes[i][1] | 0x20) < 0)
            lab_fail("cannot name a file under %s", dir);
        f->status = -1;
        f->bytes = 0;
    }
}

/* --fail CC[,CC...]: mark them missing among the first `files`; NULL, or a message when
 * one is not a code downloaded. */
static const char *mark_missing(const char *fail_codes, flag *flags, int files)
{
    static char message[160];
    for (const char *p = fail_codes; p != NULL;
         p = p[strcspn(p, ",")] == ',' ? p + strcspn(p, ",") + 1 : NULL) {
        size_t length = strcspn(p, ",");
        int i = files - 1;
        while (i >= 0 && !(length == 2 && strncasecmp(p, codes[i], 2) == 0))
            i--;
        if (i < 0) {
            snprintf(message, sizeof message,
                     "--fail: '%.*s' is not one of the %d codes downloaded (%s ... %s)",
                     (int)(length < 20 ? length : 20), p, files, codes[0], codes[files - 1]);
            return message;
        }
        flags[i].missing = true;
    }
    return NULL;
}

/* The table comparing the three runs. */
static void print_table(int files, int workers, const double *seconds, const int *verified,
                        const int *failed)
{
    char pool_name[32];
    snprintf(pool_name, sizeof pool_name, "pool of %d workers", workers);
    const char *names[3] = {"sequential", "one thread per file", pool_name};
    lab_print("%-22s %5s %5s %7s %9s %9s", "run", "files", "ok", "failed", "seconds", "speed-up");
    for (int r = 0; r < 3; r++)
        lab_print("%-22s %5d %5d %7d %9.2f %8.1fx", names[r], files, verified[r], failed[r],
                  seconds[r], seconds[r] > 0 ? seconds[0] / seconds[r] : 0);
}

#endif
