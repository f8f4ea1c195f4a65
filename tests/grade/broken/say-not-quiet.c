/* Broken on purpose (tests/grade/broken/, used by tests/test_course.c): common/say.c with one
 * change: say() ignores --quiet: the story is printed although only the result: line was asked for.
 * Try: make grade MODULE=say SRC=tests/grade/broken/say-not-quiet.c
 * grade: module say
 * expect: FAIL ; quiet_keeps_only_the_result_line
 */
/* say.c — untearable, wrapped, time-ordered output lines (see say.h). */
#include "say.h"

#include "checked.h"
#include "clock.h"
#include "rng.h"
#include "thread.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME_COLUMN 10                 /* the name column's width; longer names push the bar */
#define OUT_MAX     (4 * LAB_LINE_MAX) /* a wrapped line: the text plus its continuation indents */
#define SEEN_MAX    512                /* names remembered for their colour; later ones hash */

static pthread_mutex_t output_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool quiet;
static atomic_int colour_choice = LAB_COLOR_AUTO;
static atomic_int colour_decided = -1; /* -1: not decided yet, then 0 or 1 */

/* Mid-light colours of the xterm 256-colour table (fixed RGB, not remapped by themes):
 * each has a contrast ratio of at least 3.8 against both white and black, and the order
 * puts far-apart hues first: red, blue, green, magenta, orange, teal, purple, olive. */
static const int palette[LAB_PALETTE_SIZE] = {160, 27, 28, 163, 130, 30, 129, 64};

/* Names in order of first appearance (under output_lock): the index picks the colour. */
static char seen[SEEN_MAX][LAB_THREAD_NAME_MAX];
static int seen_colour[SEEN_MAX]; /* the palette index each name got */
static int seen_count;
/* Processes: a forked child numbers the names it meets on its own, so child k starts its new
 * names k + 1 places further along the palette than the parent would: workers of a process
 * pool (each naming itself once) get colours different from each other and from the parent's
 * next name. (Names seen before the fork keep their colours.) */
static int children_forked; /* in the parent: how many fork() calls so far */
static int colour_offset;   /* in a child: where its new names start */

/* fork() copies only the calling thread. If another thread were inside say() at that
 * moment, the child's copy of output_lock would stay locked forever. So fork waits until
 * no line is being written (prepare), and both sides release the lock afterwards. */
static void before_fork(void)
{
    lab_pthread_mutex_lock(&output_lock);
}

static void after_fork_in_parent(void)
{
    children_forked++;
    lab_pthread_mutex_unlock(&output_lock);
}

static void after_fork_in_child(void)
{
    colour_offset += children_forked + 1;
    children_forked = 0;
    lab_pthread_mutex_unlock(&output_lock);
}

__attribute__((constructor)) static void register_fork_handlers(void)
{
    LAB_CHECK(pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child));
}

void lab_set_quiet(bool value)
{
    atomic_store(&quiet, value);
}

bool lab_quiet(void)
{
    return atomic_load(&quiet);
}

void lab_set_color(lab_color when)
{
    atomic_store(&colour_choice, (int)when);
    atomic_store(&colour_decided, -1);
}

