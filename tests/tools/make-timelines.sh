#!/usr/bin/env bash
# make-timelines — the SVG timelines the docs show: each demo of the list run once with a
# fixed --seed and --speed, its --timeline=FILE.svg written to docs/timelines/<demo>.svg.
# Timing differs a little from run to run (threads really run), so the pictures are
# regenerated, not compared byte for byte; tests/tools/render-svgs.sh checks they render.
# Usage: tests/tools/make-timelines.sh [build/debug] [demo...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/debug}
shift || true
demos=("$@")
[ ${#demos[@]} -gt 0 ] || demos=(mutex join)
mkdir -p "$root/docs/timelines"
for demo in "${demos[@]}"; do
    args=(--seed 1 --speed 20)
    case "$demo" in
        mutex) args+=(--threads 4) ;;
    esac
    "$build/$demo" "${args[@]}" --quiet --timeline="$root/docs/timelines/$demo.svg" >/dev/null
    echo "make-timelines: docs/timelines/$demo.svg ($demo ${args[*]})"
done
