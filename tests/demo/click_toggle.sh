#!/usr/bin/env bash
# ctest: a real window under Xvfb. The demo writes where its controls are (--ui-map); xdotool clicks the
# "SoA" particle-mode button like a user would; the report must show the switch came from the UI.
# usage: click_toggle.sh <demo> <assets> <out-dir>
set -euo pipefail
demo=$1 assets=$2 out=$3
mkdir -p "$out"
rm -f "$out/ui.json" "$out/click-report.json"
export FM_DEMO=$demo FM_ASSETS=$assets FM_OUT=$out
xvfb-run -a -s "-screen 0 1600x900x24" bash -c '
  "$FM_DEMO" --assets "$FM_ASSETS" --frames 400 --no-vsync --ui-map "$FM_OUT/ui.json" \
    --report "$FM_OUT/click-report.json" --scenario "$FM_ASSETS/scenarios/default.json" --particles-mode aos_heap &
  pid=$!
  for _ in $(seq 100); do [[ -s "$FM_OUT/ui.json" ]] && break; sleep 0.1; done
  read -r x y < <(python3 -c "import json,sys; b=json.load(open(sys.argv[1]))[\"particles:soa\"]; print(int(b[0]), int(b[1]))" "$FM_OUT/ui.json")
  wid=$(xdotool search --sync --name "framemem demo" | head -1)
  xdotool mousemove --window "$wid" "$x" "$y" sleep 0.2 click 1 sleep 0.3 mousemove --window "$wid" 1 1
  wait $pid'
python3 - "$out/click-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ui = [s for s in r["switches"] if s["source"] == "ui" and s["store"] == "particles" and s["to"] == "soa"]
print("switches:", r["switches"])
assert ui, "no particle switch to soa from the UI"
assert all(s["accepted"] and s["checksum_before"] == s["checksum_after"] for s in ui), "switch lost objects"
print("ok: clicking 'SoA' switched the particle store live, checksum", ui[0]["checksum_after"])
PY
