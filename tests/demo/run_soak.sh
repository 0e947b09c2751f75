#!/usr/bin/env bash
# Soak: the demo without rendering for <frames> frames of assets/scenarios/soak.json (every switch, repeated
# every 600 frames, with churn), then demo_check soak: every switch kept every object, the framemem-only
# modes made no heap allocation in any steady frame, and the resident size did not grow.
# usage: run_soak.sh <demo> <demo_check> <assets> <out-dir> <frames> <max-resident-growth-KiB, -1: not checked>
set -euo pipefail
demo=$1 check=$2 assets=$3 out=$4 frames=$5 growth=$6
mkdir -p "$out"
rm -f "$out/soak.json"
# glibc raises its mmap threshold as large blocks are freed and then keeps such blocks on the heap, which
# shows as resident growth up to a plateau; fixed thresholds make the resident size track what the demo holds.
MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 \
  "$demo" --assets "$assets" --no-render --frames "$frames" --scenario "$assets/scenarios/soak.json" \
  --report "$out/soak.json"
# 13 switch records per 600-frame repeat (the debug switch records both stores).
"$check" soak "$out/soak.json" $((frames / 600 * 13)) "$growth"
