#!/usr/bin/env bash
# Installs what is missing, builds the demo and its report checker in Release, and runs the soak: the
# demo without rendering for 100,000 frames (or the number given) of assets/scenarios/soak.json, then
# checks every switch's checksums, zero heap allocations per steady frame in the framemem-only modes and
# no resident-size growth. The report is out/soak/soak.json.
set -euo pipefail
source "$(dirname "$0")/common.sh"
"$FM_ROOT/scripts/deps.sh"

frames=${1:-100000}
build="$FM_ROOT/build-soak"
mkdir -p "$build"
cmake -S "$FM_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFM_BUILD_BENCH=OFF >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target framemem-demo demo_check
time "$FM_ROOT/tests/demo/run_soak.sh" "$build/demo/framemem-demo" "$build/tests/demo_check" "$FM_ROOT/assets" \
  "$FM_ROOT/out/soak" "$frames" 2048