static bool use_colour(void)
{
    int decided = atomic_load(&colour_decided);
    if (decided < 0) {
        int choice = atomic_load(&colour_choice);
        const char *no_colour = getenv("NO_COLOR");
        if (choice == LAB_COLOR_AUTO)
            decided = isatty(STDOUT_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
        else
            decided = choice == LAB_COLOR_ALWAYS;
        atomic_store(&colour_decided, decided);
    }
    return decided == 1;
}

/* The colour of a thread name: by order of first appearance. Caller holds output_lock. */
static int colour_of(const char *name)
{
    for (int i = 0; i < seen_count; i++)
        if (strcmp(seen[i], name) == 0)
            return palette[seen_colour[i]];
    if (seen_count < SEEN_MAX) {
        snprintf(seen[seen_count], LAB_THREAD_NAME_MAX, "%s", name);
        seen_colour[seen_count] = (seen_count + colour_offset) % LAB_PALETTE_SIZE;
        return palette[seen_colour[seen_count++]];
    }
    unsigned hash = 5381; /* hundreds of names: the colours could not be told apart anyway */
    for (const char *c = name; *c != '\0'; c++)
        hash = hash * 33u + (unsigned char)*c;
    return palette[hash % LAB_PALETTE_SIZE];
}

/* ---- measuring and cutting text in columns --------------------------------------- */

/* Bytes of the UTF-8 sequence or ANSI escape at s (at least 1), and its columns in *width:
 * escapes take none, East Asian wide characters two, combining marks none. */
static size_t next_glyph(const char *s, size_t left, int *width)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == '\033' && left > 1 && u[1] == '[') { /* CSI: ends with a letter */
        size_t n = 2;
        while (n < left && !((u[n] >= 'A' && u[n] <= 'Z') || (u[n] >= 'a' && u[n] <= 'z')))
            n++;
        *width = 0;
        return n < left ? n + 1 : n;
    }
    size_t n = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc0 ? 2 : 1;
    if (n > left)
        n = left;
    uint32_t cp = n == 1 ? u[0] : (uint32_t)(u[0] & (0x7f >> n));
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (u[i] & 0x3f);
    if (cp >= 0x300 && cp <= 0x36f)
        *width = 0;
    else if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
             (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
             (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
             (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || cp >= 0x20000)
        *width = 2;
    else
        *width = 1;
    return n;
}

/* Columns text[0..length) takes on screen. */
static int columns(const char *text, size_t length)
{
    int total = 0;
    for (size_t i = 0; i < length;) {
        int width;
        i += next_glyph(text + i, length - i, &width);
        total += width;
    }
    return total;
}

/* How many bytes of text[0..length) go on a line of `room` columns: up to an explicit
 * newline, else up to the last space that fits, else (one long word) as much as fits.
 * *skip is how many bytes after them to drop (the newline or the space). */
static size_t fit(const char *text, size_t length, int room, size_t *skip)
{
    size_t last_space = 0;
    int used = 0;
    *skip = 0;
    for (size_t i = 0; i < length;) {
        if (text[i] == '\n') {
            *skip = 1;
            return i;
        }
        int width;
        size_t n = next_glyph(text + i, length - i, &width);
        if (used + width > room) {
            if (text[i] == ' ') {
                *skip = 1;
                return i;
            }
            if (last_space > 0) {
                *skip = 1;
                return last_space;
            }
            return i > 0 ? i : n; /* a glyph wider than the room still goes somewhere */
        }
        if (text[i] == ' ')
            last_space = i;
        used += width;
        i += n;
    }
    return length;
}

/* ---- building and writing lines ---------------------------------------------------- */

typedef struct buffer {
    char *text;
    size_t used, size; /* size includes room for the final '\n' */
} buffer;

static void add(buffer *b, const char *text, size_t length)
{
    if (length > b->size - 1 - b->used)
        length = b->size - 1 - b->used;
    memcpy(b->text + b->used, text, length);
    b->used += length;
}

/* Append formatted text; on overflow end it with "...". */
static void add_formatted(buffer *b, const char *format, va_list args)
{
    size_t room = b->size - 1 - b->used; /* keep one byte for '\n' */
    int n = vsnprintf(b->text + b->used, room + 1, format, args);
    if (n < 0)
        return;
    if ((size_t)n > room) {
        memcpy(b->text + b->size - 4, "...", 3);
        b->used = b->size - 1;
    } else {
        b->used += (size_t)n;
    }
}

static void add_text(buffer *b, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void add_text(buffer *b, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    add_formatted(b, format, args);
    va_end(args);
}

/* Append text wrapped to LAB_COLUMNS: the first piece fills the line already begun
 * (first_room columns left), every other starts with `lead` (indent_columns wide). */
static void add_wrapped(buffer *out, const char *text, size_t length, int first_room,
                        const char *lead, int indent_columns)
{
    int room = first_room;
    for (bool first = true; first || length > 0; first = false) {
        if (!first) {
            add(out, "\n", 1);
            add(out, lead, strlen(lead));
            room = LAB_COLUMNS - indent_columns;
        }
        if (room < 20)
            room = 20; /* a very long prefix: stay readable rather than exact */
        size_t skip;
        size_t take = fit(text, length, room, &skip);
        add(out, text, take);
        text += take + skip;
        length -= take + skip;
    }
}

/* Write the whole buffer, retrying short writes and EINTR. Caller holds output_lock. */
static void write_all(const char *text, size_t length)
{
    while (length > 0) {
        ssize_t n = write(STDOUT_FILENO, text, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* stdout closed or full disk: nothing sensible to do in a demo */
        text += n;
        length -= (size_t)n;
    }
}

/* The result: line is the last line on stdout, by contract: once it is out, a daemon thread
 * still talking while the program exits must not add a line after it. Under output_lock. */
static bool result_written;

static void finish(buffer *b)
{
    if (result_written)
        return;
    b->text[b->used++] = '\n';
    write_all(b->text, b->used);
}

void say(const char *format, ...)
{
    /* BROKEN: --quiet forgotten */
    char text_space[LAB_LINE_MAX];
    buffer text = {text_space, 0, sizeof text_space};
    va_list args;
    va_start(args, format);
    add_formatted(&text, format, args);
    va_end(args);

    const char *name = lab_thread_current_name();
    bool colour = use_colour() && strcmp(name, "main") != 0;
    char out_space[OUT_MAX];
    buffer out = {out_space, 0, sizeof out_space};
    /* The stamp is read under the lock that orders the lines, so stamps never go back. */
    lab_pthread_mutex_lock(&output_lock);
    add_text(&out, "[%7.3f] ", lab_class_seconds(lab_elapsed()));
    if (colour)
        add_text(&out, "\033[38;5;%dm%-*s\033[0m | ", colour_of(name), NAME_COLUMN, name);
    else
        add_text(&out, "%-*s | ", NAME_COLUMN, name);
    int prefix = columns(out.text, out.used);
    char lead[64]; /* continuation lines: blanks, then the bar under the bar */
    snprintf(lead, sizeof lead, "%*s| ", prefix - 2 < 60 ? prefix - 2 : 60, "");
    add_wrapped(&out, text.text, text.used, LAB_COLUMNS - prefix, lead,
                columns(lead, strlen(lead)));
    finish(&out);
    lab_pthread_mutex_unlock(&output_lock);
}

void lab_print(const char *format, ...)
{
    if (lab_quiet())
        return;
    char text_space[LAB_LINE_MAX];
    buffer text = {text_space, 0, sizeof text_space};
    va_list args;
    va_start(args, format);
    add_formatted(&text, format, args);
    va_end(args);

    char out_space[OUT_MAX];
    buffer out = {out_space, 0, sizeof out_space};
    /* Each line the caller wrote wraps under its own indentation, plus two. */
    for (size_t start = 0;;) {
        const char *line = text.text + start;
        const char *newline = memchr(line, '\n', text.used - start);
        size_t length = newline != NULL ? (size_t)(newline - line) : text.used - start;
        size_t indent = strspn(line, " ");
        if (indent > length)
            indent = length;
        char lead[64];
        snprintf(lead, sizeof lead, "%*s", (int)(indent + 2 < 40 ? indent + 2 : 40), "");
        if (start > 0)
            add(&out, "\n", 1);
        add_wrapped(&out, line, length, LAB_COLUMNS, lead, (int)strlen(lead));
        if (newline == NULL)
            break;
        start += length + 1;
    }
    lab_pthread_mutex_lock(&output_lock);
    finish(&out);
    lab_pthread_mutex_unlock(&output_lock);
}

void lab_result(const char *format, ...)
{
    char space[LAB_LINE_MAX];
    buffer line = {space, 0, sizeof space};
    add_text(&line, "result: ");
    va_list args;
    va_start(args, format);
    add_formatted(&line, format, args);
    va_end(args);
    add_text(&line, " seed=%" PRIu64, lab_rng_seed());
    lab_pthread_mutex_lock(&output_lock);
    finish(&line);
    result_written = true;
    lab_pthread_mutex_unlock(&output_lock);
}
