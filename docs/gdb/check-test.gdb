# check-test.gdb — debug a Check test: stop inside a thread that a test starts.
#
#   gdb -x docs/gdb/check-test.gdb build/debug/tests/test_thread
#
# Check runs every test in a forked child process. gdb stays with the parent, so a
# breakpoint in the test's code never fires. CK_FORK=no makes Check run the tests in the
# process gdb is debugging (timeouts are then off: take your time).
# docs/debugging.md says more; tests/test_debugging.c runs this file.

set pagination off
set environment CK_FORK=no

# The first test of test_thread starts a thread called "car-MINT" that runs record_names.
break record_names
run

# The test's thread, by name; then the main thread, where the test function runs
# (threads_know_their_names, which START_TEST turned into threads_know_their_names_fn).
info threads
bt
thread 1
bt

# From here: `continue` runs the rest of the suite; `kill` stops it.
