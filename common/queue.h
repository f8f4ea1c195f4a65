/* queue.h — Python's queue.Queue, LifoQueue and PriorityQueue for threads in C.
 *
 * A queue hands items from producer threads to consumer threads: put() adds an item,
 * get() takes one out, and both wait when they must (get on an empty queue, put on a full
 * one). pthreads has no such object; this module builds one from a mutex and three
 * condition variables, the way CPython's queue.py does:
 *
 *     Python                                    C
 *     q = queue.Queue(maxsize=0)                q = lab_queue_new(LAB_QUEUE_FIFO, 0)
 *     queue.LifoQueue(8), PriorityQueue(8)      lab_queue_new(LAB_QUEUE_LIFO / _PRIORITY, 8)
 *     q.put(item)                               lab_queue_put(q, item)
 *     q.put(item, block=False), put_nowait      lab_queue_put_nowait(q, item)      -> EAGAIN (Full)
 *     q.put(item, timeout=2)                    lab_queue_put_timeout(q, item, 2)  -> ETIMEDOUT
 *     q.put((priority, item)) on a PriorityQ.   lab_queue_put_priority(q, item, priority), _nowait
 *     item = q.get()                            lab_queue_get(q, &item)
 *     q.get(block=False), get_nowait            lab_queue_get_nowait(q, &item)     -> EAGAIN (Empty)
 *     q.get(timeout=2)                          lab_queue_get_timeout(q, &item, 2) -> ETIMEDOUT
 *     priority, item = q.get()                  lab_queue_get_priority(q, &item, &priority)
 *     q.qsize(), q.empty(), q.full()            lab_queue_qsize(q), lab_queue_empty(q), lab_queue_full(q)
 *     q.unfinished_tasks                        lab_queue_unfinished_tasks(q)
 *     q.task_done()                             lab_queue_task_done(q)   -> EINVAL if too many
 *     q.join()                                  lab_queue_join(q)  (and lab_queue_join_timeout: not in Python)
 *     q.shutdown(immediate=False)   (3.13)      lab_queue_shutdown(q, false)
 *     q.is_shutdown                             lab_queue_is_shut_down(q)
 *     (garbage collection)                      lab_queue_free(q)
 *     queue.SimpleQueue()                       lab_queue_new(LAB_QUEUE_SIMPLE, 0)
 *
 * Python raises exceptions; C returns 0 or an errno value the caller acts on:
 *     queue.Full / queue.Empty -> EAGAIN (a _nowait put on a full queue / get on an empty
 *     one), queue.ShutDown -> ESHUTDOWN, ValueError -> EINVAL (task_done too often, a
 *     negative, NaN or infinite timeout), MemoryError -> ENOMEM. One difference: when a
 *     timeout runs out Python raises Full or Empty too; here it is ETIMEDOUT, so the caller
 *     can tell "I did not want to wait" from "I waited and gave up". lab_queue_put_error_name
 *     and lab_queue_get_error_name give Python's names for messages ("Full", "ShutDown").
 * Time: put/get/join block with no limit; the _timeout forms take class seconds >= 0
 * (0 looks once and never sleeps) and refuse anything else with EINVAL, changing nothing.
 *
 * Items are pointers (void *, NULL allowed). The queue never owns them: it copies the
 * pointer in and hands the same pointer out, and never frees what it points to.
 * Orders: FIFO (oldest first), LIFO (newest first), PRIORITY (lowest priority number
 * first; equal priorities come out in the order they were put). Python's PriorityQueue
 * compares whole tuples, so equal priorities fall back to comparing the items (and fail
 * if they cannot be compared): the usual Python fix is a (priority, counter, item)
 * tuple, which is exactly what this queue does inside.
 * maxsize <= 0 means unbounded, as in Python.
 *
 * SimpleQueue (LAB_QUEUE_SIMPLE): a FIFO that is always unbounded (maxsize > 0 is refused
 * with EINVAL) and tracks no task. put never waits (Python's put takes block and timeout
 * only "for compatibility" and ignores them; here the timed and _nowait puts succeed at
 * once too). Python's SimpleQueue has no task_done, join, unfinished_tasks, full or
 * shutdown (AttributeError); here they behave as on a queue with no unfinished task:
 * task_done returns EINVAL and changes nothing, join returns at once, unfinished_tasks
 * is 0, full is false; shutdown works as for the other kinds (an extension).
 *
 * Shutdown (Python 3.13's Queue.shutdown): afterwards every put returns ESHUTDOWN; get
 * still hands out what is left and returns ESHUTDOWN only once the queue is empty; every
 * thread blocked in put or get wakes up. So consumers stop by themselves after the last
 * item, with no sentinel item per consumer. shutdown(immediate=true) also throws away
 * the items still queued (counting each as task_done, so join returns).
 *
 * LOCKING PROTOCOL: one internal mutex guards everything inside a queue (the items,
 * the counters, the shutdown flag); every function below takes and releases it itself,
 * so no function expects the caller to hold any lock, and none returns holding one.
 * Waiting is on three condition variables tied to that mutex: `not_empty` (getters wait,
 * put signals one when one sleeps), `not_full` (putters wait, get signals one when one
 * sleeps) and `all_tasks_done` (joiners wait, the last task_done broadcasts); shutdown
 * broadcasts on all three.
 * qsize/empty/full are true when they were measured: another thread may change the
 * queue the instant the lock is released (Python's docs say the same).
 *
 * Scheduling points (point.h), on the queue: put reports RELEASE once the item is in
 * (WAIT, then GET or TIMEOUT, first if it had to wait for room); get reports WAIT only when
 * it will block, then GET (an item, or ESHUTDOWN) or TIMEOUT; task_done and shutdown report
 * RELEASE; join reports WAIT and GET when it has to wait. Points are reported outside the
 * queue's lock.
 *
 * Durations are class seconds, scaled by --speed; timed waits use CLOCK_MONOTONIC.
 */
