#!/usr/bin/env bash
# make-timelines — the SVG timelines the docs show (`make timelines`): each demo listed in
# tests/tools/timelines.txt run once with --seed 1 --speed 20 --quiet and its own flags, its
# --timeline=FILE.svg written to docs/timelines/<demo>.svg. Threads really run, so bar
# lengths differ a little between runs; tests/test_timeline_lessons.c compares a committed
# picture with a fresh run in a normalised form (rows and the states in each), and
# tests/tools/render-svgs.sh checks that every picture renders.
# Usage: tests/tools/make-timelines.sh [build/debug] [demo...]   (default: every listed demo)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/debug}
shift || true
mkdir -p "$root/docs/timelines"
status=0
while read -r demo flags; do
    case "$demo" in '' | '#'*) continue ;; esac
    if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$demo"; then
        continue
    fi
    read -r -a args <<<"--seed 1 --speed 20 --quiet $flags"
    svg="$root/docs/timelines/$demo.svg"
    if "$build/$demo" "${args[@]}" --timeline="$svg" >/dev/null 2>"$root/docs/timelines/.err"; then
        echo "make-timelines: docs/timelines/$demo.svg ($demo ${args[*]})"
    else
        echo "make-timelines: $demo ${args[*]} failed:" >&2
        cat "$root/docs/timelines/.err" >&2
        status=1
    fi
done <"$root/tests/tools/timelines.txt"
rm -f "$root/docs/timelines/.err"
exit $status
