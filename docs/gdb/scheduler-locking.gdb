# scheduler-locking.gdb — step one thread while the others stay stopped, and use that to
# make a lost update happen on purpose, one step at a time.
#
#   gdb -x docs/gdb/scheduler-locking.gdb build/debug/race
#
# race --mode=loop: t0 and t1 each run `long seen = counter; counter = seen + 1;` in a loop
# (increment_in_a_loop). A lost update needs one exact interleaving: both threads load the
# same value, then both store value + 1. Here we pick that interleaving by hand.
# docs/debugging.md walks through the output; tests/test_debugging.c runs this file.

set pagination off

# Stop main when it starts waiting for the threads: by then t0 and t1 both exist and are
# busy in their loops (100 million passes each: they are far from done).
break lab_thread_join
run --mode=loop --threads 2 --iterations 100000000
info threads

# scheduler-locking on: from now on only the selected thread runs, for `next` and `step`
# and also for `continue`. Threads 2 and 3 are t0 and t1, in the order they were started.
set scheduler-locking on

# Bring each thread to a clean spot: a watchpoint stops a thread right after it changes
# counter, so the thread has just finished `counter = seen + 1` and will load next.
watch counter
thread 2
continue
thread 3
continue
delete
echo \n--- both threads stand just after a store; main waits in lab_thread_join ---\n
info threads

# scheduler-locking step: only the selected thread moves while stepping (`next`, `step`);
# `continue` would let all threads run again. That is the mode to single-step in.
set scheduler-locking step

echo \n--- t0 loads counter; t1 does not move ---\n
thread 2
next
next
printf "%s read counter = %ld\n", current_name, seen
info threads

echo \n--- t1 loads counter: the same value, since t0 has not stored yet ---\n
thread 3
next
next
printf "%s read counter = %ld\n", current_name, seen

echo \n--- t0 stores seen + 1 ---\n
thread 2
# two lines: the scheduling point (nothing happens without --schedule), then the store
next 2
printf "%s wrote counter = %ld\n", current_name, counter

echo \n--- t1 stores seen + 1: the same value again. Two increments, counter went up by one ---\n
thread 3
next 2
printf "%s wrote counter = %ld\n", current_name, counter

# current_name is the thread's own name (a _Thread_local in common/thread.c): gdb reads it
# in the selected thread. Back to normal: `set scheduler-locking off`, then `continue`
# (the demo needs a second or so to finish), or `kill`.
