#!/usr/bin/env bash
# ctest: run the demo headless under xvfb-run with a scenario, then check the report and the screenshot.
# usage: run_headless.sh <demo> <demo_check> <assets> <out-dir> <scenario> <frames> <min-switches>
set -euo pipefail
demo=$1 check=$2 assets=$3 out=$4 scenario=$5 frames=$6 switches=$7
source "$(dirname "$0")/demo_env.sh"
mkdir -p "$out"
rm -f "$out/shot.png" "$out/report.json"
xvfb-run -a -s "-screen 0 1600x900x24" env $(fm_demo_env "$demo") "$demo" --assets "$assets" --headless --frames "$frames" \
  --scenario "$assets/scenarios/$scenario.json" --screenshot "$out/shot.png" --report "$out/report.json"
"$check" report "$out/report.json" "$switches"
"$check" png "$out/shot.png"
