#!/usr/bin/env bash
# render-svgs — render SVG timelines with headless Chromium and fail on a broken or blank
# picture. Each SVG must be well-formed XML (xmllint), Chromium must render it to a PNG,
# and the PNG must not be one flat colour (fewer than 8 distinct byte values).
# Installs chromium and libxml2-utils when missing (tests/ensure-deps.sh).
# Usage: tests/tools/render-svgs.sh FILE.svg...   (default: docs/timelines/*.svg)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/ensure-deps.sh" chromium xmllint=libxml2-utils

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

# How many distinct byte values the picture has: 1 or 2 for a flat (blank) one.
# (ImageMagick's convert, or any stand-in that can turn a PNG into a PPM.)
spread() {
    convert "$1" ppm:- | tail -c +20 | od -An -tu1 -v | tr -s ' ' '\n' | sort -u | wc -l
}

status=0
for svg in "${files[@]}"; do
    name=$(basename "$svg" .svg)
    if ! xmllint --noout "$svg" 2>"$work/xml.err"; then
        echo "render-svgs: $svg: not well-formed XML: $(head -1 "$work/xml.err")" >&2
        status=1
        continue
    fi
    width=$(sed -n 's/.*<svg[^>]* width="\([0-9]*\)".*/\1/p' "$svg" | head -1)
    height=$(sed -n 's/.*<svg[^>]* height="\([0-9]*\)".*/\1/p' "$svg" | head -1)
    png="$work/$name.png"
    if ! timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size="${width:-1200},${height:-600}" --screenshot="$png" \
        "file://$(cd "$(dirname "$svg")" && pwd)/$(basename "$svg")" >"$work/chromium.log" 2>&1 \
        || [ ! -s "$png" ]; then
        echo "render-svgs: $svg: chromium could not render it" >&2
        status=1
        continue
    fi
    value=$(spread "$png")
    if [ "$value" -lt 8 ]; then
        echo "render-svgs: $svg: the picture is blank (spread $value)" >&2
        status=1
    else
        echo "render-svgs: $svg: ok (${width}x${height}, spread $value)"
    fi
done
exit $status
