#!/usr/bin/env bash
# Run every benchmark of a build: the programs build/<variant>/bench/bench_* and the
# scripts tests/bench/bench_*.sh (which get the build directory as their argument).
# Each prints its own table of ratios. Usage: tests/bench/run.sh build/release
set -u
build=$1
status=0
for bench in "$build"/bench/bench_* "$(dirname "$0")"/bench_*.sh; do
    case "$bench" in *.d) continue ;; esac   # the compiler's dependency files
    [ -e "$bench" ] || continue
    printf '\n== %s\n' "$(basename "$bench")"
    case "$bench" in
        *.sh) bash "$bench" "$build" || status=1 ;;
        *) "$bench" || status=1 ;;
    esac
done
exit $status
