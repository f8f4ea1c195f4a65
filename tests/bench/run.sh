#!/usr/bin/env bash
# Run every benchmark of a build. First bench_compare: threadlab side by side with GLib, a
# textbook C version and CPython (when python3 is there), ROUNDS interleaved rounds; with
# THREADS (e.g. 1,2,4,8,16) also the scaling sweep, written as a Markdown table and an SVG
# plot (gnuplot) under BUILD/bench/. Then the other programs BUILD/bench/bench_* and the
# scripts tests/bench/bench_*.sh (which get the build directory as their argument).
# Each prints its own table. Usage: tests/bench/run.sh build/release [ROUNDS] [THREADS]
set -u
build=$1
rounds=${2:-7}
threads=${3:-}
here=$(dirname "$0")
out=$build/bench
status=0

printf '\n== bench_compare\n'
args=(--rounds "$rounds" --out "$out")
if command -v python3 >/dev/null 2>&1; then
    args+=(--python "$here/bench_compare.py")
fi
[ -n "$threads" ] && args+=(--threads "$threads")
if "$out/bench_compare" "${args[@]}"; then
    echo "tables: $out/results.md${threads:+ $out/sweep.md}"
    if [ -n "$threads" ]; then
        if gnuplot -e "data='$out/sweep.dat'; output='$out/sweep.svg'" "$here/sweep.gp"; then
            echo "plot: $out/sweep.svg"
        else
            echo "bench: gnuplot failed: no plot" >&2
            status=1
        fi
    fi
else
    status=1
fi

for bench in "$out"/bench_* "$here"/bench_*.sh; do
    case "$bench" in
        *.d | */bench_compare) continue ;;   # the compiler's dependency files; done above
    esac
    [ -e "$bench" ] || continue
    printf '\n== %s\n' "$(basename "$bench")"
    case "$bench" in
        *.sh) bash "$bench" "$build" || status=1 ;;
        *) "$bench" || status=1 ;;
    esac
done
exit $status
