#!/usr/bin/env bash
# sanitize.sh — the tests and the demos under one checking tool: what `make tsan`,
# `make asan` and `make helgrind` run (docs/sanitizers.md explains the output).
#
# Usage: tests/tools/sanitize.sh TOOL BUILD
#   tsan      ThreadSanitizer: BUILD is a VARIANT=tsan build (build/tsan)
#   asan      AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer: build/asan
#   helgrind  Valgrind's Helgrind, on an ordinary -O0 build (build/valgrind)
#   drd       Valgrind's DRD, the same way (no make target: see docs/sanitizers.md)
#
# Part 1, the suites: Check runners of BUILD/tests under the tool (suites_for says which).
#   Tests tagged "misuse" commit a pthread error on purpose and are left out where the tool
#   would report it (CK_EXCLUDE_TAGS). Every process writes its tool reports to a file, so
#   a report fails the part even from a demo whose exit status its test ignores.
# Part 2, the cases: every line of tests/tools/tool-cases.txt run under the tool, and a
#   table: demo, variant, what was expected, what was found. Correct runs must be clean
#   and pass their check; broken runs must be caught, by the tool where the bug is of the
#   kind it looks for, and otherwise by the demo's own check, never by pretending.
# Exit statuses that tell "the tool reported" from "the program failed" (demos exit 0, 1,
# 2 or 128+N; Check runners 0 or 1): 66 ThreadSanitizer, 67 AddressSanitizer,
# 68 UndefinedBehaviorSanitizer, 69 LeakSanitizer, 70 Helgrind, 71 DRD.
# Exits 0 when every suite passed without a report and every case came out as expected.
# Environment: TOOL_JOBS (runs at once; default: the CPUs), TOOL_CASES (another case
# file), TOOL_SUITES (suite names to run instead, e.g. "bsem queue"; "" for none),
# TOOL_DEMOS (only the cases of these demos; "" for none).
set -u

here=$(dirname "$0")
root=$here/../..
tool=${1:-}
build=${2:-}
cases_file=${TOOL_CASES:-$here/tool-cases.txt}
jobs_max=${TOOL_JOBS:-$(nproc 2>/dev/null || echo 2)}
started=$SECONDS

die() { echo "sanitize: $*" >&2; exit 2; }
[ -n "$build" ] || die "usage: tests/tools/sanitize.sh tsan|asan|helgrind|drd BUILD"
[ -s "$build/demos.list" ] || die "no demos in $build (build them first: make BUILD=$build demos)"
probe=$build/$(head -n 1 "$build/demos.list")
unset LAB_SPEED   # every case says its own --speed

# ---- the tool --------------------------------------------------------------------------
# prefix: what runs a program under the tool; detects: the kinds of bug it reports;
# exclude: the test tags it skips; multiplier: how much slower than a plain run it is.
prefix=() detects='' exclude='' multiplier=1 limit=120 exit_code=0
case $tool in
tsan)
    grep -qa __tsan_init "$probe" || die "$build is not a ThreadSanitizer build (make VARIANT=tsan)"
    detects='race lock-order misuse' exclude=misuse multiplier=3 exit_code=66 ;;
asan)
    grep -qa __asan_init "$probe" || die "$build is not an AddressSanitizer build (make VARIANT=asan)"
    exclude='fork-exit main-pthread-exit' multiplier=2 exit_code=67 ;;
helgrind | drd)
    command -v valgrind >/dev/null || die "valgrind is not installed (tests/ensure-deps.sh valgrind)"
    grep -qaE '__(tsan|asan)_init' "$probe" && die "$build is a sanitizer build: Valgrind needs an ordinary one"
    exit_code=$([ "$tool" = helgrind ] && echo 70 || echo 71)
    prefix=(valgrind --tool="$tool" --error-exitcode="$exit_code")
    [ ! -f "$here/$tool.supp" ] || prefix+=(--suppressions="$here/$tool.supp")
    [ "$tool" = helgrind ] && detects='race lock-order misuse' || detects='race misuse'
    exclude=misuse multiplier=20 limit=300 ;;
