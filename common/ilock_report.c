/* ilock_report.c — the text of the wait-for picture the instrumented lock says when a
 * deadline passes (see ilock.h):
 *     deadlock: t1 holds [hepang], waits for [luoziyao] (held by t2)
 *               t2 holds [luoziyao], waits for [hepang] (held by t1)
 *               t1 gives up (EDEADLK) after 2.00 s; the others keep waiting
 * ilock.c finds the chain of waits under its table lock and hands it here with the list
 * of every lock; the text is built under that lock (the records cannot change meanwhile)
 * and said after it is released, one whole line at a time.
 */
#include "ilock_internal.h"

#include "checked.h"
#include "cli.h"
#include "say.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(lab_ilock_text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void add(lab_ilock_text *t, const char *format, ...)
{
    if (t->buffer == NULL) {
        t->size = 256;
        t->buffer = lab_calloc(1, t->size);
    }
    for (;;) {
        va_list args;
        va_start(args, format);
        int n = vsnprintf(t->buffer + t->used, t->size - t->used, format, args);
        va_end(args);
        if (n < 0)
            return;
        if ((size_t)n < t->size - t->used) {
            t->used += (size_t)n;
            return;
        }
        t->size = 2 * t->size + (size_t)n;
        char *bigger = realloc(t->buffer, t->size);
        if (bigger == NULL)
            lab_fail("out of memory");
        t->buffer = bigger;
    }
}

/* "t1" or "t1 (ended)". */
static void add_name(lab_ilock_text *t, const lab_ilock_thread *thread)
{
    add(t, "%s%s", thread->name, thread->ended ? " (ended)" : "");
}

/* "[hepang]", "[a, b]" or "nothing": every lock of the list that the thread holds. */
static void add_holdings(lab_ilock_text *t, const lab_ilock *locks, const lab_ilock_thread *thread)
{
    int count = 0;
    for (const lab_ilock *lock = locks; lock != NULL; lock = lock->next)
        if (atomic_load_explicit(&lock->owner, memory_order_relaxed) == thread)
            add(t, "%s%s", count++ == 0 ? "[" : ", ", lock->name);
    add(t, "%s", count == 0 ? "nothing" : "]");
}

/* "<margin>t1 holds [hepang], waits for [luoziyao] (held by t2)\n" */
static void add_hop(lab_ilock_text *t, const char *margin, const lab_ilock *locks,
                    const lab_ilock_hop *h)
{
    add(t, "%s", margin);
    add_name(t, h->thread);
    add(t, " holds ");
    add_holdings(t, locks, h->thread);
    add(t, ", waits for [%s] (", h->lock->name);
    if (h->owner != NULL) {
        add(t, "held by ");
        add_name(t, h->owner);
    } else {
        add(t, "free now");
    }
    add(t, ")\n");
}

/* Starts with the thread whose name sorts first, so the same deadlock reads the same
 * whoever found it. */
void lab_ilock_report_deadlock(lab_ilock_text *t, const lab_ilock *locks,
                               const lab_ilock_hop *chain, int hops, const lab_ilock_thread *me,
                               double waited)
{
    int first = 0;
    for (int i = 1; i < hops; i++)
        if (strcmp(chain[i].thread->name, chain[first].thread->name) < 0)
            first = i;
    for (int i = 0; i < hops; i++)
        add_hop(t, i == 0 ? "deadlock: " : "          ", locks, &chain[(first + i) % hops]);
    if (hops == 1)
        add(t, "          %s gives up (EDEADLK) at once: it would wait for itself forever\n",
            me->name);
    else
        add(t, "          %s gives up (EDEADLK) after %.2f s; the others keep waiting\n", me->name,
            waited);
}

void lab_ilock_report_timeout(lab_ilock_text *t, const lab_ilock *locks, const lab_ilock_hop *chain,
                              int hops, const lab_ilock_thread *me, double waited)
{
    for (int i = 0; i < hops; i++)
        add_hop(t, i == 0 ? "timeout: " : "         ", locks, &chain[i]);
    const lab_ilock_thread *last = chain[hops - 1].owner;
    if (last == NULL) {
        add(t, "         [%s] was released just as the deadline passed\n",
            chain[hops - 1].lock->name);
    } else if (last->waiting_for != NULL && hops < LAB_ILOCK_CHAIN_MAX) {
        add(t, "         %s is in a deadlock that %s is not part of\n", last->name, me->name);
    } else if (last->ended) {
        add(t, "         %s ended holding ", last->name);
        add_holdings(t, locks, last);
        add(t, ": nobody will ever release it\n");
    } else if (last->waiting_for == NULL) {
        add(t, "         ");
        add_name(t, last);
        add(t, " holds ");
        add_holdings(t, locks, last);
        add(t, " and waits for no lock (it is working, sleeping, or waiting for something else)\n");
    } else {
        add(t, "         ... (more than %d waits: not followed further)\n", LAB_ILOCK_CHAIN_MAX);
    }
    add(t, "         %s gives up (ETIMEDOUT) after %.2f s\n", me->name, waited);
}

void lab_ilock_report_say(lab_ilock_text *t)
{
    for (char *line = t->buffer; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        say("%s", line);
        line = end != NULL ? end + 1 : NULL;
    }
    free(t->buffer);
    *t = (lab_ilock_text){0};
}
