#!/usr/bin/env bash
# `make stress`: the demos' invariants and the library's concurrency suites, again and again,
# with fresh seeds and varied speeds. Not part of `make test`.
# Usage: tests/tools/stress.sh [ROUNDS [BUILD]]     (make stress N=200 BUILD=build/debug)
#
# What one round is:
#   - every demo case of tests/tools/stress-cases.txt once (48 runs), each with a fresh
#     --seed and a --speed drawn from the case's list; the run must exit 0 within the time
#     limit, print one `result:` line, last, and its keys must satisfy the case's invariant;
#   - every 10th round (rounds 1, 11, 21 ...), also the library's concurrency suites
#     (build/<variant>/tests/test_<module>, whole: their contention tcases repeat inside).
# A hang is killed at the limit and counted as a failure, with its command line.
#
# Why this mix (value per minute): a demo run costs ~0.1 s and tests a whole program, its
# threads, its story and its result line under a new seed and interleaving, so the demo cases
# are most of the work; a set of module suites costs ~10 s and mostly repeats the same
# schedules, so it comes once per 10 rounds (20 sets at N=200). The demo suites
# (test_demo_*) are not repeated: the case table checks the same invariants over more seeds.
# Runs go two per CPU: the demos mostly sleep (one run per CPU kept the CPUs ~80% idle),
# so two per CPU halves the time and adds the preemption a busy machine brings.
# Measured on 2 cores (debug build): N=200 (10 000 runs) took 5m29s, against ~10 minutes
# one run per CPU; `make stress N=20` is a quick look (~35 s).
#
# Environment: STRESS_JOBS (parallel runs; default: twice the CPU count), STRESS_LIMIT
# (seconds a demo run may take; default 60, x4 under a sanitizer), STRESS_SEED (repeats a
# whole session's seeds and speeds), STRESS_CASES (another case file), STRESS_SUITES (the
# suites, by module name; "" for none), STRESS_RECORDS (a file to keep every run's record
# in: id, status, seconds, case, seed, speed, bug shown, command, reason; tab-separated).
# Output: a progress line every few rounds, then the summary: runs, failures (each with the
# command line that repeats it and where its output was kept), how often each broken
# variant showed its bug, the slowest runs, the total time. Exit 1 if anything failed.
set -u

rounds=${1:-200}
build=${2:-build/debug}
here=$(dirname "$0")
cases_file=${STRESS_CASES:-$here/stress-cases.txt}
jobs_max=${STRESS_JOBS:-$(( $(nproc 2>/dev/null || echo 1) * 2 ))}
limit=${STRESS_LIMIT:-60}
suite_limit=300
suite_every=10
read -r -a suites <<<"${STRESS_SUITES-barrier bsem condition event future ilock pool procpool queue rlock say semaphore thread timer}"
started=$SECONDS

die() { echo "stress: $*" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || die "N must be a whole number >= 1, not '$rounds'"
[ -r "$cases_file" ] || die "no case table $cases_file"
unset LAB_SPEED   # every run says its own --speed

# ---- the case table ------------------------------------------------------------------
names=() runs=() speeds=() always=() sometimes=() skips=()
load_cases() {
    local line word rest n=-1 number=0
    while IFS= read -r line || [ -n "$line" ]; do
        number=$((number + 1))
        line=${line%%$'\r'}
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        read -r word rest <<<"$line"
        if [ "$word" = case ]; then
            n=$((n + 1))
            names[n]=$rest runs[n]='' speeds[n]='' always[n]='' sometimes[n]='' skips[n]=''
            continue
        fi
        [ $n -ge 0 ] || die "$cases_file:$number: '$word' before the first 'case'"
        case $word in
        run) runs[n]=$rest ;;
        speeds) speeds[n]=$rest ;;
        always) always[n]=$rest ;;
        sometimes) sometimes[n]=$rest ;;
        skip-under) skips[n]=$rest ;;
        *) die "$cases_file:$number: unknown line '$word' (case, run, speeds, always, sometimes, skip-under)" ;;
        esac
    done <"$cases_file"
    local i
    for i in "${!names[@]}"; do
        [ -n "${runs[i]}" ] && [ -n "${speeds[i]}" ] && [ -n "${always[i]}" ] ||
            die "case '${names[i]}' needs run, speeds and always lines"
        [ -x "$build/${runs[i]%% *}" ] || die "case '${names[i]}': no demo $build/${runs[i]%% *} (build it first)"
    done
}
load_cases

