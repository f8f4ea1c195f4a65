#!/usr/bin/env bash
# bench_download — the I/O-bound speed-up of the download demo, measured in one run each:
# 20 simulated downloads (real file writes and read-backs) one after the other, one thread
# per file, and on pools of 4 and 20 workers (seed 002's MAX_WORKERS). Times are class
# seconds; the speed-up column is each run against the sequential one of the same run.
# Usage: tests/bench/bench_download.sh build/release
set -u
build=${1:-build/release}
demo=$build/download
[ -x "$demo" ] || { echo "bench_download: $demo is not built" >&2; exit 1; }
for workers in 4 20; do
    echo "-- 20 files, mean latency 0.5 s, --workers $workers, --speed 5, --seed 1"
    "$demo" --speed 5 --seed 1 --workers "$workers" | sed -n '/^run /,/^result:/p' | grep -v '^result:' || exit 1
done
