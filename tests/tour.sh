#!/usr/bin/env bash
# The tour behind `make run`: every demo once, in course order, at a fast speed, each
# under a heading. Usage: tests/tour.sh SPEED build/debug/create build/debug/join ...
# A demo that fails or does not end by itself within a minute is reported at the end.
set -u
speed=$1
shift
total=$#
number=0
failed=()
for program in "$@"; do
    number=$((number + 1))
    name=$(basename "$program")
    printf '\n=== %d/%d  %s: %s ===\n' "$number" "$total" "$name" "$("$program" --about)"
    timeout 60 "$program" --speed "$speed"
    status=$?
    [ "$status" -eq 0 ] || failed+=("$name (exit $status)")
done
echo
if [ ${#failed[@]} -eq 0 ]; then
    echo "tour: all $total demos ran and ended as designed (speed ${speed}x)"
else
    echo "tour: ${#failed[@]} of $total demos did not end as designed: ${failed[*]}"
    exit 1
fi
