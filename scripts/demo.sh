#!/usr/bin/env bash
# Installs what is missing, builds Release and runs the demo: in a window when there is a display,
# otherwise headless under xvfb-run, writing a screenshot PNG and a JSON report. Extra arguments go
# to framemem-demo (see `framemem-demo --help`).
set -euo pipefail
source "$(dirname "$0")/common.sh"
"$FM_ROOT/scripts/deps.sh"

build="$FM_ROOT/build-release"
mkdir -p "$build"
fm_build "$build" -DCMAKE_BUILD_TYPE=Release -DFM_BUILD_TESTS=OFF -DFM_BUILD_BENCH=OFF
demo="$build/demo/framemem-demo"

if [[ -n "${DISPLAY:-}" && -z "${FM_HEADLESS:-}" ]]; then
  exec "$demo" --assets "$FM_ROOT/assets" "$@"
fi

out="$FM_ROOT/out"
mkdir -p "$out"
echo "demo: 300 frames headless under xvfb-run (log: $out/demo.log)"
: >"$out/demo.log"
fm_logged "$out/demo.log" xvfb-run -a -s "-screen 0 1600x900x24" "$demo" --assets "$FM_ROOT/assets" --headless \
  --frames 300 --screenshot "$out/demo.png" --report "$out/demo.json" "$@"
echo "demo: screenshot $out/demo.png"
echo "demo: report     $out/demo.json"