*) die "unknown tool '$tool': tsan, asan, helgrind or drd" ;;
esac

# run_under DIR SECONDS COMMAND...: run COMMAND under the tool, killed after SECONDS, its
# reports going to files in DIR (one per process: a forked child writes its own).
# With ctrl_c set (seconds), COMMAND gets a SIGINT then, and SECONDS more to end.
ctrl_c=''
run_under() {
    local dir=$1 seconds=$2
    shift 2
    local -a limit=(timeout -k 5 "$seconds")
    [ -z "$ctrl_c" ] || limit=(timeout --preserve-status -s INT -k "$seconds" "$ctrl_c")
    case $tool in
    tsan)
        TSAN_OPTIONS="exitcode=66 atexit_sleep_ms=0 second_deadlock_stack=1 log_path=$dir/tsan" \
            "${limit[@]}" "$@" ;;
    asan)
        ASAN_OPTIONS="exitcode=67 detect_leaks=1 detect_stack_use_after_return=1 log_path=$dir/asan" \
        UBSAN_OPTIONS="halt_on_error=1 exitcode=68 print_stacktrace=1 log_path=$dir/ubsan" \
        LSAN_OPTIONS="exitcode=69" "${limit[@]}" "$@" ;;
    *)
        "${limit[@]}" "${prefix[@]}" --log-file="$dir/$tool.%p" "$@" ;;
    esac
}

# The kinds of report in the report files of DIR, one per line: "KIND<TAB>the tool's words".
# KIND is race, lock-order, misuse or other. Valgrind writes a log even when it finds
# nothing: its "ERROR SUMMARY" says how many kinds of error (contexts) there were, and
# any not recognised below count as "other".
reports_in() {
    local dir=$1 file
    for file in "$dir"/*; do
        [ -f "$file" ] || continue
        case $tool in
        tsan) classify_tsan "$file" ;;
        asan) classify_asan "$file" ;;
        helgrind | drd) classify_valgrind "$file" ;;
        esac
    done
}

classify_tsan() {
    sed -n 's/^WARNING: ThreadSanitizer: \(.*\) (pid=[0-9]*)$/\1/p' "$1" | while IFS= read -r words; do
        case $words in
        'data race'*) printf 'race\t%s\n' "$words" ;;
        lock-order-inversion*) printf 'lock-order\t%s\n' "$words" ;;
        *mutex*) printf 'misuse\t%s\n' "$words" ;;
        *) printf 'other\t%s\n' "$words" ;;
        esac
    done
    grep -q 'WARNING: ThreadSanitizer' "$1" || printf 'other\tThreadSanitizer: %s\n' "$(head -n 1 "$1")"
}

classify_asan() {
    local found
    found=$(grep -ohE 'ERROR: (Address|Leak)Sanitizer: [a-z -]+|runtime error: .*' "$1")
    [ -n "$found" ] || found="sanitizer log: $(head -n 1 "$1")"
    printf 'other\t%s\n' "$found"
}

# The error headers of a Valgrind log, then the contexts that no pattern recognised.
classify_valgrind() {
    local file=$1 contexts known
    contexts=$(sed -n 's/.*ERROR SUMMARY: [0-9]* errors from \([0-9]*\) contexts.*/\1/p' "$file" | tail -n 1)
    known=$(sed -nE \
        -e 's/^==[0-9]+== (Possible data race during [a-z]+).*/race\t\1/p' \
        -e 's/^==[0-9]+== (Conflicting [a-z]+ by thread).*/race\t\1/p' \
        -e 's/^==[0-9]+== Thread #[0-9]+: (lock order) .* (violated)$/lock-order\t\1 violated/p' \
        -e 's/^==[0-9]+== Thread #[0-9]+ (unlocked a not-locked lock).*/misuse\t\1/p' \
        -e 's/^==[0-9]+== Thread #[0-9]+ unlocked lock at .* (currently held by thread).*/misuse\tunlocked a lock \1 #N/p' \
        -e "s/^==[0-9]+== Thread #[0-9]+'s (call to pthread_[a-z_]+ failed).*/misuse\t\1/p" \
        -e 's/^==[0-9]+== Thread #[0-9]+: (Attempt to re-lock a non-recursive lock).*/misuse\t\1/p' \
        -e 's/^==[0-9]+== (Mutex not locked by calling thread|Recursive locking not allowed|Mutex not locked|Destroying locked mutex).*/misuse\t\1/p' \
        "$file")
    [ -z "$known" ] || printf '%s\n' "$known"
    local seen
    seen=$(grep -c . <<<"$known")
    [ -n "$known" ] || seen=0
    if [ -z "$contexts" ]; then
        printf 'other\tno ERROR SUMMARY in %s (killed?)\n' "$(basename "$file")"
    elif [ "$contexts" -gt "$seen" ]; then
        printf 'other\t%d unrecognised error context(s)\n' $((contexts - seen))
    fi
}

