/* fork_io.h — the fork demo's system calls that a signal may interrupt, kept beside it so
 * the demo reads as the story: read a whole report from a pipe, wait for a child to end;
 * each tries again after EINTR.
 */
#ifndef THREADLAB_DEMO_FORK_IO_H
#define THREADLAB_DEMO_FORK_IO_H

#include "lab.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

/* Read size bytes from fd into buffer; false if the pipe closed before they all came.
 * Aborts on a read error. */
static inline bool read_all(int fd, void *buffer, size_t size)
{
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, (char *)buffer + got, size - got);
        if (n == -1 && errno == EINTR)
            continue;
        LAB_CHECK_ERRNO((int)n);
        if (n == 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

/* waitpid(pid, status, 0) until the child has ended. Aborts on an error. */
static inline void wait_for_child(pid_t pid, int *status)
{
    pid_t ended;
    while ((ended = waitpid(pid, status, 0)) == -1 && errno == EINTR)
        ; /* a signal interrupted the wait: wait again */
    LAB_CHECK_ERRNO(ended);
}

#endif