# A sanitizer build runs slower, and TSan reports the deliberate errors of some cases.
sanitizer=none
probe="$build/${runs[0]%% *}"
if grep -qa __tsan_init "$probe"; then
    sanitizer=tsan
    export TSAN_OPTIONS=${TSAN_OPTIONS:-atexit_sleep_ms=0}
elif grep -qa __asan_init "$probe"; then
    sanitizer=asan
fi
[ "$sanitizer" = none ] || limit=$((limit * 4))

active=()   # indices of the cases this build runs
for i in "${!names[@]}"; do
    [[ " ${skips[i]} " == *" $sanitizer "* ]] || active+=("$i")
done
for s in "${suites[@]}"; do
    [ -x "$build/tests/test_$s" ] || die "no suite $build/tests/test_$s (build the tests first)"
done

# ---- checking one run's result line --------------------------------------------------
# The awk helpers the invariants may call, and keys_named_in: shared with the grader.
. "$here/invariants.sh"
keys=()   # the result keys each case's expressions name
for i in "${!names[@]}"; do
    keys[i]=$(keys_named_in "${always[i]} ${sometimes[i]}" | tr '\n' ' ')
done

# check_result OUT_FILE SEED CASE_INDEX: prints "ok SOMETIMES" or "FAIL reason".
check_result() {
    local out=$1 seed=$2 i=$3
    local count last
    count=$(grep -c '^result: ' "$out")
    last=$(tail -n 1 "$out")
    [ "$count" -eq 1 ] || { echo "FAIL $count result: lines (want exactly one)"; return; }
    [[ $last == 'result: '* ]] || { echo "FAIL the result: line is not the last line of stdout"; return; }
    local -A value=()
    local -a vars=()
    local pair
    for pair in ${last#result: }; do
        [[ $pair =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        value[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        vars+=(-v "$pair")
    done
    [ "${value[seed]-}" = "$seed" ] || { echo "FAIL seed=${value[seed]-missing} in the result line, given $seed"; return; }
    local key missing=() shown=()
    for key in ${keys[i]}; do
        if [ -z "${value[$key]+set}" ]; then missing+=("$key"); else shown+=("$key=${value[$key]}"); fi
    done
    [ ${#missing[@]} -eq 0 ] || { echo "FAIL missing key(s) ${missing[*]} in: $last"; return; }
    local verdict
    local sometimes_value='"-"'
    [ -z "${sometimes[i]}" ] || sometimes_value="((${sometimes[i]}) ? 1 : 0)"
    verdict=$(awk "${vars[@]}" "$awk_helpers BEGIN { printf \"%d %s\\n\", ((${always[i]}) ? 1 : 0), $sometimes_value }" 2>&1)
    case $verdict in
    "1 "[01-]) echo "ok ${verdict#1 }" ;;
    "0 "[01-]) echo "FAIL invariant broken: ${always[i]}  [${shown[*]}]" ;;
    *) echo "FAIL the case's expression does not evaluate: ${verdict//$'\n'/ }" ;;
    esac
}

# ---- one run -------------------------------------------------------------------------
work=$(mktemp -d)
keep="$build/stress-failures"
trap 'rm -rf "$work"' EXIT
trap 'echo "stress: interrupted"; kill $(jobs -p) 2>/dev/null; exit 130' INT TERM
rm -rf "$keep"

# Record: id, status, seconds, case, seed, speed, sometimes, command, reason (tab-separated).
record() {   # record ID STATUS MICROSECONDS CASE SEED SPEED SOMETIMES COMMAND REASON
    local seconds
    printf -v seconds '%d.%02d' $(($3 / 1000000)) $(($3 % 1000000 / 10000))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$seconds" "$4" "$5" "$6" "$7" "$8" "$9" >"$work/$1.rec"
    if [ "$2" = FAIL ]; then
        mkdir -p "$keep"
        cp "$work/$1.out" "$keep/$1-$4.out" 2>/dev/null
        cp "$work/$1.err" "$keep/$1-$4.err" 2>/dev/null
    fi
    rm -f "$work/$1.out" "$work/$1.err"
}

# Why a run did not end as designed, from its exit status; empty when it exited 0.
exit_problem() {   # exit_problem STATUS LIMIT ERR_FILE
    case $1 in
    0) ;;
    124 | 137) echo "hang: still running after $2 s, killed" ;;
    *) if [ "$1" -gt 128 ]; then echo "killed by signal $(($1 - 128))"; else
        echo "exit $1: $(head -n 1 "$3")"; fi ;;
    esac
}

