# deadlock-attach.gdb — attach to the hanging deadlock demo and read both tellers' stacks.
#
#   terminal 1:  build/debug/deadlock --timeout 0      (it prints its PID, then hangs)
#   terminal 2:  gdb -x docs/gdb/deadlock-attach.gdb -p PID
#
# gdb -p stops the running process where it is. t1 holds hepang and waits for luoziyao;
# t2 holds luoziyao and waits for hepang; main waits in lab_thread_join for t1.
# At the end we detach: the demo goes on hanging, Ctrl-C in terminal 1 ends it.
# docs/debugging.md walks through the output; tests/test_debugging.c runs this file.

set pagination off

# Who is there, by name, and where each one is stuck.
info threads

# The whole story: each teller is in pthread_mutex_lock, called from wait_for_lock <-
# lab_ilock_lock <- lock_account <- transfer_once <- transfer <- teller_main.
thread apply all bt

# Which lock does each one wait for, and who holds it? In the frame of lab_ilock_lock,
# `lock` is the account's instrumented lock: its name, and its owner's record.
# A small command of our own, run in every thread (-s: skip threads where it fails,
# here main, which has no lab_ilock_lock frame).
define waits-for
  frame function lab_ilock_lock
  printf "%s waits for [%s], held by %s\n", current_name, lock->name, lock->owner->name
end
thread apply all -s waits-for

# The same lock seen by the C library: __owner is the LWP (kernel thread id) of the holder,
# the number `info threads` shows as "LWP ...". Every ilock is on one list, all_locks
# (in common/ilock_table.c).
printf "[%s] is held by LWP %d\n", all_locks->name, all_locks->mutex.__data.__owner
printf "[%s] is held by LWP %d\n", all_locks->next->name, all_locks->next->mutex.__data.__owner

# Let go: the process carries on (hanging, as before).
detach
