#!/usr/bin/env bash
# The Windows stage of the tests: cross-compiles core, the heap and the core test suite with MinGW-w64
# (cmake/mingw-w64-x86_64.cmake) and runs every test executable under Wine through ctest. Usage:
# scripts/test_windows.sh [build-dir]  (default build-windows). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/common.sh"

build=${1:-$FM_ROOT/build-windows}
mkdir -p "$build"

# A private Wine prefix in the build tree, no debug chatter, no Mono/Gecko install prompts; one wineserver
# kept alive for the whole stage, since starting it costs seconds per executable.
export WINEPREFIX="$build/wine-prefix"
export WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml="

echo "== MinGW-w64 build (RelWithDebInfo, checked) of core, the heap and the core tests"
fm_build "$build" -DCMAKE_TOOLCHAIN_FILE="$FM_ROOT/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFM_WERROR=ON -DFM_BUILD_DEMO=OFF -DFM_BUILD_OVERLAY=OFF -DFM_BUILD_BENCH=OFF

wine=$(sed -n 's/^FM_WINE:FILEPATH=//p' "$build/CMakeCache.txt")
[[ -x "$wine" ]] || { echo "test_windows: wine64 not found (scripts/deps.sh installs it)" >&2; exit 1; }
wineserver="$(dirname "$wine")/wineserver"
mkdir -p "$WINEPREFIX"
"$wineserver" -p
trap '"$wineserver" -k 2>/dev/null || true' EXIT
"$wine" wineboot --init >/dev/null 2>&1  # creates the prefix once, before tests start in parallel

echo "== ctest under Wine in $(basename "$build")"
ctest --test-dir "$build" --output-on-failure -j "$FM_JOBS" --timeout 900
