#!/usr/bin/env bash
# The grader behind `make grade` (docs/README.md, "Grading an exercise"). Run from the
# repository's top directory:
#   tests/grade/grade.sh demo NAME FILE.c        a student's version of demos/NAME.c (FILE may
#                                                also be a program already built: not compiled)
#   tests/grade/grade.sh module NAME FILE.c      a student's common/NAME.c, against tests/test_NAME.c
#   tests/grade/grade.sh show NAME FILE.c ARGS   build FILE.c as demo NAME and run it once with
#                                                ARGS (the "again:" command of a failed check)
#   tests/grade/grade.sh expect NAME FILE.c EXPR ARGS   one run with ARGS whose result: line must
#                                                satisfy EXPR (the checks of answers/*.c; FILE may
#                                                also be a program already built)
#
# demo: compiles FILE.c against the library with the demos' flags, then checks what the
# correct program guarantees: its --help lists the reference demo's flags, bad input exits 2,
# and for every case of tests/tools/stress-cases.txt that runs this demo, GRADE_RUNS runs
# (fresh seeds, speeds from the case) exit 0 and print one result: line, last, whose keys
# satisfy the case's `always` invariant; and when the demo has --explore, a search of a small
# run's interleavings (sizes per demo below) finds no broken schedule where the reference's
# finds none.
# module: builds the library with FILE.c in place of common/NAME.c and runs the module's
# Check suite against it (CK_VERBOSITY=verbose), one line per test.
# Output: one line per check, PASS or FAIL (with what failed and a command that shows it
# again), then "N passed, N failed". Exit 0 only when everything passed; 1 when a check
# failed; 2 on bad input to the grader itself (unknown name, unreadable file).
# Everything is built in a temporary directory that is removed at exit; nothing in the
# tree is written.
#
# Environment: GRADE_BUILD (the build directory with libthreadlab.a and grade.env; default
# build/debug), GRADE_RUNS (runs per case; default 5), GRADE_LIMIT (seconds a run may take;
# default 30), GRADE_FAST=1 (always the fastest speed of a case, and --explore searches of at
# most 60 runs: for the unit tests),
# GRADE_JOBS (cases run side by side; default: the CPU count),
# GRADE_CASE (module: run one Check tcase, as CK_RUN_CASE; demo: run one case of the stress
# table, or "explore" for the --explore search alone).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
caller_dir=$PWD   # a relative FILE is the caller's
cd "$root" || exit 2
. tests/tools/invariants.sh

build=${GRADE_BUILD:-build/debug}
runs=${GRADE_RUNS:-5}
limit=${GRADE_LIMIT:-30}
cases_file=tests/tools/stress-cases.txt
unset LAB_SPEED   # every run says its own --speed

