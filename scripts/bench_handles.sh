#!/usr/bin/env bash
# Builds the handle and structure-of-arrays benchmarks in Release, runs them with JSON output (medians of
# repeated runs, CPU time, since the machine may be shared) and prints the ratio tables that
# docs/benchmarks.md quotes. FM_BENCH_REPS and FM_BENCH_MIN_TIME shorten or lengthen the run.
set -euo pipefail
source "$(dirname "$0")/common.sh"

build=${FM_BENCH_BUILD:-$FM_ROOT/build-release}
out=$build/bench-results
mkdir -p "$build" "$out"
cmake -S "$FM_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFM_BUILD_TESTS=OFF -DFM_BUILD_DEMO=OFF \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target fm_bench_handles fm_bench_soa >/dev/null

args=(--benchmark_repetitions="${FM_BENCH_REPS:-3}" --benchmark_report_aggregates_only=true
  --benchmark_min_time="${FM_BENCH_MIN_TIME:-0.2}" --benchmark_enable_random_interleaving=true
  --benchmark_format=json)
# The weak_ptr lookups after a second thread (resolve/weak_ptr_lock_threaded) run in their own process: once
# a process has had a thread, libstdc++ counts shared_ptr references atomically in every later benchmark.
"$build/bench/fm_bench_handles" "${args[@]}" --benchmark_filter=-_threaded >"$out/handles.json"
"$build/bench/fm_bench_handles" "${args[@]}" --benchmark_filter=_threaded >"$out/handles_threaded.json"
"$build/bench/fm_bench_soa" "${args[@]}" >"$out/soa.json"

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
l1=$(getconf LEVEL1_DCACHE_SIZE 2>/dev/null || echo 0)
l2=$(getconf LEVEL2_CACHE_SIZE 2>/dev/null || echo 0)
machine="$cpu, L1d $((l1 / 1024)) KiB, L2 $((l2 / 1024)) KiB"
python3 - "$out/handles.json" "$out/handles_threaded.json" "$out/soa.json" "$machine" <<'PY'
import json, sys

runs, context = {}, None
for path in sys.argv[1:4]:
    doc = json.load(open(path))
    context = context or doc["context"]
    for b in doc["benchmarks"]:
        # the median when repeated, the single run otherwise
        if b.get("aggregate_name") == "median" or (b["run_type"] == "iteration" and b["run_name"] not in runs):
            runs[b["run_name"]] = b

def get(name, key):
    return runs[name][key]

def verdict(ok):
    return "met" if ok else "MISSED"

print(f"machine: {sys.argv[-1]}, {context['num_cpus']} CPUs at {context['mhz_per_cpu']} MHz, "
      f"load average {', '.join(f'{x:.1f}' for x in context.get('load_avg', []))}, malloc from {context.get('malloc_from', '?')}")
print()

print("| resolve, random order | population | ns/resolve | vs raw pointer | HandlePool speed-up |")
print("|---|---:|---:|---:|---:|")
for pop in (65536, 1048576):
    hp = get(f"resolve/HandlePool/{pop}", "ns_per_resolve")
    raw = get(f"resolve/raw_pointer/{pop}", "ns_per_resolve")
    for label, key in (("fm::HandlePool::get", "HandlePool"), ("raw pointer", "raw_pointer"),
                       ("unordered_map<uint64,T*>::find", "unordered_map"),
                       ("weak_ptr::lock, single-threaded process (plain counts)", "weak_ptr_lock"),
                       ("weak_ptr::lock, process with threads (atomic counts)", "weak_ptr_lock_threaded")):
        ns = get(f"resolve/{key}/{pop}", "ns_per_resolve")
        speedup = "" if key in ("HandlePool", "raw_pointer") else f"{ns / hp:.2f}x (target >= 3: {verdict(ns / hp >= 3)})"
        versus = f"{ns / raw:.2f}x" + (f" (target <= 1.25: {verdict(ns / raw <= 1.25)})" if key == "HandlePool" else "")
        print(f"| {label} | {pop} | {ns:.2f} | {versus} | {speedup} |")
print()

print("| churn: 10k live, 1M destroy+create | ns/op | vs HandlePool |")
print("|---|---:|---:|")
hp = get("churn/HandlePool", "ns_per_op")
for label, key in (("fm::HandlePool", "HandlePool"), ("new/delete", "new_delete"), ("make_shared", "make_shared")):
    ns = get(f"churn/{key}", "ns_per_op")
    print(f"| {label} | {ns:.2f} | {ns / hp:.2f}x |")
print()

# The bar: SlotMap's time as a share of new/delete's in an independent run (create 1M, destroy in random
# order, create again, 1% churn); HandlePool must take no more of new/delete's time than that.
print("| 64-byte objects | N | HandlePool ns/op | new/delete ns/op | HandlePool / new_delete | target |")
print("|---|---:|---:|---:|---:|---:|")
for stage, bar in (("create", 0.50), ("destroy_random", 0.40), ("recreate", 0.31), ("churn_1pct", 0.48)):
    for n in (10000, 100000, 1000000):
        hp = get(f"{stage}/HandlePool/{n}", "ns_per_op")
        nd = get(f"{stage}/new_delete/{n}", "ns_per_op")
        print(f"| {stage} | {n} | {hp:.2f} | {nd:.2f} | {hp / nd:.2f}x | <= {bar:.2f}x: {verdict(hp / nd <= bar)} |")
print()

print("| iterate after 1% churn, sum one field | N | ns/object | vs dense array |")
print("|---|---:|---:|---:|")
for n in (10000, 100000, 1000000):
    dense = get(f"iterate_after_churn/dense_array/{n}", "ns_per_op")
    for label, key in (("fm::HandlePool::each", "HandlePool"), ("fm::SparseSet column", "SparseSet"),
                       ("dense array of the live objects", "dense_array")):
        ns = get(f"iterate_after_churn/{key}/{n}", "ns_per_op")
        target = f" (target <= 1: {verdict(ns / dense <= 1.0)})" if key != "dense_array" else ""
        print(f"| {label} | {n} | {ns:.2f} | {ns / dense:.2f}x{target} |")
print()

print("| integrate pos += vel*dt, age += dt | particles | ns/particle | effective GB/s | SoA vs this |")
print("|---|---:|---:|---:|---:|")
for n in (1000000, 10000000):
    soa_ns = get(f"integrate/soa/{n}", "ns_per_particle")
    soa_bw = get(f"integrate/soa/{n}", "bytes_per_second")
    for label, key in (("AoS, 64-byte ParticleAoS", "aos"), ("SoA, fm::SoA columns", "soa"),
                       ("plain float stream (reference)", "stream_reference"),
                       ("plain float stream over the SoA block's columns", "stream_over_columns")):
        ns = get(f"integrate/{key}/{n}", "ns_per_particle")
        bw = get(f"integrate/{key}/{n}", "bytes_per_second")
        if key == "aos":
            note = f"{ns / soa_ns:.2f}x faster (target >= 2: {verdict(ns / soa_ns >= 2)})"
        elif key == "stream_reference":
            note = f"{soa_bw / bw:.0%} of its GB/s (target >= 85%: {verdict(soa_bw / bw >= 0.85)})"
        elif key == "stream_over_columns":
            note = f"{soa_bw / bw:.0%} of its GB/s"
        else:
            note = ""
        print(f"| {label} | {n} | {ns:.3f} | {bw / 1e9:.1f} | {note} |")
PY
