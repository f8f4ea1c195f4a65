/* fail.h — the two ways a program ends on purpose: the ground floor of the library.
 *
 *     fatal: pthread_mutex_lock at demos/race.c:42: Invalid argument     (a bug: abort)
 *     race: cannot start thread 't7': Resource temporarily unavailable   (exit status 1)
 *
 * lab_check_at() and LAB_CHECK() stop a program at a bug, right where it happened, with
 * the stack intact for gdb; lab_fail() ends it on a runtime failure (out of memory, a
 * refused thread). Both write their message with one write(2): no lock on the way out.
 * This module uses no other: every module above, the schedule controller included, may
 * end the program through it. (The checked pthread wrappers, one floor up in checked.h,
 * go through the schedule controller, so they cannot live down here.)
 */
#ifndef THREADLAB_FAIL_H
#define THREADLAB_FAIL_H

#include <errno.h>
#include <stddef.h>

/* Abort with "fatal: <call> at <file>:<line>: <strerror(code)>" when code != 0; returns
 * when code == 0. The message is written with one write(2): no lock on the way to abort. */
void lab_check_at(int code, const char *call, const char *file, int line);
/* Abort with the same message, taking the error from errno, when result == -1. */
void lab_check_errno_at(int result, const char *call, const char *file, int line);

/* Runtime failure (not a bug): "<program>: <message>" on stderr in one write(2), then
 * exit status 1. Never returns. */
_Noreturn void lab_fail(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* The running program's name, used by lab_fail() and the usage errors: "threadlab" until
 * lab_init() sets the demo's name with lab_set_program_name(). Can't fail. */
const char *lab_program_name(void);
/* Set the program's name (not copied: a string literal or other lasting text). Call
 * before starting threads. Can't fail. */
void lab_set_program_name(const char *name);

/* Any pthread call that must succeed: LAB_CHECK(pthread_mutex_init(&m, NULL)); */
#define LAB_CHECK(call) lab_check_at((call), #call, __FILE__, __LINE__)
/* Any call that returns -1 and sets errno: LAB_CHECK_ERRNO(sem_init(&s, 0, 3)); */
#define LAB_CHECK_ERRNO(call) lab_check_errno_at((call), #call, __FILE__, __LINE__)

/* The demos' one set-up failure policy: LAB_SETUP(lab_event_init(&light)) runs an _init
 * (0 or an errno value); LAB_SETUP_NEW(q = lab_queue_new(...)) runs a _new (NULL with errno
 * set). On failure: "<program>: cannot set up <call>: <reason>" on stderr, exit status 1
 * (through lab_fail); returns only on success. */
#define LAB_SETUP(call)           lab_setup_at((call), #call)
#define LAB_SETUP_NEW(assignment) lab_setup_at((assignment) != NULL ? 0 : errno, #assignment)
void lab_setup_at(int code, const char *call);

/* calloc(count, size) that never returns NULL: on failure prints "<program>: out of
 * memory" and exits with status 1 through lab_fail (a runtime failure, not a bug). */
void *lab_calloc(size_t count, size_t size);

#endif