# ---- part 1: the suites ----------------------------------------------------------------
# The library's own suites: test_X for each common/X.c.
library_suites() {
    local source name
    for source in "$root"/common/*.c; do
        name=$(basename "$source" .c)
        [ -x "$build/tests/test_$name" ] && echo "$name"
    done
}

# Which suites run under the tool, and why the others do not:
# - tsan: the library suites. The demo suites (test_demo_*, every_demo) run the broken
#   variants on purpose (every_demo interrupts race and rlock too) and check the stories,
#   not the tool: the case table runs each demo configuration instead and says what TSan
#   found, broken or not.
# - asan: every suite but debugging (gdb walkthroughs need the -O0 debug build's variables)
#   and course (it grades deliberately broken student programs, whose memory errors, such as
#   join-no-join's freed set that its unjoined threads still use, are their bugs, not ours).
# - helgrind, drd: none; the case table (each suite under Valgrind takes minutes).
suites_for() {
    case $tool in
    tsan) library_suites ;;
    asan) for runner in "$build"/tests/test_*; do
              [[ $runner == *.[od] ]] && continue
              runner=${runner##*/test_}
              [ "$runner" = debugging ] || [ "$runner" = course ] || echo "$runner"
          done ;;
    *) ;;
    esac
}

run_suite() {   # run_suite NAME: output in $work/suite-NAME.{out,rc}, reports in .../reports
    local name=$1 dir="$work/suite-$1" begin=$SECONDS
    mkdir -p "$dir/reports"
    CK_EXCLUDE_TAGS=$exclude CK_TIMEOUT_MULTIPLIER=$multiplier LAB_BIN_DIR=$build \
        run_under "$dir/reports" $((300 * multiplier)) "$build/tests/test_$name" >"$dir/out" 2>&1
    echo "$? $((SECONDS - begin))" >"$dir/rc"
}