run_case() {   # run_case ID CASE_INDEX SEED SPEED
    local id=$1 i=$2 seed=$3 speed=$4
    local -a argv
    read -r -a argv <<<"${runs[i]}"
    argv[0]=$build/${argv[0]}
    argv+=(--seed "$seed" --speed "$speed")
    local begin end status problem verdict
    begin=${EPOCHREALTIME/./}
    timeout -k 5 "$limit" "${argv[@]}" >"$work/$id.out" 2>"$work/$id.err" </dev/null
    status=$?
    end=${EPOCHREALTIME/./}
    problem=$(exit_problem "$status" "$limit" "$work/$id.err")
    if [ -n "$problem" ]; then
        verdict="FAIL $problem"
    else
        verdict=$(check_result "$work/$id.out" "$seed" "$i")
    fi
    if [ "${verdict%% *}" = ok ]; then
        record "$id" ok $((end - begin)) "${names[i]}" "$seed" "$speed" "${verdict#ok }" "${argv[*]}" ""
    else
        record "$id" FAIL $((end - begin)) "${names[i]}" "$seed" "$speed" - "${argv[*]}" "${verdict#FAIL }"
    fi
}

run_suite() {   # run_suite ID MODULE
    local id=$1 program="$build/tests/test_$2"
    local begin end status problem
    begin=${EPOCHREALTIME/./}
    timeout -k 5 "$suite_limit" "$program" >"$work/$id.out" 2>&1 </dev/null
    status=$?
    end=${EPOCHREALTIME/./}
    : >"$work/$id.err"
    if [ "$status" -eq 0 ]; then
        record "$id" ok $((end - begin)) "test_$2" - - - "$program" ""
    else
        # Check's lines for a failed test read file:line:F|E:tcase:test:iteration: message
        local repeat=$program tcase
        problem=$(grep -m 1 -E ':[FE]:' "$work/$id.out")
        if [ -n "$problem" ]; then
            tcase=$(cut -d: -f4 <<<"$problem")
            repeat="CK_RUN_CASE='$tcase' CK_VERBOSITY=verbose $program"
        else
            problem=$(exit_problem "$status" "$suite_limit" "$work/$id.out")
        fi
        record "$id" FAIL $((end - begin)) "test_$2" - - - "$repeat" "$problem"
    fi
}

