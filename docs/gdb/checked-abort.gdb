# checked-abort.gdb — what a failed pthread call looks like in gdb, and how to find it.
#
#   gdb -x docs/gdb/checked-abort.gdb build/debug/mutex
#
# Every pthread call in threadlab is checked (common/checked.h): when one fails, the program
# prints "fatal: <call> at <file>:<line>: <reason>" and calls abort(), which raises SIGABRT.
# A correct demo never fails, so we break one on purpose: we scribble over the mutex's
# "kind" field, as a stray pointer might, and its next lock fails with EINVAL.
# docs/debugging.md walks through the output; tests/test_debugging.c runs this file.

set pagination off

# Stop when the program gets SIGABRT, before it dies: the stack is still there.
catch signal SIGABRT

# One thread, so the story is short. Stop at its thread function first.
break decrement_with_a_window
run --threads 1

# The mutex, untouched: kind 0 is PTHREAD_MUTEX_NORMAL (a plain, fast mutex).
print counter_lock
# The sabotage: no kind has the number 99.
set var counter_lock.__data.__kind = 99
continue

# Stopped by the catchpoint, inside abort(). Who called abort?
backtrace
# The checked wrapper's frame: which call failed, where, and with which error number.
frame function lab_check_at
print call
print file
print line
print code
# One frame up: the demo's own line, lab_pthread_mutex_lock(&counter_lock).
up

# From here: `continue` lets the abort finish (the program dies of SIGABRT).
