#!/bin/sh
# check-layers.sh LIBRARY.a — the library's modules must form layers: no cycle.
#
# A module is a public header common/X.h and the files that implement it: X.c, and any
# X_part.c with no header of its own (schedule_strategy.c is part of schedule; ilock_log.c,
# which has ilock_log.h, is a module of its own). Files of one module may use each other.
# Judged by the symbols, not the #includes: for each object file of the archive, nm
# gives the symbols it defines and the ones it uses (undefined). Module a depends on
# module b when a uses a symbol b defines. Any cycle (a -> b -> ... -> a) fails with
# exit status 1 and is printed; without one, the modules are printed bottom-up, one layer
# (all of whose dependencies lie in the layers before it) between each "|".
#
# check-layers.sh --self-test: build a two-module library with a cycle and check that it
# is caught (silent when it is; make test runs this first).
set -eu

if [ "${1:-}" = "--self-test" ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    printf 'int lab_b(void);\nint lab_a(void) { return lab_b(); }\n' > "$dir/a.c"
    printf 'int lab_a(void);\nint lab_b(void) { return lab_a(); }\n' > "$dir/b.c"
    ${CC:-cc} -c "$dir/a.c" -o "$dir/a.o" && ${CC:-cc} -c "$dir/b.c" -o "$dir/b.o"
    ar rcs "$dir/lib.a" "$dir/a.o" "$dir/b.o"
    expected='cycle between modules: (a -> b -> a|b -> a -> b)$'
    if "$0" "$dir/lib.a" > "$dir/out" 2>&1 || ! grep -Eq "$expected" "$dir/out"; then
        echo "check-layers: self-test failed: a cycle a <-> b was not reported:" >&2
        cat "$dir/out" >&2
        exit 1
    fi
    exit 0
fi

library=${1:-build/debug/libthreadlab.a}
[ -f "$library" ] || { echo "check-layers: no $library (build it first)" >&2; exit 2; }
# the public headers' names, for grouping parts into their module
headers=$(cd "${COMMON_DIR:-$(dirname "$0")/../../common}" 2>/dev/null && ls -- *.h 2>/dev/null |
          sed 's/\.h$//' | tr '\n' ' ')

# "member.o: address T name" / "member.o:   U name"  ->  "member D name" / "member U name"
nm -A "$library" 2>/dev/null | awk -v headers="$headers" '
BEGIN { count = split(headers, list, " "); for (i = 1; i <= count; i++) public[list[i]] = 1 }
# the module a member belongs to: itself when it has a header, else its longest prefix
# (cut at "_") that has one
function module_of(member,    name) {
    name = member
    while (!(name in public) && name ~ /_/)
        sub(/_[^_]*$/, "", name)
    return (name in public) ? name : member
}
NF >= 3 {
    split($1, path, ":")                           # "lib.a:member.o:" -> member
    member = path[2]
    sub(/\.o$/, "", member)
    member = module_of(member)
    type = $(NF - 1)
    if (type == "U")
        print member, "U", $NF
    else if (type ~ /^[A-Z]$/ && type != "W" && type != "V")   # global definitions
        print member, "D", $NF
}' | awk '
{
    if ($2 == "D") definer[$3] = $1
    else uses[++n] = $1 " " $3
    module[$1] = 1
}
END {
    for (i = 1; i <= n; i++) {
        split(uses[i], pair, " ")
        m = pair[1]; d = definer[pair[2]]
        if (d != "" && d != m && !((m, d) in edge)) {
            edge[m, d] = 1
            deps[m] = deps[m] " " d
        }
    }
    modules = 0
    for (m in module) modules++

    # Depth-first search; a dependency still on the stack closes a cycle.
    for (m in module)
        if (!(m in state) && visit(m)) exit 1

    # Layer of a module: one above the highest layer it uses.
    top = 0
    for (m in module) if (layer_of(m) > top) top = layer_of(m)
    line = "layers (bottom-up):"
    for (l = 0; l <= top; l++) {
        names = ""
        for (m in module) if (layer[m] == l) names = names " " m
        line = line (l > 0 ? " |" : "") sorted(names)
    }
    print line
    printf "layers: %d modules, no cycle\n", modules
}

function visit(m,    list, count, i, d, k, cycle) {
    state[m] = "open"
    stack[++depth] = m
    count = split(deps[m], list, " ")
    for (i = 1; i <= count; i++) {
        d = list[i]
        if ((d in state) && state[d] == "open") {
            cycle = d
            for (k = depth; k >= 1 && stack[k] != d; k--) ;
            for (k = k + 1; k <= depth; k++) cycle = cycle " -> " stack[k]
            print "layers: cycle between modules: " cycle " -> " d > "/dev/stderr"
            return 1
        }
        if (!(d in state) && visit(d)) return 1
    }
    depth--
    state[m] = "done"
    return 0
}

function layer_of(m,    list, count, i, l, best) {
    if (m in layer) return layer[m]
    best = 0
    count = split(deps[m], list, " ")
    for (i = 1; i <= count; i++) {
        l = layer_of(list[i]) + 1
        if (l > best) best = l
    }
    layer[m] = best
    return best
}

function sorted(words,    list, count, i, j, t, out) {
    count = split(words, list, " ")
    for (i = 2; i <= count; i++)
        for (j = i; j > 1 && list[j - 1] > list[j]; j--) {
            t = list[j]; list[j] = list[j - 1]; list[j - 1] = t
        }
    out = ""
    for (i = 1; i <= count; i++) out = out " " list[i]
    return out
}'