suites_failed=()
run_suites() {
    local -a names
    if [ -n "${TOOL_SUITES+set}" ]; then read -r -a names <<<"$TOOL_SUITES"; else mapfile -t names < <(suites_for); fi
    [ ${#names[@]} -gt 0 ] || return 0
    echo "== $tool: ${#names[@]} suites${exclude:+ (tests tagged '$exclude' left out)}"
    local name
    for name in "${names[@]}"; do
        [ -x "$build/tests/test_$name" ] || die "no suite $build/tests/test_$name"
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
        run_suite "$name" &
    done
    wait
    local status seconds summary reports
    for name in "${names[@]}"; do
        read -r status seconds <"$work/suite-$name/rc"
        summary=$(grep -m 1 -E '^[0-9]+%: Checks' "$work/suite-$name/out")
        reports=$(reports_in "$work/suite-$name/reports" | cut -f 2 | sort | uniq -c | sed 's/^ *//' | paste -sd ',' -)
        printf '  %-14s %-48s %4ss  %s\n' "$name" "${summary:-no summary (exit $status)}" "$seconds" \
            "${reports:+REPORTED: $reports}"
        if [ "$status" -ne 0 ] || [ -n "$reports" ]; then
            suites_failed+=("$name")
            show_failure "suite $name (exit $status)" "$work/suite-$name/out" "$work/suite-$name/reports"
        fi
    done
}

# show_failure TITLE OUTPUT REPORT_DIR: what decided it, kept for after the table.
show_failure() {
    {
        echo "---- $1"
        grep -vE '^[0-9]+%: Checks|^Running suite' "$2" | head -n 30
        local file
        for file in "$3"/*; do
            [ -f "$file" ] || continue
            echo "  [$(basename "$file")]"
            case $tool in   # Valgrind: from its first error on (thread announcements before)
            helgrind | drd) awk '/^==[0-9]+== -+$/ { on = 1 } on && !/^==[0-9]+== *$/' "$file" | head -n 60 ;;
            *) head -n 60 "$file" ;;
            esac
        done
    } >>"$work/failures"
}

# ---- part 2: the cases -----------------------------------------------------------------
demos=() expects=() checks=() skips=() arguments=() interrupts=()
load_cases() {
    local line number=0 demo expect check skip args
    while IFS= read -r line || [ -n "$line" ]; do
        number=$((number + 1))
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        [[ $line == *' | '*' | '*' | '*' | '* ]] || die "$cases_file:$number: want 5 fields separated by ' | '"
        IFS='|' read -r demo expect check skip args <<<"${line// | /|}"
        read -r demo <<<"$demo"; read -r expect <<<"$expect"; read -r skip <<<"$skip"
        check=$(sed 's/^ *//; s/ *$//' <<<"$check")
        case $expect in clean | race | lock-order | misuse | invariant) ;;
        *) die "$cases_file:$number: unknown expect '$expect'" ;;
        esac
        [[ " ${skip//,/ } " == *" $tool "* ]] && continue
        if [ -n "${TOOL_DEMOS+set}" ] && [[ " $TOOL_DEMOS " != *" $demo "* ]]; then continue; fi
        [ -x "$build/$demo" ] || die "$cases_file:$number: no demo $build/$demo"
        local interrupt=''
        if [[ $args =~ \(Ctrl-C\ after\ ([0-9.]+)\ s\)[[:space:]]*$ ]]; then
            interrupt=${BASH_REMATCH[1]}
            [ "$check" = - ] || die "$cases_file:$number: an interrupted run prints no result: its check must be -"
        fi
        demos+=("$demo") expects+=("$expect") checks+=("$check") skips+=("$skip") arguments+=("$args")
        interrupts+=("$interrupt")
    done <"$cases_file"
}

# check_result OUT CHECK: prints "ok KEYS" or "no KEYS" (KEYS: the values the check read),
# or "bad WHY" when there is no single result line or a key is missing.
check_result() {
    local out=$1 check=$2 line pair key
    [ "$(grep -c '^result: ' "$out")" -eq 1 ] || { echo "bad $(grep -c '^result: ' "$out") result: lines"; return; }
    line=$(tail -n 1 "$out")
    [[ $line == 'result: '* ]] || { echo "bad the result: line is not the last line"; return; }
    [ "$check" = - ] && { echo "ok"; return; }
    local -A value=()
    local -a vars=() shown=()
    for pair in ${line#result: }; do
        [[ $pair =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        value[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        vars+=(-v "$pair")
    done
    for key in $(sed 's/"[^"]*"//g' <<<"$check" | grep -oE '[A-Za-z_][A-Za-z0-9_]*' | sort -u); do
        [ -n "${value[$key]+set}" ] || { echo "bad no key '$key' in: $line"; return; }
        shown+=("$key=${value[$key]}")
    done
    if awk "${vars[@]}" "BEGIN { exit !($check) }" 2>/dev/null; then echo "ok ${shown[*]}"; else echo "no ${shown[*]}"; fi
}

# One case: up to `tries` runs until it comes out as expected. A broken run is tried up to
# 5 times to show its bug: through the tool's report where the tool looks for that kind of
# bug, through the demo's check for an invariant. A clean run gets one try; so does a bug
# of a kind the tool does not look for (a race under ASan): no report is all it must show,
# its check is only displayed (under ASan, race --mode=loop loses nothing in most runs).
# Writes "STATUS<TAB>FOUND<TAB>RUNS" to $work/case-N/verdict: STATUS ok or FAIL.
run_case() {
    local n=$1 demo=${demos[$1]} expect=${expects[$1]} check=${checks[$1]}
    local -a args
    read -r -a args <<<"${arguments[n]%(Ctrl-C*}"
    local want=none tries=1 try dir status kinds words checked verdict ended_well=0
    ctrl_c=${interrupts[n]}
    [ -z "$ctrl_c" ] || ended_well=130   # exit(128 + SIGINT), through the atexit handlers
    [[ " $detects " == *" $expect "* ]] && want=$expect
    [ "$want" = none ] && [ "$expect" != invariant ] || tries=5
    for ((try = 1; try <= tries; try++)); do
        dir="$work/case-$n/run-$try"
        mkdir -p "$dir/reports"
        run_under "$dir/reports" "$limit" "$build/$demo" "${args[@]}" >"$dir/out" 2>"$dir/err" </dev/null
        status=$?
        reports_in "$dir/reports" >"$dir/kinds"
        kinds=$(cut -f 1 "$dir/kinds" | sort -u | paste -sd ' ' -)
        words=$(cut -f 2 "$dir/kinds" | sort -u | sed -z 's/\n/; /g; s/; $//')
        verdict=''
        if [ -n "$kinds" ] && [ "$kinds" != "$want" ]; then
            verdict="FAIL	unexpected report: $words"
        elif [ "$status" -ne "$ended_well" ] && { [ -z "$kinds" ] || [ "$status" -ne "$exit_code" ]; }; then
            verdict="FAIL	$(describe_exit "$status" "$dir/err")"
        else
            # Where the tool sees the bug its report is the evidence; the symptom may not
            # show (Valgrind runs one thread at a time: race loses nothing under Helgrind).
            checked=ok
            [ -n "$ctrl_c" ] || [ "$want" != none ] || checked=$(check_result "$dir/out" "$check")
            case $checked in
            bad*) verdict="FAIL	${checked#bad }" ;;
            no*) if [ "$expect" = clean ]; then
                     verdict="FAIL	check broken: $check [${checked#no }]"
                 elif [ "$expect" != invariant ]; then
                     verdict="ok	no report; demo:${checked#no}"
                 fi ;;
            ok*) if [ "$want" = none ] || [ "$kinds" = "$want" ]; then
                     verdict="ok	$(found_text "$expect" "$want" "$words" "${checked#ok}")"
                 fi ;;
            esac
        fi
        [ -n "$verdict" ] && break
    done
    [ -n "$verdict" ] || verdict="FAIL	not caught in $tries runs: $(last_seen "$want" "$words" "${checked:-}")"
    [ "$try" -gt "$tries" ] && try=$tries
    printf '%s\t%s\n' "$verdict" "$try" >"$work/case-$n/verdict"
    [[ $verdict == FAIL* ]] && printf '%s\n' "$dir" >"$work/case-$n/failed-run"
}

describe_exit() {   # describe_exit STATUS ERR_FILE
    case $1 in
    124 | 137) echo "still running after $limit s: killed" ;;
    *) if [ "$1" -gt 128 ]; then echo "killed by signal $(($1 - 128))"; else echo "exit $1: $(head -c 200 "$2" | head -n 1)"; fi ;;
    esac
}

found_text() {   # found_text EXPECT WANT WORDS KEYS: the last column, for a run as expected
    if [ "$2" != none ]; then
        echo "caught: $3"
    elif [ "$1" != clean ] && [ -n "$4" ]; then
        echo "no report; demo:$4"
    else
        echo "clean"
    fi
}

last_seen() {   # last_seen WANT WORDS CHECKED: what the last run showed instead
    if [ "$1" != none ] && [ -z "$2" ]; then echo "no report"; else echo "check not met [${3#* }]"; fi
}

expected_text() {   # expected_text N: the table's "expected" column
    local expect=${expects[$1]} name
    case $expect in
    clean) echo "clean" ;;
    invariant) echo "invariant (no data race)" ;;
    *) case $expect in race) name="data race" ;; lock-order) name="lock-order inversion" ;; misuse) name="deliberate misuse" ;; esac
       if [[ " $detects " == *" $expect "* ]]; then echo "$name"; else echo "no report (a $name)"; fi ;;
    esac
}

