# info-threads.gdb — find the threads of a demo by name, look at each one's stack.
#
#   gdb -x docs/gdb/info-threads.gdb build/debug/join
#
# The join demo starts 4 "sleeper" threads (with the flags on the `run` line below); each
# runs do_something(), which says a line and sleeps 5 s. We stop when the last of them has
# arrived, so that every thread is there and has its name.
# docs/debugging.md walks through the output; tests/test_debugging.c runs this file.

set pagination off

# A breakpoint on the thread function: every sleeper stops there once.
break do_something
run --threads 4 --seconds 5

# The first sleeper has stopped. `continue 3` means: go on, but ignore this breakpoint the
# next 2 times, and stop the 3rd time (the 4th sleeper arriving).
continue 3

# Every thread, with the name lab_thread_start gave it (pthread_setname_np): "sleeper-0"...
# The main thread keeps the program's name, "join". The * marks the selected thread.
info threads

# Which gdb thread number has which name?
thread find sleeper

# Select another thread and read its stack: do_something, started by thread_trampoline
# (common/thread.c); if it got that far, deeper in lab_sleep and the C library's nanosleep.
thread 3
bt

# Frame 0 may be in the C library; select the demo's own frame and print its variables.
frame function do_something
print seconds

# Every thread's stack at once (the one command to remember when a program hangs).
thread apply all bt

# The thread registry of common/thread.c, read straight from memory: a linked list of
# lab_thread records, in start order. $t is a gdb convenience variable.
print live_threads
print *registry
set $t = registry
while $t
  printf "%-10s alive=%d daemon=%d\n", $t->name, $t->alive, $t->daemon
  set $t = $t->next
end

# From here on: `continue` lets the sleepers finish; `kill` or `quit` ends it all.
