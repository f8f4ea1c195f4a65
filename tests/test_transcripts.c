/* test_transcripts.c — every demo page carries a real transcript of its program, and the
 * program still prints it: a page and its program cannot drift apart.
 *
 * A page (docs/<demo>.md) marks its transcript:
 *     <!-- transcript: ARGS [; vary: TEXT]... [; drop: TEXT]... -->
 *     ```text
 *     ...the stdout of `<demo> ARGS --color=never`, pasted by tests/tools/transcripts.sh...
 *     ```
 *     <!-- end transcript -->
 * ARGS fix --seed and --speed. The test runs the demo with ARGS and compares its stdout with
 * the page's, both normalised the same way:
 *   - the stamp goes (a run's timing varies by milliseconds); a wrapped say() line is joined
 *     to the line it continues; a line without a stamp (a heading, a table, result:) is main's;
 *   - every decimal number becomes "#.#" (times measured or summed); runs of blanks one blank;
 *   - in a line that contains a vary TEXT, every digit becomes "#" (pids, counts that follow
 *     the machine's timing); a line that contains a drop TEXT is left out (a line whose very
 *     words follow the machine, as gil's verdict). Both lists are on the page, in the marker;
 *     a TEXT that starts with ^ matches only at the start of the line's text (after "name | "),
 *     and a vary TEXT that ends with = (a result key, "checks=") masks only that key's value;
 * and then every thread must have said the same lines in the same order (each thread says
 * its lines in program order: that order is the program's), while the interleaving of the
 * threads is free (that order is the scheduler's, and changes run to run). Nothing else is
 * forgiven: a changed wording, a line more or less, another order of results (map's 5..1),
 * another result key or integer value fails.
 * A fixed seed fixes the program's choices, not the schedule: where threads race (who looks
 * at the light first), a run may tell another true story. So a page passes when one of
 * TRIES runs matches it, and fails with the first difference of the last run; a drift
 * shows in every run. Regenerate the pages with tests/tools/transcripts.sh.
 * Every demo of the build must have a page with a transcript, except those listed in
 * pages_without_transcript (pages another helper edits this round; remove a row when its
 * page gets its transcript).
 */
#include "support.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRIES     3
#define MAX_LINES 2000
#define MAX_RULES 8
#define MAX_ARGS  32

/* Empty now: every page carries its transcript (NULL ends the table). */
static const char *const pages_without_transcript[] = {NULL};

typedef struct spec {
    char args_text[512], command[512];
    const char *args[MAX_ARGS + 2];
    const char *vary[MAX_RULES], *drop[MAX_RULES];
    int vary_count, drop_count;
    char storage[1024];
} spec;

typedef struct entry {
    char thread[40];
    char *text;
} entry;

typedef struct story {
    entry lines[MAX_LINES];
    int count;
} story;

static char *read_text(const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return NULL;
    size_t size = 0, used = 0;
    char *text = NULL;
    for (;;) {
        if (used + 4096 + 1 > size)
            text = realloc(text, size = 2 * size + 8192);
        ck_assert_ptr_nonnull(text);
        size_t n = fread(text + used, 1, 4096, file);
        used += n;
        if (n == 0)
            break;
    }
    fclose(file);
    text[used] = '\0';
    return text;
}

/* The marker's words: "ARGS ; vary: A ; drop: B". Returns false without a marker. */
static bool parse_spec(const char *page, spec *s)
{
    memset(s, 0, sizeof *s);
    const char *marker = strstr(page, "\n<!-- transcript: ");
    if (marker == NULL)
        return false;
    marker += strlen("\n<!-- transcript: ");
    const char *end = strstr(marker, " -->");
    ck_assert_ptr_nonnull(end);
    snprintf(s->storage, sizeof s->storage, "%.*s", (int)(end - marker), marker);
    char *rest = s->storage, *part;
    bool first = true;
    while ((part = strsep(&rest, ";")) != NULL) {
        while (*part == ' ')
            part++;
        size_t length = strlen(part);
        while (length > 0 && part[length - 1] == ' ')
            part[--length] = '\0';
        if (first) {
            snprintf(s->args_text, sizeof s->args_text, "%s", part);
            snprintf(s->command, sizeof s->command, "%s", part);
            first = false;
        } else if (strncmp(part, "vary: ", 6) == 0 && s->vary_count < MAX_RULES) {
            s->vary[s->vary_count++] = part + 6;
        } else if (strncmp(part, "drop: ", 6) == 0 && s->drop_count < MAX_RULES) {
            s->drop[s->drop_count++] = part + 6;
        } else {
            ck_abort_msg("transcript marker: unknown part '%s'", part);
        }
    }
    int n = 0;
    char *words = s->args_text, *word;
    while ((word = strsep(&words, " ")) != NULL && n < MAX_ARGS)
        if (*word != '\0')
            s->args[n++] = word;
    s->args[n++] = "--color=never";
    s->args[n] = NULL;
    return true;
}