die() { echo "grade: $*" >&2; exit 2; }
usage() {
    echo "usage: make grade DEMO=name SRC=file.c     (your version of a demo; or a .patch to it)" >&2
    echo "       make grade MODULE=name SRC=file.c   (your version of common/name.c)" >&2
    exit 2
}
[ $# -ge 3 ] || usage
mode=$1 name=$2 src=$3
shift 3
case $mode in demo | module | show | expect) ;; *) usage ;; esac
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "GRADE_RUNS must be a whole number >= 1, not '$runs'"
[[ $limit =~ ^[1-9][0-9]*$ ]] || die "GRADE_LIMIT must be a whole number of seconds >= 1, not '$limit'"
jobs_max=${GRADE_JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || die "GRADE_JOBS must be a whole number >= 1, not '$jobs_max'"

# The name of `candidates` nearest to `word` (edit distance), for "did you mean".
nearest() {   # nearest WORD CANDIDATE...
    local word=$1
    shift
    printf '%s\n' "$@" | awk -v w="$word" '
    function dist(a, b,   i, j, la, lb, d, c) {
        la = length(a); lb = length(b)
        for (i = 0; i <= la; i++) d[i, 0] = i
        for (j = 0; j <= lb; j++) d[0, j] = j
        for (i = 1; i <= la; i++)
            for (j = 1; j <= lb; j++) {
                c = d[i - 1, j - 1] + (substr(a, i, 1) != substr(b, j, 1))
                if (d[i - 1, j] + 1 < c) c = d[i - 1, j] + 1
                if (d[i, j - 1] + 1 < c) c = d[i, j - 1] + 1
                d[i, j] = c
            }
        return d[la, lb] }
    { n = dist(w, $0); if (index($0, w) || index(w, $0)) n = 1; if (best == "" || n < bestn) { best = $0; bestn = n } }
    END { print best }'
}

# ---- what is graded --------------------------------------------------------------------
if [ "$mode" = module ]; then
    modules=()
    for f in tests/test_*.c; do
        m=${f#tests/test_}
        m=${m%.c}
        [ -f "common/$m.c" ] && modules+=("$m")
    done
    if [ ! -f "common/$name.c" ] || [ ! -f "tests/test_$name.c" ]; then
        [ -f "common/$name.c" ] && die "common/$name.c has no suite tests/test_$name.c to grade it with"
        die "no module '$name'; did you mean '$(nearest "$name" "${modules[@]}")'? (modules with a suite: ${modules[*]})"
    fi
else
    demos=()
    for f in demos/*.c; do demos+=("$(basename "$f" .c)"); done
    [ -f "demos/$name.c" ] ||
        die "no demo '$name'; did you mean '$(nearest "$name" "${demos[@]}")'? ('make list' shows them)"
fi
[ -n "$src" ] || usage
shown_src=$src   # as the student typed it, for the "again:" commands
[[ $src == /* ]] || src=$caller_dir/$src
[ -e "$src" ] || die "no file '$shown_src'"
[ -f "$src" ] && [ -r "$src" ] || die "cannot read '$shown_src' (not a readable file)"
src=$(realpath "$src")
[ -d "$build" ] || die "no build directory $build: run 'make' first"
build=$(cd "$build" && pwd)
[ -f "$build/libthreadlab.a" ] || die "no library $build/libthreadlab.a: run 'make' first"
[ -f "$build/grade.env" ] || die "no $build/grade.env: run 'make' first"
# CC, CFLAGS, LDFLAGS, LDLIBS, CHECK_CFLAGS, CHECK_LIBS: the flags the demos were built with.
. "$build/grade.env"

work=$(mktemp -d "${TMPDIR:-/tmp}/threadlab-grade.XXXXXX") || die "cannot make a temporary directory"
trap 'rm -rf "$work"' EXIT
trap 'echo "grade: interrupted"; exit 130' INT TERM

# A patch (the broken attempts of tests/grade/broken/ are kept as patches, so they follow
# the library as it changes) is applied to today's reference into the temporary directory.
if [[ $src == *.patch ]]; then
    reference=$([ "$mode" = module ] && echo "common/$name.c" || echo "demos/$name.c")
    applied=$work/$(basename "$src" .patch).c
    patch -s -o "$applied" "$reference" <"$src" >"$work/patch.err" 2>&1 ||
        die "$shown_src does not apply to today's $reference: $(head -3 "$work/patch.err")"
    src=$applied
fi

passed=0 failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}
again_demo() { echo "    again: make grade DEMO=$name SRC=$shown_src SHOW=\"$*\""; }

# Why a run did not end as designed, from its exit status; empty when it exited 0.
exit_problem() {   # exit_problem STATUS ERR_FILE
    case $1 in
    0) ;;
    124 | 137) echo "hang: still running after ${3:-$limit} s, killed (a wait that is never woken?)" ;;
    *) if [ "$1" -gt 128 ]; then echo "killed by signal $(($1 - 128)) ($(kill -l $(($1 - 128)) 2>/dev/null))"; else
        first=$(head -n 1 "$2")
        echo "exit $1 (a runtime failure)${first:+: $first}"; fi ;;
    esac
}

# check_run OUT ERR STATUS SEED EXPR: prints nothing when the run kept the guarantee, else why.
check_run() {
    local out=$1 err=$2 status=$3 seed=$4 expr=$5
    local problem
    problem=$(exit_problem "$status" "$err")
    if [ -n "$problem" ]; then
        # A runtime failure that still printed its result line: say which guarantee broke too.
        if [ "$status" = 1 ] && [ "$(grep -c '^result: ' "$out")" -eq 1 ]; then
            local more
            more=$(check_run "$out" "$err" 0 "$seed" "$expr")
            [ -z "$more" ] || problem="$problem; $more"
        fi
        echo "$problem"
        return
    fi
    local count last
    count=$(grep -c '^result: ' "$out")
    last=$(tail -n 1 "$out")
    [ "$count" -eq 1 ] || { echo "$count result: lines on stdout (want exactly one, the last line)"; return; }
    [[ $last == 'result: '* ]] || { echo "the result: line is not the last line of stdout"; return; }
    local -A value=()
    local -a vars=()
    local pair key
    for pair in ${last#result: }; do
        [[ $pair =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        value[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        vars+=(-v "$pair")
    done
    [ -z "$seed" ] || [ "${value[seed]-}" = "$seed" ] ||
        { echo "seed=${value[seed]-missing} in the result line, given --seed $seed"; return; }
    local missing=() shown=()
    for key in $(keys_named_in "$expr"); do
        if [ -z "${value[$key]+set}" ]; then missing+=("$key"); else shown+=("$key=${value[$key]}"); fi
    done
    [ ${#missing[@]} -eq 0 ] || { echo "the result line lacks the key(s) ${missing[*]}: $last"; return; }
    local verdict
    verdict=$(awk "${vars[@]}" "$awk_helpers BEGIN { print ((${expr}) ? 1 : 0) }" 2>&1)
    [ "$verdict" = 1 ] && return
    # Name the parts of the invariant that do not hold, so the student sees which guarantee broke.
    local part broken=()
    while IFS= read -r part; do
        part=$(sed 's/^ *//; s/ *$//' <<<"$part")
        [ -n "$part" ] || continue
        verdict=$(awk "${vars[@]}" "$awk_helpers BEGIN { print ((${part}) ? 1 : 0) }" 2>/dev/null)
        [ "$verdict" = 1 ] || broken+=("$part")
    done < <(sed 's/&&/\n/g' <<<"$expr")
    local values
    values=$(for key in $(keys_named_in "${broken[*]:-$expr}"); do printf '%s=%s ' "$key" "${value[$key]}"; done)
    echo "invariant broken: ${broken[*]/%/;} [${values% }]"
}

# ---- a module --------------------------------------------------------------------------
if [ "$mode" = module ]; then
    echo "grading $src as common/$name.c, with the suite tests/test_$name.c"
    objects=()
    for f in common/*.c; do
        b=$(basename "$f" .c)
        [ "$b" = "$name" ] && continue
        [ -f "$build/common/$b.o" ] || die "no $build/common/$b.o: run 'make' first"
        objects+=("$build/common/$b.o")
    done
    # Your file is compiled as if it were common/NAME.c: its own header comes from common/.
    # shellcheck disable=SC2086
    if ! $CC $CFLAGS -iquote common -c "$src" -o "$work/$name.o" 2>"$work/cc.err"; then
        fail "compile: $src does not compile with the library's flags ($CFLAGS):"
        sed 's/^/    /' "$work/cc.err"
        finish
    fi
    ar rcs "$work/libthreadlab.a" "${objects[@]}" "$work/$name.o"
    test_objects=()
    for f in "tests/test_$name.c" tests/support*.c; do
        o=$build/tests/$(basename "$f" .c).o
        if [ ! -f "$o" ]; then
            o=$work/$(basename "$f" .c).o
            # shellcheck disable=SC2086
            $CC $CFLAGS -iquote tests $CHECK_CFLAGS -c "$f" -o "$o" || die "cannot compile $f"
        fi
        test_objects+=("$o")
    done
    # shellcheck disable=SC2086
    if ! $CC "${test_objects[@]}" "$work/libthreadlab.a" -o "$work/test_$name" $LDFLAGS $CHECK_LIBS $LDLIBS \
        2>"$work/cc.err"; then
        fail "link: the suite does not link with your $name.c (a function missing or misnamed?):"
        sed 's/^/    /' "$work/cc.err"
        finish
    fi
    pass "compile: $(basename "$src") compiles and links with the library and tests/test_$name.c"
    # The whole suite (or GRADE_CASE), whatever the caller's own Check settings say.
    only=()
    [ -z "${GRADE_CASE:-}" ] || only=("CK_RUN_CASE=$GRADE_CASE")
    env -u CK_RUN_CASE -u CK_RUN_SUITE -u CK_INCLUDE_TAGS -u CK_EXCLUDE_TAGS CK_VERBOSITY=verbose CK_FORK=yes LAB_BIN_DIR="$build" "${only[@]}" \
        timeout -k 5 600 "$work/test_$name" >"$work/suite.out" 2>&1 </dev/null
    status=$?
    # Check's verbose lines: file:line:P|F|E:tcase:test:iteration: message
    awk -v again="make grade MODULE=$name SRC=$shown_src" '
    match($0, /^[^:]+:[0-9]+:[PFE]:[^:]*:[^:]*:[0-9]+: /) {
        head = substr($0, 1, RLENGTH - 2); message = substr($0, RLENGTH + 1)
        split(head, f, ":"); kind = f[3]; tcase = f[4]; test = f[5]; iteration = f[6]
        key = tcase ": " test
        if (!(key in seen)) { order[++n] = key; seen[key] = 1; tcase_of[key] = tcase }
        if (kind != "P" && !(key in why)) {
            why[key] = (kind == "E" ? "error: " : "") message
            where[key] = f[1] ":" f[2] (iteration > 0 ? ", iteration " iteration : "")
        }
    }
    END {
        for (i = 1; i <= n; i++) {
            k = order[i]
            if (k in why) {
                printf "FAIL %s: %s (%s)\n", k, why[k], where[k]
                printf "    again: %s GRADE_CASE=\"%s\"\n", again, tcase_of[k]
            } else printf "PASS %s\n", k
        }
    }' "$work/suite.out" >"$work/lines"
    cat "$work/lines"
    passed=$((passed + $(grep -c '^PASS ' "$work/lines")))
    failed=$((failed + $(grep -c '^FAIL ' "$work/lines")))
    if [ "$status" -ne 0 ] && ! grep -q '^FAIL ' "$work/lines"; then
        fail "suite: test_$name ended with status $status and no failed test named; its output:"
        tail -n 5 "$work/suite.out" | sed 's/^/    /'
    elif ! grep -q . "$work/lines"; then
        fail "suite: test_$name ran no test${GRADE_CASE:+ (no tcase '$GRADE_CASE'?)}"
    fi
    finish
fi

# ---- a demo: build it --------------------------------------------------------------------
reference=$build/$name
[ -x "$reference" ] || die "no reference demo $reference: run 'make' first"
program=$work/$name   # named after the demo: its messages and usage lines say the demo's name
prebuilt=no
# shellcheck disable=SC2086
if [ -x "$src" ] && [[ $src != *.c ]]; then
    program=$src   # a program already built (make's answers/, a reference demo): no compiling
    prebuilt=yes
elif ! $CC $CFLAGS -iquote common -iquote demos "$src" "$build/libthreadlab.a" -o "$program" $LDFLAGS $LDLIBS \
    2>"$work/cc.err"; then
    [ "$mode" = show ] && { cat "$work/cc.err" >&2; die "$src does not compile"; }
    fail "compile: $src does not compile with the demos' flags ($CFLAGS):"
    sed 's/^/    /' "$work/cc.err"
    finish
fi

if [ "$mode" = show ]; then   # one run, its output shown as it comes
    echo "grade: $name built from $src; running: $name $*" >&2
    timeout -k 5 "$limit" "$program" "$@"
    status=$?
    [ "$status" -eq 124 ] || [ "$status" -eq 137 ] && echo "grade: still running after $limit s: killed" >&2
    echo "grade: exit status $status" >&2
    exit "$status"
fi

if [ "$mode" = expect ]; then   # one run, one claim about its result line
    [ $# -ge 1 ] || usage
    expr=$1
    shift
    timeout -k 2 "$limit" "$program" "$@" >"$work/run.out" 2>"$work/run.err" </dev/null
    verdict=$(check_run "$work/run.out" "$work/run.err" $? "" "$expr")
    if [ -z "$verdict" ]; then pass "$(basename "$src") $*: $expr"; else
        fail "$(basename "$src") $*: $verdict"
        again_demo "$*"
    fi
    finish
fi

echo "grading $src as the demo '$name' ($runs runs a case; GRADE_RUNS=N for more)"
if [ $prebuilt = yes ]; then
    echo "NOTE $src is a program, not a source file: not compiled, only its behaviour is checked"
else
    pass "compile: $(basename "$src") compiles with the demos' flags (-Wall -Wextra -Werror) and links"
fi

# ---- its interface -----------------------------------------------------------------------
quick=$((limit < 10 ? limit : 10))   # --help and bad input answer at once
flags_in() { grep -oE '^  --[a-z][a-z0-9-]*' "$1" | sed 's/^ *//' | sort -u; }
"$reference" --help >"$work/ref.help" 2>&1
timeout -k 2 "$quick" "$program" --help >"$work/help" 2>"$work/help.err" </dev/null
status=$?
if [ "$status" -ne 0 ]; then
    fail "interface: '$name --help' should exit 0; $(exit_problem "$status" "$work/help.err" "$quick")"
    again_demo --help
else
    missing=()
    for flag in $(flags_in "$work/ref.help"); do
        grep -qE -- "(^|[^a-z-])$flag([^a-z0-9-]|\$)" "$work/help" || missing+=("$flag")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        pass "interface: --help lists every flag of the reference demo ($(flags_in "$work/ref.help" | tr '\n' ' ' | sed 's/ $//'))"
    else
        fail "interface: --help does not list ${missing[*]}, which the reference demo has"
        again_demo --help
    fi
fi
bad_ok=yes
for bad in "--no-such-flag" "--speed 0" "--seed not-a-number"; do
    # shellcheck disable=SC2086
    timeout -k 2 "$quick" "$program" $bad >"$work/bad.out" 2>"$work/bad.err" </dev/null
    status=$?
    if [ "$status" -ne 2 ]; then
        fail "bad input: '$name $bad' should be a usage error (exit 2, a message on stderr), got $(exit_problem "$status" "$work/bad.err" "$quick" | sed 's/^$/exit 0/')"
        again_demo "$bad"
        bad_ok=no
        break
    fi
done
[ $bad_ok = yes ] && pass "bad input: an unknown flag, --speed 0 and --seed not-a-number each exit 2"

# ---- its guarantees: the cases of the stress table that run this demo --------------------------
# One line per case: name TAB args TAB speeds TAB always.
awk -v demo="$name" '
function flush() { if (c != "" && r != "" && a != "") printf "%s\t%s\t%s\t%s\n", c, r, s, a; c = r = s = a = "" }
/^[[:space:]]*(#|$)/ { next }
$1 == "case" { flush(); c = $2; next }
$1 == "run" { if ($2 == demo) { sub(/^[[:space:]]*run[[:space:]]+[^[:space:]]+[[:space:]]*/, ""); r = "@" $0 } else c = ""; next }
$1 == "speeds" { sub(/^[[:space:]]*speeds[[:space:]]+/, ""); s = $0; next }
$1 == "always" { sub(/^[[:space:]]*always[[:space:]]+/, ""); a = $0; next }
END { flush() }' "$cases_file" >"$work/cases"
[ -s "$work/cases" ] || echo "NOTE no case of $cases_file runs '$name': only its interface is checked"
if [ -n "${GRADE_CASE:-}" ]; then   # one case (or "explore": the search alone)
    awk -F '\t' -v only="$GRADE_CASE" '$1 == only' "$work/cases" >"$work/cases.only"
    mv "$work/cases.only" "$work/cases"
    echo "NOTE GRADE_CASE=$GRADE_CASE: only that case is run"
fi

# grade_case INDEX NAME ARGS SPEEDS EXPR: the runs of one case; its PASS/FAIL lines into
# $work/case.INDEX (cases run side by side: the demos mostly sleep).
grade_case() {
    local index=$1 case_name=$2 args=$3 speeds=$4 expr=$5
    local -a choices used=()
    read -r -a choices <<<"$speeds"
    local fastest run seed speed status verdict=""
    fastest=$(printf '%s\n' "${choices[@]}" | sort -g | tail -n 1)
    for ((run = 1; run <= runs; run++)); do
        seed=$((SRANDOM % 2000000000 + 1))
        speed=${choices[SRANDOM % ${#choices[@]}]}
        [ "${GRADE_FAST:-0}" = 1 ] && speed=$fastest
        # shellcheck disable=SC2086
        timeout -k 2 "$limit" "$program" $args --seed "$seed" --speed "$speed" \
            >"$work/run.$index.out" 2>"$work/run.$index.err" </dev/null
        status=$?
        verdict=$(check_run "$work/run.$index.out" "$work/run.$index.err" "$status" "$seed" "$expr")
        used+=("$speed")
        [ -z "$verdict" ] || break
    done
    if [ -z "$verdict" ]; then
        echo "PASS $case_name: $runs runs of '$name${args:+ $args}' (speeds $(printf '%s\n' "${used[@]}" |
            sort -gu | tr '\n' ' ' | sed 's/ $//')) kept: $expr"
    else
        echo "FAIL $case_name: run $run of $runs, '$name${args:+ $args} --seed $seed --speed $speed': $verdict"
        again_demo "${args:+$args }--seed $seed --speed $speed"
    fi >"$work/case.$index"
}

index=0
while IFS=$'\t' read -r case_name args speeds expr; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
    grade_case "$index" "$case_name" "${args#@}" "$speeds" "$expr" &
    index=$((index + 1))
done <"$work/cases"
wait
for ((i = 0; i < index; i++)); do
    cat "$work/case.$i"
    grep -q '^PASS ' "$work/case.$i" && passed=$((passed + 1)) || failed=$((failed + 1))
done

# ---- under the schedule control, when the demo has it ---------------------------------------
# The explorer (docs/schedules.md) searches the interleavings of a small run for one that breaks
# the demo's own invariant. Small sizes per demo (a complete search, or a budget of runs): the
# sizes of the stress cases would make the search endless. Where the reference's search finds
# nothing, yours must find nothing: a schedule that breaks the invariant is a FAIL, named with
# its --schedule= replay. Where the lesson is the bug (race), either outcome passes.
# One line per size: demo | args | budget (runs).
explore_sizes() {
    awk -v demo="$1" '$1 == demo { sub(/^[^|]*\| */, ""); print }' <<'SIZES'
race      | --mode=loop --threads 2 --iterations 2 | 500
mutex     | --threads 2 | 500
mutex     | --mode=loop --threads 2 --iterations 2 | 500
semaphore | --people 3 --stalls 2 | 500
candy     | | 500
event     | --cars 1 --cycles 1 | 100
condition | --notify=all --customers 3 | 100
barrier   | --threads 3 | 200
deadlock  | --fix=order | 200
deadlock  | --fix=trylock | 200
rlock     | --threads 2 | 200
queue     | --part=buns --buns 3 | 60
local     | --threads 2 --rounds 2 | 100
timer     | | 100
pool      | --part=callback | 100
join      | --threads 3 | 100
SIZES
}
# The value of KEY in the result: line of FILE (empty when missing).
result_key() { tail -n 1 "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

if grep -q -- '--explore' "$work/ref.help"; then
    explore_sizes "$name" >"$work/explore"
    [ -z "${GRADE_CASE:-}" ] || [ "$GRADE_CASE" = explore ] || : >"$work/explore"
    [ -s "$work/explore" ] ||
        echo "NOTE --explore: no small sizes known for '$name' in grade.sh: the search is not run"
    while IFS='|' read -r args budget; do
        args=$(echo "$args" | sed 's/^ *//; s/ *$//')
        budget=${budget// /}
        # GRADE_FAST (the unit tests): a smaller search, enough for the broken attempts
        [ "${GRADE_FAST:-0}" = 1 ] && [ "$budget" -gt 60 ] && budget=60
        # shellcheck disable=SC2086
        timeout -k 2 "$limit" "$reference" $args --explore="$budget" >"$work/ref.explore" 2>&1 </dev/null
        # shellcheck disable=SC2086
        timeout -k 2 "$limit" "$program" $args --explore="$budget" >"$work/explore.out" 2>"$work/explore.err" </dev/null
        status=$?
        run_shown="'$name${args:+ $args} --explore=$budget'"
        ref_failed=$(result_key "$work/ref.explore" failed)
        invariant=$(sed -n 's/^explore: checks \(.*\) in schedules with.*/\1/p' "$work/ref.explore")
        problem=$(exit_problem "$status" "$work/explore.err")
        failed_runs=$(result_key "$work/explore.out" failed)
        schedule=$(result_key "$work/explore.out" schedule)
        runs_done=$(result_key "$work/explore.out" runs)
        why=$(sed -n 's/^explore: the shortest replay found ([^)]*): //p' "$work/explore.out")
        if [ -n "$problem" ]; then
            fail "explore: $run_shown: $problem"
            again_demo "${args:+$args }--explore=$budget"
        elif ! [[ $failed_runs =~ ^[0-9]+$ ]]; then
            fail "explore: $run_shown printed no explorer result (failed=, runs=): $(tail -n 1 "$work/explore.out")"
            again_demo "${args:+$args }--explore=$budget"
        elif [ "${ref_failed:-0}" = 0 ] && [ "$failed_runs" = 0 ]; then
            pass "explore: $run_shown: $(grep -m 1 -E '^explore: (all|[0-9]+ schedules)' "$work/explore.out" | sed 's/^explore: //')"
        elif [ "${ref_failed:-0}" = 0 ]; then
            fail "explore: $run_shown: schedule --schedule=$schedule breaks $invariant: ${why:-see its run}; the reference keeps it in every schedule searched"
            again_demo "${args:+$args }--seed 1 --schedule=$schedule"
        elif [ "$failed_runs" != 0 ]; then
            pass "explore: $run_shown: finds the lesson's bug, as the reference does: --schedule=$schedule: $why"
        else   # the lesson is the bug, and this version fixed it: fine, and worth saying
            pass "explore: $run_shown: no schedule breaks $invariant in $runs_done runs, where the reference's does (--schedule=$(result_key "$work/ref.explore" schedule)): your version fixed the lesson's bug"
        fi
    done <"$work/explore"
else
    echo "NOTE --explore: this build's '$name' has no schedule control yet (not in its --help): not checked"
fi
finish
