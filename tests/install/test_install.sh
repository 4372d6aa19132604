#!/bin/sh
# Installs the build into a temporary --destdir, builds tests/install/example.cpp against the
# installed copy only (headers, libntkcert.a and ntkcert.pc found through pkg-config) and runs it.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR [CXX]
set -eu
build=$1
src=$2
cxx=${3:-c++}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ntkcert-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 || {
  cat "$tmp/install.log" >&2; echo "test_install: meson install failed" >&2; exit 1; }

pc=$(find "$tmp/root" -name ntkcert.pc | head -n 1)
[ -n "$pc" ] || { echo "test_install: ntkcert.pc was not installed" >&2; exit 1; }
lib=$(find "$tmp/root" -name libntkcert.a | head -n 1)
[ -n "$lib" ] || { echo "test_install: libntkcert.a was not installed" >&2; exit 1; }
[ -n "$(find "$tmp/root" -path '*/bin/certify')" ] || { echo "test_install: certify was not installed" >&2; exit 1; }
hdr=$(find "$tmp/root" -path '*/include/ntkcert/linalg/lambda_min.hpp' | head -n 1)
[ -n "$hdr" ] || { echo "test_install: headers not under include/ntkcert/" >&2; exit 1; }

# The .pc file is relocatable (prefix relative to its own directory, meson's
# pkgconfig.relocatable, the project default), so pointing PKG_CONFIG_PATH at the staged copy is
# enough. For a build directory configured without it, a copy of the .pc file with its prefix moved
# into the staging directory is used (PKG_CONFIG_SYSROOT_DIR would also move the -L paths of the
# system's own .pc files). Nothing from the source or build tree is on the compiler's command line.
export PKG_CONFIG_PATH="$(dirname "$pc")"
if ! grep -q '^prefix=${pcfiledir}' "$pc"; then
  mkdir "$tmp/pc"
  sed "s|^prefix=|prefix=$tmp/root|" "$pc" >"$tmp/pc/ntkcert.pc"
  export PKG_CONFIG_PATH="$tmp/pc"
fi
flags=$(pkg-config --cflags --libs ntkcert)
case "$flags" in
  *"$tmp/root"*) ;;
  *) echo "test_install: pkg-config does not point into the staged install: $flags" >&2; exit 1 ;;
esac
cd "$tmp"
# Every installed header must compile from the installed tree alone (catches a header that includes
# one that was not installed).
inc=$(dirname "$(dirname "$hdr")")
( cd "$inc" && find . -name '*.hpp' | sort | sed 's|^\./\(.*\)|#include "\1"|' ) >all_headers.cpp
# shellcheck disable=SC2086
"$cxx" -std=c++20 -fsyntax-only all_headers.cpp $flags
# shellcheck disable=SC2086
"$cxx" -std=c++20 -O1 -o example "$src/tests/install/example.cpp" $flags
./example