/* The transcript between the marker's ```text and the closing ```, copied (caller frees). */
static char *page_transcript(const char *page)
{
    const char *marker = strstr(page, "\n<!-- transcript: ");
    const char *begin = marker != NULL ? strstr(marker, "\n```text\n") : NULL;
    ck_assert_msg(begin != NULL, "a transcript marker without a ```text block");
    begin += strlen("\n```text\n");
    const char *end = strstr(begin, "\n```\n");
    ck_assert_msg(end != NULL && strstr(begin, "\n<!-- end transcript -->") > end,
                  "the transcript block is not closed by ``` and <!-- end transcript -->");
    return strndup(begin, (size_t)(end - begin) + 1);
}

/* Each vary "KEY=": KEY's numeric value becomes "#", in place. */
static void mask_keys(char *text, const spec *s)
{
    for (int i = 0; i < s->vary_count; i++) {
        size_t length = strlen(s->vary[i]);
        if (length == 0 || s->vary[i][length - 1] != '=')
            continue;
        for (char *at = strstr(text, s->vary[i]); at != NULL; at = strstr(at + 1, s->vary[i])) {
            char *value = at + length, *end = value;
            while (isdigit((unsigned char)*end) || *end == '.')
                end++;
            if (end > value) { /* the whole value becomes one "#" */
                *value = '#';
                memmove(value + 1, end, strlen(end) + 1);
            }
        }
    }
}

/* Whether text contains one of the needles; a needle "^TEXT" matches only at the start. */
static bool contains_any(const char *text, const char *const *needles, int count)
{
    for (int i = 0; i < count; i++)
        if (needles[i][strlen(needles[i]) - 1] == '=')
            continue; /* a key: mask_keys' */
        else if (needles[i][0] == '^' ? strncmp(text, needles[i] + 1, strlen(needles[i] + 1)) == 0
                                      : strstr(text, needles[i]) != NULL)
            return true;
    return false;
}

