# watch-race.gdb — who reads and who writes the race demo's counter, and a lost update.
#
#   gdb -x docs/gdb/watch-race.gdb build/debug/race
#
# race (window mode), 2 threads: each reads counter, sleeps, writes what it read minus 1.
# counter starts at 2 and should end at 0. A watchpoint stops the program whenever the
# counter is touched and says which thread did it.
# docs/debugging.md walks through the output; tests/test_debugging.c runs this file.

set pagination off

# awatch: stop on every read AND every write of counter (a hardware watchpoint: the CPU
# itself traps the access, so the program runs at full speed in between).
# `watch counter` would stop only on writes that CHANGE the value, and the lost update is
# precisely a write that changes nothing: t1 writes 1 over t0's 1.
awatch counter

# What to do at each stop: gdb has already printed the thread, the value (or old and new
# value) and the statement after the access; just go on.
commands
  continue
end

# --speed 0.25: the window between read and write lasts 0.4 s instead of 0.1 s, plenty of
# time for both threads to read before either writes.
run --threads 2 --speed 0.25

# The program has ended; how many times was counter touched?
info watchpoints
