#!/usr/bin/env bash
# Regenerate the real transcripts in the demo pages: for every docs/<demo>.md holding
#     <!-- transcript: ARGS [; vary: TEXT]... [; drop: TEXT]... -->
#     ```text
#     ...
#     ```
#     <!-- end transcript -->
# run `BUILD/<demo> ARGS --color=never` and put its stdout between the fences.
# tests/test_transcripts.c reruns the same commands and compares (its header says how).
# Usage: tests/tools/transcripts.sh [BUILD_DIR] [DEMO...]   (default build/debug, every page)
set -eu
build=${1:-build/debug}
shift || true
cd "$(dirname "$0")/../.."
pages=()
if [ $# -gt 0 ]; then
    for demo in "$@"; do pages+=("docs/$demo.md"); done
else
    pages=(docs/*.md)
fi
out=$(mktemp)
trap 'rm -f "$out" "$out.page"' EXIT
for page in "${pages[@]}"; do
    spec=$(sed -n 's/^<!-- transcript: \(.*\) -->$/\1/p' "$page" | head -n 1)
    [ -n "$spec" ] || continue
    demo=$(basename "$page" .md)
    args=${spec%%;*}
    # shellcheck disable=SC2086   # ARGS is a list of words
    "$build/$demo" $args --color=never >"$out"
    awk -v transcript="$out" '
        /^<!-- transcript: / { print; inside = 1; next }
        inside && /^```text$/ { print; while ((getline line < transcript) > 0) print line; skip = 1; next }
        inside && skip && /^```$/ { print; skip = 0; inside = 0; next }
        skip { next }
        { print }
    ' "$page" >"$out.page"
    mv "$out.page" "$page"
    echo "$page: $(wc -l <"$out") lines from $demo $args"
done