# ---- the rounds ----------------------------------------------------------------------
stress_seed=${STRESS_SEED:-$((SRANDOM % 1000000))}
RANDOM=$stress_seed
shopt -s nullglob
echo "stress: $rounds rounds of ${#active[@]} demo cases ($cases_file);"
echo "        every $suite_every rounds the suites: ${suites[*]:-none}"
echo "        $build ($sanitizer sanitizer), $jobs_max at a time, $limit s limit a run; STRESS_SEED=$stress_seed repeats the seeds"
[ ${#active[@]} -eq ${#names[@]} ] || echo "        (${#names[@]} - ${#active[@]} cases skipped under $sanitizer: see skip-under in the table)"

running=0
next_id=0
start_job() {   # start_job FUNCTION ARGS...: in the background, at most jobs_max at a time
    while [ "$running" -ge "$jobs_max" ]; do
        wait -n
        running=$((running - 1))
    done
    "$@" &
    running=$((running + 1))
}

progress() {   # progress ROUND: a line about the runs finished so far
    local done=("$work"/*.rec) failed
    failed=$(cat "$work"/*.rec 2>/dev/null | grep -c $'^[0-9]*\tFAIL')
    printf 'round %*d/%d  %5d runs finished, %d failed  (%ds)\n' ${#rounds} "$1" "$rounds" ${#done[@]} "$failed" \
        $((SECONDS - started))
}

every=$(( rounds >= 20 ? rounds / 20 : 1 ))
for ((round = 1; round <= rounds; round++)); do
    if (( (round - 1) % suite_every == 0 )); then
        for s in "${suites[@]}"; do
            start_job run_suite "$next_id" "$s"
            next_id=$((next_id + 1))
        done
    fi
    for i in "${active[@]}"; do
        read -r -a choices <<<"${speeds[i]}"
        seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
        speed=${choices[RANDOM % ${#choices[@]}]}
        start_job run_case "$next_id" "$i" "$seed" "$speed"
        next_id=$((next_id + 1))
    done
    (( round % every == 0 && round < rounds )) && progress "$round"
done
wait
progress "$rounds"

# ---- the summary ---------------------------------------------------------------------
all="$work/all.tsv"
cat "$work"/*.rec | sort -n >"$all"
[ -z "${STRESS_RECORDS:-}" ] || cp "$all" "$STRESS_RECORDS"
elapsed=$((SECONDS - started))
echo
awk -F'\t' -v rounds="$rounds" -v elapsed="$elapsed" -v keep="$keep" -v jobs="$jobs_max" '
BEGIN { slow_suite = slow_demo = -1 }
function minutes(s) { return sprintf("%dm%02ds", int(s / 60), s % 60) }
# fields: 1 id, 2 status, 3 seconds, 4 case, 5 seed, 6 speed, 7 bug shown, 8 command, 9 reason
{
    suite = ($5 == "-")
    total++; if (suite) suites++; else demos++
    if (!($4 in ran)) order[++cases] = $4
    ran[$4]++
    if ($2 == "FAIL") {
        failures++
        if (failed[$4]++ < 3) example[$4, failed[$4]] = $0
    }
    if (suite && $3 + 0 > slow_suite) { slow_suite = $3 + 0; slow_suite_line = $0 }
    if (!suite && $3 + 0 > slow_demo) { slow_demo = $3 + 0; slow_demo_line = $0 }
    if ($7 != "-") { shown_runs[$4]++; shown[$4] += $7 }
}
END {
    printf "stress: %d rounds, %d runs (%d demo runs, %d suite runs), %d failed, in %s, %d at a time\n",
        rounds, total, demos, suites, failures, minutes(elapsed), jobs
    if (slow_demo_line != "") {
        split(slow_demo_line, f, "\t")
        printf "slowest demo run:  %s, %s s: %s\n", f[4], f[3], f[8]
    }
    if (slow_suite_line != "") {
        split(slow_suite_line, f, "\t")
        printf "slowest suite run: %s, %s s\n", f[4], f[3]
    }
    header = 0
    for (k = 1; k <= cases; k++) {
        c = order[k]
        if (!(c in shown_runs)) continue
        if (!header++) print "broken variants, runs that showed the bug:"
        printf "  %-20s %4d of %d%s\n", c, shown[c], shown_runs[c],
            (shown[c] == 0 && shown_runs[c] >= 20) ? "   <- never: FAILED" : ""
        if (shown[c] == 0 && shown_runs[c] >= 20) never++
    }
    for (k = 1; k <= cases; k++) {
        c = order[k]
        if (!(c in failed)) continue
        printf "FAILED: %s, %d of %d runs\n", c, failed[c], ran[c]
        for (e = 1; e <= 3 && e <= failed[c]; e++) {
            split(example[c, e], f, "\t")
            printf "    %s\n      repeat: %s\n", f[9], f[8]
        }
        if (failed[c] > 3) printf "    ... %d more\n", failed[c] - 3
    }
    if (failures > 0) printf "the failed runs'"'"' stdout and stderr: %s/<id>-<case>.out, .err\n", keep
    exit (failures > 0 || never > 0)
}' "$all"
status=$?
[ $status -eq 0 ] && echo "stress: every run kept its invariants"
exit $status