cases_failed=()
run_cases() {
    load_cases
    [ ${#demos[@]} -gt 0 ] || return 0
    echo
    echo "== $tool: ${#demos[@]} demo runs (tests/tools/$(basename "$cases_file"))"
    local n
    for n in "${!demos[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
        run_case "$n" &
    done
    wait
    local status found runs width=8 width2=8
    local -a variants expected
    for n in "${!demos[@]}"; do   # the flags, without the speed and seed of the run
        variants[n]=$(sed -E 's/--(speed|seed) [^ ]+//g; s/  +/ /g; s/^ //; s/ $//' <<<"${arguments[n]}")
        variants[n]=${variants[n]:-(defaults)}
        [ ${#variants[n]} -le 44 ] || variants[n]="${variants[n]:0:41}..."   # the failures show it whole
        expected[n]=$(expected_text "$n")
        [ ${#variants[n]} -le "$width" ] || width=${#variants[n]}
        [ ${#expected[n]} -le "$width2" ] || width2=${#expected[n]}
    done
    printf "  %-9s  %-${width}s  %-${width2}s  %s\n" demo variant expected "found by $tool"
    for n in "${!demos[@]}"; do
        IFS=$'\t' read -r status found runs <"$work/case-$n/verdict"
        [ "$runs" -gt 1 ] && found="$found (run $runs)"
        [ "$status" = ok ] || found="FAIL: $found"
        printf "  %-9s  %-${width}s  %-${width2}s  %s\n" "${demos[n]}" "${variants[n]}" "${expected[n]}" "$found"
        if [ "$status" != ok ]; then
            cases_failed+=("${demos[n]} ${variants[n]}")
            local dir
            dir=$(cat "$work/case-$n/failed-run")
            show_failure "${demos[n]} ${arguments[n]}: $found" "$dir/out" "$dir/reports"
            { echo "  [stderr]"; head -n 20 "$dir/err"; } >>"$work/failures"
        fi
    done
}

# ---- main ------------------------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'echo "sanitize: interrupted"; kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
: >"$work/failures"

run_suites
run_cases
echo
if [ ${#suites_failed[@]} -eq 0 ] && [ ${#cases_failed[@]} -eq 0 ]; then
    if [ -z "$detects" ]; then
        echo "$tool: no report from any suite or demo run ($((SECONDS - started)) s)"
    else
        echo "$tool: clean where correct, caught where broken ($((SECONDS - started)) s)"
    fi
    exit 0
fi
cat "$work/failures"
echo
[ ${#suites_failed[@]} -eq 0 ] || echo "$tool: FAILED suites: ${suites_failed[*]}"
[ ${#cases_failed[@]} -eq 0 ] || echo "$tool: FAILED runs: $(printf '%s; ' "${cases_failed[@]}" | sed 's/; $//')"
exit 1
