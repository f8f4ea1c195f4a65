#!/usr/bin/env bash
# Print a compile_commands.json for every C file of the project (for clangd and other
# editors). Usage: tests/tools/compile-commands.sh "CC CPPFLAGS CFLAGS" "CHECK_CFLAGS"
# (the Makefile passes its own flags, so the editor sees exactly what the build uses).
set -u
flags=$1
check_flags=$2
root=$(pwd)
first=1
echo "["
for file in common/*.c demos/*.c tests/*.c tests/bench/*.c; do
    [ -e "$file" ] || continue
    extra=""
    case "$file" in tests/*) extra=" -Itests $check_flags" ;; esac
    [ $first -eq 1 ] || echo ","
    first=0
    printf '  {"directory": "%s", "file": "%s", "command": "%s%s -c %s"}' "$root" "$file" "$flags" "$extra" "$file"
done
echo
echo "]"
