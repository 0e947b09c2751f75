#!/usr/bin/env bash
# Recording cost. 1) fm_bench_trace: nanoseconds per event on the recording thread (fm::trace::Writer alone,
# and fm::Recording<Pool> next to the same pool unrecorded). 2) Whole process: the multi-threaded heap
# workloads of bench/heap/ (programs that do nothing but allocate), and the demo without rendering (its
# simulation on worker threads, scratch memory and shared entities from malloc: a program that does work
# besides allocating), under LD_PRELOAD of libframemem_malloc.so, with and without FRAMEMEM_TRACE,
# interleaved, REPS times; medians of wall time and CPU time (user + system) and their ratios.
# Usage: scripts/bench_trace.sh [build-dir] (default build-bench, configured RelWithDebInfo if missing)
set -euo pipefail
source "$(dirname "$0")/common.sh"
build=${1:-$FM_ROOT/build-bench}
reps=${REPS:-5}
heap_workloads=(larson xmalloc mstress)
workloads=("${heap_workloads[@]}" demo)
# The command line of each workload.
command_of() {
  if [[ $1 == demo ]]; then
    echo "$build/demo/framemem-demo --no-render --frames 300 --threads 2 --scratch-mode malloc --entities-mode shared --assets $FM_ROOT/assets"
  else
    echo "$build/bench/heap/fm_heap_$1"
  fi
}

if [[ ! -x $build/bench/heap/fm_heap_measure ]]; then
  mkdir -p "$build"
  cmake -S "$FM_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log"
fi
cmake --build "$build" --target framemem_malloc fm_bench_trace framemem-demo "${heap_workloads[@]/#/fm_heap_}" >/dev/null

echo "## Per event (fm_bench_trace)"
"$build/bench/fm_bench_trace" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_counters_tabular=true 2>&1 | grep -E "median|Benchmark"

lib=$build/engine/malloc/libframemem_malloc.so
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
results=$scratch/results
# One run: wall time, CPU time (user + system) and peak RSS of the workload alone, from wait4.
measure() {
  python3 - "$@" <<'PY'
import os, sys, time
lib, trace, program = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ, LD_PRELOAD=lib)
env.pop("FRAMEMEM_TRACE", None)
if trace:
    env["FRAMEMEM_TRACE"] = trace
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execve(program[0], program, env)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
if status != 0:
    sys.exit(f"{program[0]} failed with status {status}")
print(f"{wall:.4f} {usage.ru_utime + usage.ru_stime:.4f} {usage.ru_maxrss}")
PY
}
for rep in $(seq 1 "$reps"); do
  for w in "${workloads[@]}"; do
    for mode in plain traced; do
      trace=""
      [[ $mode == traced ]] && trace=$scratch/$w.fmt
      # shellcheck disable=SC2046  # the command line is split into its words on purpose
      read -r wall cpu rss <<<"$(measure "$lib" "$trace" $(command_of "$w"))"
      bytes=0
      [[ -n $trace ]] && bytes=$(stat -c %s "$trace")
      echo "$w $mode $wall $cpu $rss $bytes" >>"$results"
    done
  done
  echo "repetition $rep of $reps done" >&2
done

awk -v workloads="${workloads[*]}" -v reps="$reps" '
  function median(key,    n, i, j, t, v) {
    n = split(samples[key], v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { samples[$1 " " $2 " wall"] = samples[$1 " " $2 " wall"] " " $3; samples[$1 " " $2 " cpu"] = samples[$1 " " $2 " cpu"] " " $4
    samples[$1 " " $2 " rss"] = samples[$1 " " $2 " rss"] " " $5; samples[$1 " " $2 " bytes"] = samples[$1 " " $2 " bytes"] " " $6 }
  END {
    printf "\n## Whole process under FRAMEMEM_TRACE (median of %d runs each)\n\n", reps
    printf "| workload | wall, not traced | wall, traced | ratio | CPU, not traced | CPU, traced | ratio | peak RSS ratio | trace MiB |\n"
    printf "|---|---|---|---|---|---|---|---|---|\n"
    n = split(workloads, w, " ")
    for (k = 1; k <= n; k++) {
      pw = median(w[k] " plain wall"); tw = median(w[k] " traced wall")
      pc = median(w[k] " plain cpu"); tc = median(w[k] " traced cpu")
      printf "| %s | %.1f ms | %.1f ms | %.2f | %.1f ms | %.1f ms | %.2f | %.2f | %.1f |\n", w[k], pw * 1000, tw * 1000, tw / pw, pc * 1000, tc * 1000, tc / pc,
        median(w[k] " traced rss") / median(w[k] " plain rss"), median(w[k] " traced bytes") / 1048576
    }
  }' "$results"
