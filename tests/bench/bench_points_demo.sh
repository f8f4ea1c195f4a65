#!/usr/bin/env bash
# bench_points_demo — the scheduling points in a real run: mutex --mode=loop (4 threads x
# 5000000 locked increments of a named lock) without and with --trace. Best of 5 runs each,
# taking turns. Usage: tests/bench/bench_points_demo.sh build/release
set -euo pipefail
build=${1:-build/release}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
best() { sort -n | head -1; }
time_run() {   # seconds of one run of mutex with the given extra flags
    local begin end
    begin=$(date +%s.%N)
    "$build/mutex" --mode=loop --iterations 5000000 --quiet "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $begin" | bc -l
}
for _ in 1 2 3 4 5; do
    time_run >>"$out/off"
    time_run --trace="$out/t.json" >>"$out/on"
done
off=$(best <"$out/off")
on=$(best <"$out/on")
printf 'mutex --mode=loop (4 x 5000000 locked increments), best of 5:\n'
printf '  points off        %.3f s\n  --trace=FILE.json %.3f s   (%.3fx)\n' "$off" "$on" "$(echo "$on / $off" | bc -l)"
