/* queue_timeout.h — the queue demo's fourth part, beside queue.c (which is at its 200
 * lines): put and get with a timeout. Python: q.put(item, timeout=1) raises queue.Full
 * once the second has passed with no room; q.get(timeout=1) raises queue.Empty once it
 * has passed with no item; an item that comes in time ends the wait at once. C: both
 * return ETIMEDOUT after the wait (EAGAIN is the _nowait forms' answer: they never wait).
 * Included by queue.c after its other parts (it uses kind and kind_names). */
#ifndef THREADLAB_QUEUE_TIMEOUT_H
#define THREADLAB_QUEUE_TIMEOUT_H

static char timeouts_seen[64] = "-"; /* the result key timeouts=: "Full,Empty,3" */

/* Class seconds since begin (a lab_now() reading). */
static double waited_since(double begin)
{
    return lab_class_seconds(lab_now() - begin);
}

/* Puts item 3 half a second after it starts: well within the getter's five-second wait
 * (a margin that a busy machine at --speed 200 cannot eat). */
static void *late_writer(void *arg)
{
    lab_sleep(0.5);
    item *it = new_item(3, 0, false);
    say("puts %s, half a second after the get began", it->name);
    if (lab_queue_put(arg, it) == 0)
        count_put(it);
    return NULL;
}

static void part_timeout(void)
{
    lab_print("== timeout: a %s queue of maxsize 1; put and get wait at most 1 s ==",
              kind_names[kind]);
    lab_queue *q = new_queue(kind, 1, "box");
    item *one = new_item(1, 0, false), *two = new_item(2, 0, false);
    if (lab_queue_put_nowait(q, one) == 0)
        count_put(one);
    say("put 1: the queue is full (size %zu); nobody gets, so no room will come", note_size(q));
    double begin = lab_now();
    int put_rc = lab_queue_put_timeout(q, two, 1); /* waits the whole second */
    say("put(2, timeout=1): gave up after %.1f s: %s (Python: queue.Full)", waited_since(begin),
        put_rc == ETIMEDOUT ? "ETIMEDOUT" : lab_queue_put_error_name(put_rc));
    void *got;
    if (lab_queue_get(q, &got) == 0)
        say("get() = %s; the queue is empty now", count_got(got)->name);
    begin = lab_now();
    int get_rc = lab_queue_get_timeout(q, &got, 1); /* nobody puts: waits the whole second */
    say("get(timeout=1): gave up after %.1f s: %s (Python: queue.Empty)", waited_since(begin),
        get_rc == ETIMEDOUT ? "ETIMEDOUT" : lab_queue_get_error_name(get_rc));
    lab_thread *latecomer = lab_thread_start(late_writer, q, LAB_THREAD_NOT_DAEMON, "latecomer");
    begin = lab_now();
    int late_rc = lab_queue_get_timeout(q, &got, 5); /* an item comes at 0.5 s */
    if (late_rc == 0)
        say("get(timeout=5) = %s after %.1f s: an item in time ends the wait", count_got(got)->name,
            waited_since(begin));
    lab_thread_join(latecomer);
    void *late;
    if (late_rc != 0 && lab_queue_get_nowait(q, &late) == 0) /* too late after all: not lost */
        count_got(late);
    snprintf(timeouts_seen, sizeof timeouts_seen, "%s,%s,%s", put_rc == ETIMEDOUT ? "Full" : "?",
             get_rc == ETIMEDOUT ? "Empty" : "?", late_rc == 0 ? ((item *)got)->name : "none");
    lab_queue_free(q);
}

#endif
