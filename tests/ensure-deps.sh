#!/usr/bin/env bash
# Make sure what the tests need is installed: the Check unit-test framework, pkg-config and
# xmllint (libxml2-utils).
# Installs the Debian packages `check` and `pkg-config` with apt-get when they are missing
# (directly as root, through sudo otherwise). Prints one clear line and fails when it cannot.
# Extra packages can be asked for by name: tests/ensure-deps.sh valgrind; or as WHAT=PACKAGE
# when the package is not named after what it brings: a command (gnuplot=gnuplot-nox) or a
# pkg-config module (pkg:glib-2.0=libglib2.0-dev).
set -euo pipefail

packages=()
command -v pkg-config >/dev/null 2>&1 || packages+=(pkg-config)
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists check; then
    packages+=(check)
fi
command -v xmllint >/dev/null 2>&1 || packages+=(libxml2-utils)   # test_timeline checks SVGs
for extra in "$@"; do
    want=${extra%%=*} package=${extra#*=}
    case $want in
        pkg:*) pkg-config --exists "${want#pkg:}" 2>/dev/null || packages+=("$package") ;;
        *) command -v "$want" >/dev/null 2>&1 || packages+=("$package") ;;
    esac
done
[ ${#packages[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-deps: missing ${packages[*]}, and apt-get is not available: install them with your package manager" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "ensure-deps: missing ${packages[*]}: run as root or install sudo, or run: apt-get install ${packages[*]}" >&2
    exit 1
fi

echo "ensure-deps: installing ${packages[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "ensure-deps: installed ${packages[*]}"
