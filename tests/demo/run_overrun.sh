#!/usr/bin/env bash
# ctest: the overrun scenario headless under xvfb-run. Two frames spend 24 MiB of frame-arena scratch, more
# than the "frame" system's 16 MiB budget, and a later step presses "Last overrun". From every frame's
# snapshot as logged live, the panels must then show (paused) the newest frame that was over a budget, and
# there must be over-budget frames at both spikes and none before the first; the screenshot is checked too.
# usage: run_overrun.sh <demo> <demo_check> <assets> <out-dir>
set -euo pipefail
demo=$1 check=$2 assets=$3 out=$4
source "$(dirname "$0")/demo_env.sh"
mkdir -p "$out"
rm -f "$out/shot.png" "$out/report.json" "$out/shown.json" "$out/snapshots.jsonl"
xvfb-run -a -s "-screen 0 1600x900x24" env $(fm_demo_env "$demo") "$demo" --assets "$assets" --headless \
  --frames 130 --scenario "$assets/scenarios/overrun.json" --screenshot "$out/shot.png" --report "$out/report.json" \
  --shown-file "$out/shown.json" --snapshot-log "$out/snapshots.jsonl"
"$check" png "$out/shot.png"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
frames = [json.loads(line) for line in open(f"{out}/snapshots.jsonl")]
over = [s["frame"] for s in frames if any(row["over_budget"] for row in s["systems"])]
frame_row = lambda s: next(row for row in s["systems"] if row["name"] == "frame")
print("frames over a budget:", over)
assert over, "no frame went over a budget"
# The scenario's frame counter starts at 0, the memory system's at 1: steps 40 and 80 are frames 41 and 81.
assert min(over) == 41, f"first over-budget frame {min(over)}, expected the first spike's, 41"
assert any(f >= 81 for f in over), "the second spike went unmarked"
for s in frames:
    if s["frame"] in over:
        row = frame_row(s)
        assert row["over_soft_budget"] and row["total_bytes_used"] > row["budget"] == 16 << 20, s["frame"]
shown = json.load(open(f"{out}/shown.json"))
print("shown:", shown["frame"], "live" if shown["live"] else "paused", "newest", shown["newest"])
assert not shown["live"], "Last overrun did not pause the panels"
assert shown["frame"] == max(over), f"shown frame {shown['frame']}, newest over budget {max(over)}"
assert shown["systems"]["frame"]["used"] == frame_row(frames[[s["frame"] for s in frames].index(max(over))])["total_bytes_used"]
report = json.load(open(f"{out}/report.json"))
assert report["budget_overruns"] >= 2, report["budget_overruns"]
PY
