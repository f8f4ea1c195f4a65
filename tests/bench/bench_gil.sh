#!/usr/bin/env bash
# bench_gil — the gil demo's comparison table from the release build: without a GIL, threads
# speed CPU-bound work up by about the number of cores; with the (simulated) GIL not at all;
# I/O-bound work speeds up either way. Each table is measured in one run of the demo, so a
# busy machine slows all three columns alike. Run by `make bench`, which passes the build
# directory: tests/bench/bench_gil.sh build/release
set -u -o pipefail
build=${1:?usage: bench_gil.sh BUILD_DIR}
demo=$build/gil
if [ ! -x "$demo" ]; then
    echo "bench_gil: $demo is not built (make VARIANT=release demos)" >&2
    exit 1
fi
status=0
# One thread per core (the demo's default), then more threads than cores; then the plain
# (unfair) handoff, whose speed is the same but whose GIL rarely changes hands.
for extra in "" "--threads 4" "--handoff=plain"; do
    # shellcheck disable=SC2086  # $extra is meant to split into flag and value
    set -- --work 2000000000 --speed 5 $extra
    echo "gil $*"
    # the table and the result line; the story lines start with "[" and are left out
    "$demo" "$@" | grep -v '^\[' || status=1
done
exit $status
