#!/usr/bin/env bash
# Run every Check runner given, a few at a time (one per CPU), and print each one's
# Check summary in the order given. Exits 1 if any suite failed, crashed or timed out.
# Usage: tests/run-suites.sh build/debug/tests/test_clock build/debug/tests/test_race ...
set -u
jobs_max=$(nproc 2>/dev/null || echo 2)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
started=$(date +%s)

run_one() {   # run_one INDEX PROGRAM: output in $logs/INDEX.out, status in $logs/INDEX.rc
    local begin=$SECONDS
    # A generous outer limit: each test has its own Check timeout well below it.
    timeout 600 "$2" >"$logs/$1.out" 2>&1
    echo "$? $((SECONDS - begin))" >"$logs/$1.rc"
}

index=0
for program in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
    run_one "$index" "$program" &
    index=$((index + 1))
done
wait

index=0
failed=()
for program in "$@"; do
    cat "$logs/$index.out"
    read -r status seconds <"$logs/$index.rc"
    echo "  ($(basename "$program"): ${seconds}s)"
    [ "$status" -eq 0 ] || failed+=("$(basename "$program") (exit $status)")
    index=$((index + 1))
done
echo
if [ ${#failed[@]} -eq 0 ]; then
    echo "make test: all $# suites passed in $(( $(date +%s) - started ))s"
else
    echo "make test: FAILED: ${failed[*]}"
    exit 1
fi