#ifndef THREADLAB_QUEUE_H
#define THREADLAB_QUEUE_H

#include <errno.h> /* what the functions return */
#include <stdbool.h>
#include <stddef.h>

typedef struct lab_queue lab_queue;

typedef enum {
    LAB_QUEUE_FIFO,     /* queue.Queue: first in, first out */
    LAB_QUEUE_LIFO,     /* queue.LifoQueue: last in, first out (a stack) */
    LAB_QUEUE_PRIORITY, /* queue.PriorityQueue: lowest priority number first */
    LAB_QUEUE_SIMPLE,   /* queue.SimpleQueue: unbounded FIFO, no task tracking */
} lab_queue_kind;

/* A new empty queue of the given order; maxsize <= 0: unbounded. Returns NULL (errno
 * set: EINVAL for an unknown kind or a SIMPLE queue with maxsize > 0, ENOMEM or the
 * pthread error) when it cannot be made; nothing is left allocated. */
lab_queue *lab_queue_new(lab_queue_kind kind, long maxsize);
/* Free the queue (not the items still in it). No thread may be using it, or waiting in
 * it: shut it down and join its users first. NULL is ignored. Aborts on a pthread error. */
void lab_queue_free(lab_queue *queue);

/* put(item): wait until there is room, then add item. Returns 0, ESHUTDOWN, or ENOMEM
 * (an unbounded queue cannot grow; the item was not added). Aborts on a pthread error. */
int lab_queue_put(lab_queue *queue, void *item);
/* put(item, timeout=class_seconds): wait at most that long for room (0: look once).
 * Returns 0, ETIMEDOUT, ESHUTDOWN, ENOMEM, or EINVAL for a negative, NaN or infinite
 * duration (nothing changed). Aborts on a pthread error. */
int lab_queue_put_timeout(lab_queue *queue, void *item, double class_seconds);
/* put_nowait(item): add item if there is room now. Returns 0, EAGAIN (full: Python's
 * queue.Full), ESHUTDOWN or ENOMEM. Aborts on a pthread error. */
