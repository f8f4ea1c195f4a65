#!/usr/bin/env bash
# The tour behind `make run`: every demo once, in course order, at a fast speed, each
# under a heading that gives its lesson (--about), then a table: demo, time, lesson.
#   tests/tour.sh SPEED build/debug/create build/debug/join ...
# On a terminal it pauses after each demo: Enter for the next, q to stop. TOUR_PAUSE=0
# runs straight through; without a terminal (CI, a pipe) it never pauses.
# A demo that fails or does not end by itself within a minute is reported at the end.
#
#   tests/tour.sh --unknown NAME DEMO...   the message for `make run DEMO=NAME` when NAME is
#                                          no demo: the nearest name, if one is near
#   tests/tour.sh --nearest NAME DEMO...   just that nearest name (or nothing)
set -u
width=100   # a projector's columns

# Edit distance between two words (insertions, deletions, substitutions).
distance() {
    local a=$1 b=$2 i j cost
    local -a previous current
    for ((j = 0; j <= ${#b}; j++)); do previous[j]=$j; done
    for ((i = 1; i <= ${#a}; i++)); do
        current=("$i")
        for ((j = 1; j <= ${#b}; j++)); do
            [ "${a:i-1:1}" = "${b:j-1:1}" ] && cost=0 || cost=1
            local best=$((previous[j - 1] + cost))
            ((previous[j] + 1 < best)) && best=$((previous[j] + 1))
            ((current[j - 1] + 1 < best)) && best=$((current[j - 1] + 1))
            current[j]=$best
        done
        previous=("${current[@]}")
    done
    echo "${previous[${#b}]}"
}

# The demo name nearest to $1 (at most 2 edits, or a prefix of it), or nothing.
nearest() {
    local wanted=$1 best="" best_distance=3 name d
    shift
    for name in "$@"; do
        name=$(basename "$name")
        d=$(distance "$wanted" "$name")
        [[ $name == "$wanted"* && ${#wanted} -ge 2 ]] && d=1
        if ((d < best_distance)); then best=$name; best_distance=$d; fi
    done
    echo "$best"
}

case "${1:-}" in
--nearest)
    shift
    nearest "$@"
    exit 0
    ;;
--unknown)
    shift
    guess=$(nearest "$@")
    if [ -n "$guess" ]; then
        echo "make run: no demo '$1'; did you mean $guess? (make run DEMO=$guess; 'make list' shows all)"
    else
        echo "make run: no demo '$1'; 'make list' shows them"
    fi
    exit 2
    ;;
esac

speed=$1
shift
total=$#
pause=1
[ "${TOUR_PAUSE:-1}" = 0 ] && pause=0
[ -t 0 ] && [ -t 1 ] || pause=0

# Print "$2" wrapped to the screen, its first line after "$1", the others under it.
wrapped() {
    local lead=$1 text=$2 first=1 line
    local indent=${#lead}
    while IFS= read -r line; do
        if [ $first = 1 ]; then printf '%s%s\n' "$lead" "$line"; first=0
        else printf '%*s%s\n' "$indent" '' "$line"; fi
    done < <(printf '%s\n' "$text" | fold -s -w $((width - indent)) | sed 's/ *$//')
}

programs=("$@")
number=0
[ -t 1 ] && [ -z "${NO_COLOR:-}" ] && colour=--color=always || colour=--color=never
fold_result_line() {
    awk '/^result: / && length($0) > 100 {
             line = "result:"; n = split(substr($0, 9), words, " ")
             for (i = 1; i <= n; i++) {
                 if (length(line) + 1 + length(words[i]) > 100) { print line; line = "       " }
                 line = line " " words[i]
             }
             print line; next
         }
         { print }'
}
failed=()
names=() lessons=() times=() statuses=()
for program in "$@"; do
    number=$((number + 1))
    name=$(basename "$program")
    lesson=$("$program" --about)
    echo
    wrapped "=== $number/$total  $name: " "$lesson"
    start=${EPOCHREALTIME/./}
    # The tour is for people: a result: line wider than the screen is folded under itself
    # (the demos print it on one line for scripts). The pipe would turn colour off: keep it.
    timeout 60 "$program" --speed "$speed" $colour | fold_result_line
    status=${PIPESTATUS[0]}
    hundredths=$(((${EPOCHREALTIME/./} - start) / 10000))
    names+=("$name") lessons+=("$lesson")
    times+=("$(printf '%d.%02d' $((hundredths / 100)) $((hundredths % 100)))")
    [ "$status" -eq 0 ] && statuses+=("") || statuses+=(" (exit $status)")
    [ "$status" -eq 0 ] || failed+=("$name (exit $status)")
    if [ $pause = 1 ] && [ "$number" -lt "$total" ]; then
        printf '\n-- Enter: next demo (%d/%d %s), q: stop -- ' "$((number + 1))" "$total" \
            "$(basename "${programs[number]}")"
        read -r answer || answer=q
        case "$answer" in q* | Q*) break ;; esac
    fi
done

echo
echo "The tour at ${speed}x: demo, real seconds, lesson"
for i in "${!names[@]}"; do
    wrapped "$(printf '  %-10s %5s s  ' "${names[i]}" "${times[i]}")" "${lessons[i]}${statuses[i]}"
done
echo
ran=${#names[@]}
if [ ${#failed[@]} -eq 0 ]; then
    if [ "$ran" -eq "$total" ]; then
        echo "tour: all $total demos ran and ended as designed (speed ${speed}x)"
    else
        echo "tour: stopped after $ran of $total demos; all ended as designed (speed ${speed}x)"
    fi
else
    echo "tour: ${#failed[@]} of $ran demos did not end as designed: ${failed[*]}"
    exit 1
fi