/* Decimals to "#.#", blanks runs to one blank; with all_digits, every digit to "#". */
static char *normalise_text(const char *text, bool all_digits)
{
    size_t length = strlen(text);
    char *out = malloc(length + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    for (const char *t = text; *t != '\0';) {
        if (isdigit((unsigned char)*t)) {
            const char *d = t;
            while (isdigit((unsigned char)*d))
                d++;
            if (*d == '.' && isdigit((unsigned char)d[1])) {
                for (d++; isdigit((unsigned char)*d); d++)
                    ;
                o += sprintf(o, "#.#"); /* never longer: "#.#" is 3, a decimal at least 3 */
            } else if (all_digits) {
                *o++ = '#';
            } else {
                memcpy(o, t, (size_t)(d - t));
                o += d - t;
            }
            t = d;
        } else if (*t == ' ') {
            while (*t == ' ')
                t++;
            if (o > out && *t != '\0')
                *o++ = ' ';
        } else {
            *o++ = *t++;
        }
    }
    *o = '\0';
    return out;
}

/* "[  1.503] car-MINT   | text" -> thread "car-MINT", text; continuation lines joined. */
static void tell(const char *out, const spec *s, story *story)
{
    story->count = 0;
    char *copy = strdup(out), *rest = copy, *line;
    char joined[8192] = "", thread[40] = "";
    bool pending = false;
    for (;;) {
        line = strsep(&rest, "\n");
        bool continuation = line != NULL && line[0] == ' ' && strstr(line, "| ") != NULL &&
                            strspn(line, " ") == (size_t)(strstr(line, "| ") - line);
        if (continuation && pending) {
            size_t used = strlen(joined);
            snprintf(joined + used, sizeof joined - used, " %s", strstr(line, "| ") + 2);
            continue;
        }
        if (pending && !contains_any(joined, s->drop, s->drop_count)) {
            ck_assert_int_lt(story->count, MAX_LINES);
            entry *e = &story->lines[story->count++];
            snprintf(e->thread, sizeof e->thread, "%s", thread);
            mask_keys(joined, s);
            e->text = normalise_text(joined, contains_any(joined, s->vary, s->vary_count));
        }
        pending = false;
        if (line == NULL)
            break;
        if (line[0] == '\0')
            continue;
        const char *bar = strstr(line, " | ");
        if (line[0] == '[' && strchr(line, ']') != NULL && bar != NULL) {
            const char *name = strchr(line, ']') + 1;
            while (*name == ' ')
                name++;
            int length = (int)(bar - name);
            while (length > 0 && name[length - 1] == ' ')
                length--;
            snprintf(thread, sizeof thread, "%.*s", length, name);
            snprintf(joined, sizeof joined, "%s", bar + 3);
        } else {
            snprintf(thread, sizeof thread, "main"); /* headings, tables, result: */
            snprintf(joined, sizeof joined, "%s", line);
        }
        pending = true;
    }
    free(copy);
    /* Stable sort by thread: each thread's lines stay in their order. */
    for (int i = 1; i < story->count; i++) {
        entry moving = story->lines[i];
        int j = i;
        while (j > 0 && strcmp(story->lines[j - 1].thread, moving.thread) > 0) {
            story->lines[j] = story->lines[j - 1];
            j--;
        }
        story->lines[j] = moving;
    }
}

static void forget(story *story)
{
    for (int i = 0; i < story->count; i++)
        free(story->lines[i].text);
    story->count = 0;
}

/* NULL when the stories match; else the first difference, in text. */
static bool differ(const story *page, const story *run, char *why, size_t size)
{
    int n = page->count < run->count ? page->count : run->count;
    for (int i = 0; i < n; i++)
        if (strcmp(page->lines[i].thread, run->lines[i].thread) != 0 ||
            strcmp(page->lines[i].text, run->lines[i].text) != 0) {
            snprintf(why, size, "the page has  %s | %s\n  the run has   %s | %s",
                     page->lines[i].thread, page->lines[i].text, run->lines[i].thread,
                     run->lines[i].text);
            return true;
        }
    if (page->count != run->count) {
        const story *longer = page->count > run->count ? page : run;
        snprintf(why, size, "%s has %d more line(s), from  %s | %s",
                 longer == page ? "the page" : "the run", longer->count - n,
                 longer->lines[n].thread, longer->lines[n].text);
        return true;
    }
    return false;
}

static story page_story, run_story;

/* The page's transcript against up to TRIES runs; a message in failures when none matched. */
static void check_page(const char *demo, const char *page, char *failures, size_t size)
{
    spec s;
    ck_assert(parse_spec(page, &s));
    char *transcript = page_transcript(page);
    tell(transcript, &s, &page_story);
    free(transcript);
    ck_assert_msg(page_story.count > 3, "%s: the transcript is nearly empty", demo);
    char why[2048] = "";
    bool matched = false;
    for (int attempt = 0; attempt < TRIES && !matched; attempt++) {
        child_run run = run_demo_argv(demo, s.args, RUN_TIMEOUT);
        assert_exit_ok(&run);
        tell(run.out, &s, &run_story);
        matched = !differ(&page_story, &run_story, why, sizeof why);
        forget(&run_story);
        child_run_free(&run);
    }
    forget(&page_story);
    if (!matched)
        snprintf(failures + strlen(failures), size - strlen(failures),
                 "docs/%s.md (%s %s):\n  %s\n", demo, demo, s.command, why);
}

START_TEST(every_page_transcript_is_what_its_program_prints)
{
    FILE *list = fopen(demo_path("demos.list"), "r");
    ck_assert_msg(list != NULL, "cannot read %s", demo_path("demos.list"));
    ck_assert_msg(access("docs/race.md", R_OK) == 0, "run from the source tree (make test does)");
    static char failures[16384];
    failures[0] = '\0';
    char demo[32];
    int checked = 0;
    while (fscanf(list, "%31s", demo) == 1) {
        char path[64];
        snprintf(path, sizeof path, "docs/%s.md", demo);
        char *page = read_text(path);
        spec s;
        bool excused = false;
        for (size_t i = 0; pages_without_transcript[i] != NULL; i++)
            excused |= strcmp(pages_without_transcript[i], demo) == 0;
        if (page == NULL || !parse_spec(page, &s)) {
            if (!excused)
                snprintf(failures + strlen(failures), sizeof failures - strlen(failures),
                         "%s: no transcript (<!-- transcript: ARGS -->, see "
                         "tests/tools/transcripts.sh)\n",
                         path);
        } else {
            check_page(demo, page, failures, sizeof failures);
            checked++;
        }
        free(page);
    }
    fclose(list);
    ck_assert_msg(failures[0] == '\0', "%s", failures);
    ck_assert_int_gt(checked, 0);
}
END_TEST

/* The comparison itself: what it forgives and what it does not. */
START_TEST(the_comparison_forgives_timing_and_nothing_else)
{
    spec s;
    ck_assert(parse_spec(
        "x\n<!-- transcript: --seed 1 ; vary: pid ; vary: t= ; drop: computing -->\n", &s));
    ck_assert_str_eq(s.args[0], "--seed");
    ck_assert_str_eq(s.args[2], "--color=never");
    ck_assert_ptr_null(s.args[3]);
    const char *page = "[  0.001] main       | start\n"
                       "[  0.002] t1         | a 1.50 s\n"
                       "[  0.002] t2         | b\n"
                       "[  0.003] t1         | c, a long line\n"
                       "                     | wrapped\n"
                       "[  0.004] main       | pid 123 ends\n"
                       "[  0.005] t2         | computing 5%\n"
                       "result: n=2 t=1.50 seed=1\n";
    const char *same = "[  0.001] main       | start\n"
                       "[  0.002] t2         | b\n"        /* another interleaving */
                       "[  0.003] t1         | a 1.71 s\n" /* another time */
                       "[  0.004] t1         | c, a long line wrapped\n"
                       "[  0.004] main       | pid 98765 ends\n"
                       "result: n=2 t=12 seed=1\n";
    const char *const others[] = {
        "[  0.001] main       | start\n[  0.002] t1         | c, a long line wrapped\n"
        "[  0.002] t1         | a 1.50 s\n[  0.002] t2         | b\n[  0.004] main       | pid 1 "
        "ends\n"
        "result: n=2 t=1.50 seed=1\n", /* t1's own order changed */
        "[  0.001] main       | start\n[  0.002] t1         | a 1.50 s\n[  0.002] t2         | b\n"
        "[  0.003] t1         | c, a long line wrapped\n[  0.004] main       | pid 1 ends\n"
        "result: n=3 t=1.50 seed=1\n", /* another integer in the result */
        "[  0.001] main       | start\n[  0.002] t1         | a 1.50 s\n[  0.002] t2         | b!\n"
        "[  0.003] t1         | c, a long line wrapped\n[  0.004] main       | pid 1 ends\n"
        "result: n=2 t=1.50 seed=1\n", /* another wording */
        "[  0.001] main       | start\n[  0.002] t1         | a 1.50 s\n"
        "[  0.003] t1         | c, a long line wrapped\n[  0.004] main       | pid 1 ends\n"
        "result: n=2 t=1.50 seed=1\n", /* a line less */
    };
    char why[1024];
    tell(page, &s, &page_story);
    tell(same, &s, &run_story);
    ck_assert_msg(!differ(&page_story, &run_story, why, sizeof why), "%s", why);
    forget(&run_story);
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        tell(others[i], &s, &run_story);
        ck_assert_msg(differ(&page_story, &run_story, why, sizeof why), "case %zu passed", i);
        forget(&run_story);
    }
    forget(&page_story);
}
END_TEST

static Suite *transcripts_suite(void)
{
    Suite *suite = suite_create("transcripts");
    TCase *pages = tcase_create("pages");
    tcase_set_timeout(pages, 240);
    tcase_add_test(pages, the_comparison_forgives_timing_and_nothing_else);
    tcase_add_test(pages, every_page_transcript_is_what_its_program_prints);
    suite_add_tcase(suite, pages);
    return suite;
}

LAB_TEST_MAIN(transcripts_suite)