int lab_queue_put_nowait(lab_queue *queue, void *item);
/* put((priority, item)): as lab_queue_put / _nowait, with a priority that orders a
 * PRIORITY queue (lower first, ties in put order); FIFO and LIFO ignore it (the plain
 * puts use 0). Returns as those. */
int lab_queue_put_priority(lab_queue *queue, void *item, long priority);
int lab_queue_put_priority_nowait(lab_queue *queue, void *item, long priority);

/* get(): wait for an item and take it out into *item. Returns 0, or ESHUTDOWN (the queue
 * is shut down and empty; *item is left alone). Aborts on a pthread error. */
int lab_queue_get(lab_queue *queue, void **item);
/* get(timeout=class_seconds): wait at most that long (0: look once). Returns 0,
 * ETIMEDOUT, ESHUTDOWN, or EINVAL for a negative, NaN or infinite duration (nothing
 * changed). Aborts on a pthread error. */
int lab_queue_get_timeout(lab_queue *queue, void **item, double class_seconds);
/* get_nowait(): take an item if there is one now. Returns 0, EAGAIN (empty: Python's
 * queue.Empty) or ESHUTDOWN. Aborts on a pthread error. */
int lab_queue_get_nowait(lab_queue *queue, void **item);
/* lab_queue_get that also stores the item's priority in *priority (the one it was put
 * with; 0 from the plain puts). Returns as lab_queue_get. */
int lab_queue_get_priority(lab_queue *queue, void **item, long *priority);

/* How many items are in the queue right now (a snapshot). Can't fail. */
size_t lab_queue_qsize(lab_queue *queue);
/* Whether the queue holds no item right now. Can't fail. */
bool lab_queue_empty(lab_queue *queue);
/* Whether a bounded queue holds maxsize items right now (never true when unbounded).
 * Can't fail. */
bool lab_queue_full(lab_queue *queue);
/* The maxsize the queue was made with (<= 0: unbounded). Can't fail. */
long lab_queue_maxsize(const lab_queue *queue);
/* unfinished_tasks: items put and not yet marked task_done (a snapshot; 0 for a SIMPLE
 * queue). Can't fail. */
size_t lab_queue_unfinished_tasks(lab_queue *queue);

/* task_done(): a consumer says it has finished with one item it got. Returns 0, or EINVAL
 * when called more times than items were put (Python's ValueError), or on a SIMPLE
 * queue; nothing changes then.
 * Aborts on a pthread error. */
int lab_queue_task_done(lab_queue *queue);
/* join(): wait until every item ever put has been marked task_done. Aborts on a pthread error. */
void lab_queue_join(lab_queue *queue);
/* join with a limit (Python's Queue.join has none): 0 when every item was done in time,
 * ETIMEDOUT when class_seconds (>= 0; 0: look once) passed first, EINVAL for a negative,
 * NaN or infinite duration. Aborts on a pthread error. */
int lab_queue_join_timeout(lab_queue *queue, double class_seconds);

/* shutdown(immediate): from now on put returns ESHUTDOWN, and get does too once the
 * queue is empty; every thread waiting in put or get wakes up. immediate=true also
 * drops the items still queued (not freed: the queue never owns them), counts each as
 * task_done and wakes join. Returns how many items were dropped. Calling it again is fine.
 * Aborts on a pthread error. */
size_t lab_queue_shutdown(lab_queue *queue, bool immediate);
/* Whether shutdown was called (Python's q.is_shutdown). */
bool lab_queue_is_shut_down(lab_queue *queue);

/* Python's name for what a put / a get returned, for messages: 0 "OK", EAGAIN "Full" (put)
 * or "Empty" (get), ETIMEDOUT "Timeout", ESHUTDOWN "ShutDown", EINVAL "ValueError",
 * ENOMEM "MemoryError", anything else "?". Can't fail. */
const char *lab_queue_put_error_name(int rc);
const char *lab_queue_get_error_name(int rc);
/* "fifo", "lifo", "priority" or "simple". */
const char *lab_queue_kind_name(lab_queue_kind kind);

#endif
