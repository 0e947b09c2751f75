#!/usr/bin/env bash
# ctest: a real window under Xvfb. The demo writes where its controls are (--ui-map); xdotool moves the
# mouse onto the "SoA" particle-mode button and clicks it like a user would (press and release in
# separate frames); then the window is closed with SIGTERM (SDL turns it into a quit event) and the
# report must show that the switch came from the UI and kept every particle.
# usage: click_toggle.sh <demo> <assets> <out-dir>
set -euo pipefail
demo=$1 assets=$2 out=$3
source "$(dirname "$0")/demo_env.sh"
mkdir -p "$out"
rm -f "$out/ui.json" "$out/click-report.json"
export FM_DEMO=$demo FM_ASSETS=$assets FM_OUT=$out FM_ENV="$(fm_demo_env "$demo")"
xvfb-run -a -s "-screen 0 1600x900x24" bash -c '
  set -euo pipefail
  env $FM_ENV "$FM_DEMO" --assets "$FM_ASSETS" --no-vsync --particles 20000 --particles-mode aos_heap \
    --ui-map "$FM_OUT/ui.json" --report "$FM_OUT/click-report.json" &
  pid=$!
  for _ in $(seq 300); do [[ -s "$FM_OUT/ui.json" ]] && break; sleep 0.1; done
  [[ -s "$FM_OUT/ui.json" ]] || { echo "demo wrote no ui map"; kill $pid; exit 1; }
  read -r x y < <(python3 -c "import json,sys; b=json.load(open(sys.argv[1]))[\"particles:soa\"]; print(int(b[0]), int(b[1]))" "$FM_OUT/ui.json")
  wid=$(xdotool search --sync --onlyvisible --name "framemem demo" | head -1)
  echo "clicking particles:soa at $x,$y in window $wid"
  xdotool mousemove --window "$wid" "$x" "$y"
  sleep 1
  xdotool mousedown 1
  sleep 1
  xdotool mouseup 1
  sleep 2
  kill -TERM $pid
  wait $pid'
python3 - "$out/click-report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ui = [s for s in r["switches"] if s["source"] == "ui" and s["store"] == "particles" and s["to"] == "soa"]
print("switches:", [(s["store"], s["from"], s["to"], s["source"]) for s in r["switches"]])
assert ui, "no particle switch to soa from the UI"
assert all(s["accepted"] and s["checksum_before"] == s["checksum_after"] for s in ui), "switch lost objects"
assert r["modes"]["particles"] == "soa", "particle store is not SoA at the end"
print("ok: clicking 'SoA' switched the particle store live, checksum", ui[0]["checksum_after"])
PY
