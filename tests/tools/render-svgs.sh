#!/usr/bin/env bash
# render-svgs — render SVG timelines with headless Chromium and fail on a broken or blank
# picture (CI runs it over docs/timelines/*.svg).
# Each SVG must be well-formed XML (xmllint). Then one page stacks the pictures (as <img>,
# each at its own size) on a grey page, and Chromium takes one screenshot of it (a second
# one only when the stack would be taller than Chromium's largest window), so the cost is
# one browser start, not one per picture. Each picture's part of the screenshot must be
# drawn: at least 8 distinct byte values (not one flat colour) and at least a quarter of
# its bytes light (>= 0xE0: the picture's white and its rows' light greys; an image that
# failed to load leaves the page's mid grey, or a small broken-image icon on it).
# Installs chromium, xmllint (libxml2-utils) and ImageMagick's convert when missing.
# Usage: tests/tools/render-svgs.sh [--keep DIR] [FILE.svg...]   (default: docs/timelines/*.svg)
#   --keep DIR: leave the screenshots (PNG) in DIR, to look at them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/ensure-deps.sh" chromium xmllint=libxml2-utils convert=imagemagick

keep=
if [ "${1:-}" = --keep ]; then
    keep=$2
    shift 2
fi
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    shopt -s nullglob
    files=("$here"/../docs/timelines/*.svg)
fi
if [ ${#files[@]} -eq 0 ]; then
    echo "render-svgs: no SVG files to render" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
tallest=12000   # pixels per screenshot: Chromium refuses windows much taller than 16384

# The pictures that are well-formed, with their sizes: "path width height" per line.
: >"$work/list"
for svg in "${files[@]}"; do
    if ! xmllint --noout "$svg" 2>"$work/xml.err"; then
        echo "render-svgs: $svg: not well-formed XML: $(head -1 "$work/xml.err")" >&2
        status=1
        continue
    fi
    width=$(sed -n 's/.*<svg[^>]* width="\([0-9]*\)".*/\1/p' "$svg" | head -1)
    height=$(sed -n 's/.*<svg[^>]* height="\([0-9]*\)".*/\1/p' "$svg" | head -1)
    if [ -z "$width" ] || [ -z "$height" ] || [ "$height" -gt "$tallest" ]; then
        echo "render-svgs: $svg: no usable width and height on <svg>" >&2
        status=1
        continue
    fi
    echo "$(cd "$(dirname "$svg")" && pwd)/$(basename "$svg") $width $height" >>"$work/list"
done

# Render one batch (lines of the list in $work/batch): one page, one screenshot; then check
# each picture's band of the screenshot.
render_batch() {
    local n=$1 page="$work/page$1.html" png="$work/shot$1.png" ppm="$work/shot$1.ppm"
    local width=0 height=0 path w h
    {
        echo '<!DOCTYPE html><html><body style="margin:0;background:rgb(128,128,128)">'
        while read -r path w h; do
            echo "<img src=\"file://$path\" width=\"$w\" height=\"$h\" style=\"display:block\">"
            [ "$w" -gt "$width" ] && width=$w
            height=$((height + h))
        done <"$work/batch"
        echo '</body></html>'
    } >"$page"
    if ! timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile$n" --hide-scrollbars --window-size="$width,$height" \
        --screenshot="$png" "file://$page" >"$work/chromium$n.log" 2>&1 || [ ! -s "$png" ]; then
        echo "render-svgs: chromium could not render the page: $(tail -3 "$work/chromium$n.log")" >&2
        return 1
    fi
    [ -n "$keep" ] && mkdir -p "$keep" && cp "$png" "$keep/"
    convert "$png" ppm:- >"$ppm"
    local header shot_width
    header=$(head -3 "$ppm" | wc -c)   # "P6", "W H", "255"
    shot_width=$(sed -n 2p "$ppm" | cut -d' ' -f1)
    local row=0 bytes spread white
    while read -r path w h; do
        bytes=$((shot_width * h * 3))
        tail -c +$((header + row * shot_width * 3 + 1)) "$ppm" | head -c "$bytes" >"$work/band"
        # Only the picture's columns would be cleaner; its own white covers them anyway.
        spread=$(od -An -tu1 -v "$work/band" | tr -s ' ' '\n' | sort -u | grep -c .)
        white=$(tr -cd '\340-\377' <"$work/band" | wc -c)   # white and the rows' light greys
        if [ "$spread" -lt 8 ] || [ $((white * 4)) -lt "$((w * h * 3))" ]; then
            echo "render-svgs: $path: blank or not drawn (spread $spread, white bytes $white)" >&2
            status=1
        else
            echo "render-svgs: $path: ok (${w}x${h}, spread $spread)"
        fi
        row=$((row + h))
    done <"$work/batch"
}

n=0
sum=0
: >"$work/batch"
while read -r path w h; do
    if [ $((sum + h)) -gt "$tallest" ] && [ -s "$work/batch" ]; then
        render_batch $n || status=1
        n=$((n + 1))
        sum=0
        : >"$work/batch"
    fi
    echo "$path $w $h" >>"$work/batch"
    sum=$((sum + h))
done <"$work/list"
[ -s "$work/batch" ] && { render_batch $n || status=1; }
exit $status
