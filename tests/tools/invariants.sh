# shellcheck shell=bash disable=SC2034
# invariants.sh — sourced by tests/tools/stress.sh and tests/grade/grade.sh: how the
# `always` and `sometimes` expressions of tests/tools/stress-cases.txt are read.
# An expression is awk over the keys of a run's `result:` line; these are the helpers it
# may call (see the case table's header) and the way the keys it names are found.

# The awk helpers the invariants may call.
awk_helpers='
function count(list,   a) { return list == "" ? 0 : split(list, a, ",") }
function item(list, i,   a) { split(list, a, ","); return a[i] + 0 }
function each(list, v,   a, n, i) {
    n = split(list, a, ","); for (i = 1; i <= n; i++) if (a[i] != v) return 0; return n > 0 }
function perm(list, n,   a, seen, i, m) {
    m = split(list, a, ","); if (m != n) return 0
    for (i = 1; i <= m; i++) { if (a[i] !~ /^[0-9]+$/ || a[i] < 1 || a[i] > n || seen[a[i] + 0]++) return 0 }
    return 1 }
function ascending(list,   a, n, i) {
    n = split(list, a, ","); for (i = 2; i <= n; i++) if (a[i] + 0 < a[i - 1] + 0) return 0; return 1 }
function ends_with(s, t) { return length(s) >= length(t) && substr(s, length(s) - length(t) + 1) == t }
'

# The keys an expression names: its identifiers, minus quoted text and function calls.
keys_named_in() {
    sed 's/"[^"]*"//g' <<<"$1" | grep -oE '[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(?' | grep -v '($' | sort -u
}
