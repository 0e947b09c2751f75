#!/usr/bin/env bash
# Builds the allocator peer benchmark (Release), runs it with medians of repetitions, and prints the
# markdown ratio tables of docs/benchmarks.md "Allocators": how many times faster framemem is than each peer.
# Usage: scripts/bench_alloc.sh [extra Google Benchmark flags]   (FM_BENCH_MIN_TIME, FM_BENCH_REPS to tune)
set -euo pipefail
source "$(dirname "$0")/common.sh"

# FM_BENCH_CHECKED=OFF measures a build without misuse detection (FM_CHECKED=OFF); the default is the checked build.
# FM_BENCH_BUILD names the build folder (default build-bench, or build-bench-unchecked).
checked=${FM_BENCH_CHECKED:-ON}
dir="$FM_ROOT/build-bench"
[[ "$checked" == ON ]] || dir="$FM_ROOT/build-bench-unchecked"
dir=${FM_BENCH_BUILD:-$dir}
mkdir -p "$dir"
cmake -S "$FM_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DFM_BUILD_TESTS=OFF -DFM_BUILD_DEMO=OFF \
  -DFM_CHECKED="$checked" >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" --target fm_bench_alloc >"$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }

json="$dir/alloc_bench.json"
"$dir/bench/fm_bench_alloc" --benchmark_min_time="${FM_BENCH_MIN_TIME:-0.2}" \
  --benchmark_repetitions="${FM_BENCH_REPS:-3}" --benchmark_report_aggregates_only=true \
  --benchmark_format=json "$@" >"$json" 2>"$dir/alloc_bench.stderr"

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs; FM_CHECKED=$checked;" \
  "$(grep -o 'malloc resolves to .*' "$dir/alloc_bench.stderr")"
echo
python3 - "$json" <<'PY'
import json, sys
from collections import defaultdict

data = json.load(open(sys.argv[1]))
ns = {}  # (workload, peer, size) -> median CPU ns per item
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    parts = b["run_name"].split("/")
    workload, peer = parts[0], parts[1]
    size = parts[2] if len(parts) > 2 else "-"
    ns[(workload, peer, size)] = b["cpu_time"] / 1000.0  # 1000 items per iteration, cpu_time in ns

def table(workload, subject, title):
    sizes = sorted({s for (w, _, s) in ns if w == workload}, key=lambda s: (s == "-", int(s) if s != "-" else 0))
    peers = [p for p in dict.fromkeys(p for (w, p, _) in ns if w == workload)]
    print(f"**{title}** — ns per item (median CPU time); (ratio) = peer time / {subject} time, >1: {subject} faster\n")
    head = "| peer | " + " | ".join(f"{s} B" if s != "-" else "1000 push_back" for s in sizes) + " |"
    print(head)
    print("|" + "---|" * (len(sizes) + 1))
    for p in peers:
        cells = []
        for s in sizes:
            t = ns.get((workload, p, s))
            cell = f"{t:.2f}" if t is not None else "-"
            if p != subject and t is not None:
                cell += f" ({t / ns[(workload, subject, s)]:.2f}x)"
            cells.append(cell)
        print(f"| {p} | " + " | ".join(cells) + " |")
    print()

table("bump", "fm::FrameArena", "Allocate 1000 blocks, then reset (arena/stack workload)")
table("pool_pairs", "fm::Pool", "Pool: allocate/free pairs")
table("pool_random", "fm::Pool", "Pool: allocate 1000, free them in random order")
table("vector", "fm::FrameArena", "std::vector<int>, 1000 push_back without reserve, through each adapter")

targets = [  # the allocator targets of the performance issue: framemem ahead of each peer by this factor
    ("bump", "fm::FrameArena", "foonathan::memory_stack", 1.3), ("bump", "fm::FrameArena", "pmr::monotonic", 1.5),
    ("bump", "fm::FrameArena(local)", "foonathan::memory_stack", 1.3),
    ("bump", "fm::FrameArena(local)", "pmr::monotonic", 1.5),
    ("pool_pairs", "fm::Pool", "foonathan::memory_pool", 1.2), ("pool_pairs", "fm::Pool", "mi_malloc", 2.5),
    ("pool_random", "fm::Pool", "foonathan::memory_pool", 1.0),
]
print("**Targets** (ratio per size 16/64/256 B)\n")
print("| target | ratios | met |")
print("|---|---|---|")
for w, sub, peer, want in targets:
    ratios = [ns[(w, peer, s)] / ns[(w, sub, s)] for s in ("16", "64", "256")]
    met = "yes" if min(ratios) >= want else f"no (worst {min(ratios):.2f}x, {min(ratios) / want:.0%} of target)"
    print(f"| {sub} >= {want}x {peer} ({w}) | " + " / ".join(f"{r:.2f}x" for r in ratios) + f" | {met} |")
PY
