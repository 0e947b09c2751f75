#!/usr/bin/env bash
# ctest: time travel in a real window under Xvfb. The demo runs with --shown-file (the frame its panels
# show and the systems table's figures, rewritten whenever that changes) and --snapshot-log (every frame's
# snapshot as it was taken, one JSON line each). xdotool pauses it with Space and scrubs back 100 frames
# with Left, key press by key press, like a user; the panels must then show frame P-100 and the table the
# figures that frame's snapshot recorded live.
# usage: scrub_timeline.sh <demo> <assets> <out-dir>
set -euo pipefail
demo=$1 assets=$2 out=$3
source "$(dirname "$0")/demo_env.sh"
mkdir -p "$out"
rm -f "$out/shown.json" "$out/snapshots.jsonl"
export FM_DEMO=$demo FM_ASSETS=$assets FM_OUT=$out FM_ENV="$(fm_demo_env "$demo")"
export FM_WAIT="$(dirname "$0")/wait_shown.py"
xvfb-run -a -s "-screen 0 1600x900x24" bash -c '
  set -euo pipefail
  env $FM_ENV "$FM_DEMO" --assets "$FM_ASSETS" --no-vsync --particles 20000 \
    --shown-file "$FM_OUT/shown.json" --snapshot-log "$FM_OUT/snapshots.jsonl" &
  pid=$!
  trap "kill -TERM $pid 2>/dev/null || true" EXIT
  python3 "$FM_WAIT" "$FM_OUT/shown.json" 300 "s[\"live\"] and s[\"newest\"] >= 130"
  wid=$(xdotool search --sync --onlyvisible --name "framemem demo" | head -1)
  # No window manager: keys go to the window under the pointer, here the world view between the panels.
  xdotool mousemove --window "$wid" 800 300
  sleep 0.5
  xdotool key space
  paused=$(python3 "$FM_WAIT" "$FM_OUT/shown.json" 60 "not s[\"live\"]" frame)
  echo "paused at frame $paused; pressing Left 100 times"
  xdotool key --delay 25 $(for _ in $(seq 100); do printf "Left "; done)
  python3 "$FM_WAIT" "$FM_OUT/shown.json" 120 "s[\"frame\"] == $paused - 100" frame
  cp "$FM_OUT/shown.json" "$FM_OUT/scrubbed.json"
  echo "$paused" > "$FM_OUT/paused_frame"
  kill -TERM $pid
  wait $pid || true
  trap - EXIT'
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
paused = int(open(f"{out}/paused_frame").read())
shown = json.load(open(f"{out}/scrubbed.json"))
log = {}
for line in open(f"{out}/snapshots.jsonl"):
    s = json.loads(line)
    log[s["frame"]] = {sys_["name"]: sys_["total_bytes_used"] for sys_ in s["systems"]}
target = paused - 100
assert not shown["live"], "the panels still show the live frame"
assert shown["frame"] == target, f"shown frame {shown['frame']}, expected {target}"
assert shown["newest"] == paused, f"the game ran on while paused: newest frame {shown['newest']}, paused at {paused}"
assert target in log and paused in log, f"frames {target} and {paused} missing from the snapshot log"
table = {name: row["used"] for name, row in shown["systems"].items()}
assert table == log[target], f"table shows {table}\n  snapshot of frame {target} recorded {log[target]}"
changed = [n for n in log[target] if log[target][n] != log[paused][n]]
assert changed, "frames P-100 and P recorded the same figures: this run cannot tell them apart"
print(f"ok: paused at frame {paused}, scrubbed back 100 frames with the keyboard; the panels show frame {target} "
      f"and the systems table's used bytes equal that frame's snapshot (e.g. frame arena {table['frame']} B, "
      f"{table['frame'] - log[paused]['frame']:+d} B from frame {paused}); differing rows: {', '.join(changed)}")
PY
