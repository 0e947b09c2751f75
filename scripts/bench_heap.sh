#!/usr/bin/env bash
# Whole-process allocator comparison: runs each workload in bench/heap/ with nothing preloaded (glibc),
# then under LD_PRELOAD of framemem, mimalloc, jemalloc and tcmalloc, interleaved, REPS times each, and
# prints markdown tables of median wall time, peak RSS and CPU time (user + system) as ratios to glibc.
# Usage: scripts/bench_heap.sh [build-dir] (default build-bench, configured RelWithDebInfo if missing)
set -euo pipefail
source "$(dirname "$0")/common.sh"
build=${1:-$FM_ROOT/build-bench}
reps=${REPS:-5}
# A workload is a name; its command is bench/heap/fm_heap_<program> with arguments (default: the name alone).
workloads=(larson xmalloc mstress churn realloc large false_sharing small_random_1 small_random_2 producer_consumer
  bignum minimizer)
declare -A commands=([small_random_1]="small_random 1" [small_random_2]="small_random 2")
programs=()
for w in "${workloads[@]}"; do
  read -r -a command <<<"${commands[$w]:-$w}"
  programs+=("fm_heap_${command[0]}")
done
libdir=/usr/lib/x86_64-linux-gnu

if [[ ! -x $build/bench/heap/fm_heap_measure ]]; then
  mkdir -p "$build"
  cmake -S "$FM_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFM_BUILD_DEMO=OFF >"$build.configure.log"
fi
cmake --build "$build" --target framemem_malloc fm_heap_measure $(printf '%s\n' "${programs[@]}" | sort -u) >/dev/null

names=(glibc framemem mimalloc jemalloc tcmalloc)
libs=("" "$build/engine/malloc/libframemem_malloc.so" "$libdir/libmimalloc.so.2" "$libdir/libjemalloc.so.2"
  "$libdir/libtcmalloc_minimal.so.4")
for lib in "${libs[@]:1}"; do [[ -f $lib ]] || { echo "missing $lib (run scripts/deps.sh)"; exit 1; }; done

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for rep in $(seq 1 "$reps"); do
  for w in "${workloads[@]}"; do
    read -r -a command <<<"${commands[$w]:-$w}"
    for i in "${!names[@]}"; do
      out=$("$build/bench/heap/fm_heap_measure" --preload="${libs[$i]}" "$build/bench/heap/fm_heap_${command[0]}" \
        "${command[@]:1}" 2>&1 >/dev/null | tail -1)
      echo "$w ${names[$i]} $out" >>"$results"
    done
  done
  echo "repetition $rep of $reps done" >&2
done

# Median per (workload, allocator), then ratios to glibc and the geometric mean per allocator.
awk -v names="${names[*]}" -v workloads="${workloads[*]}" '
  function median(key, field,    n, i, j, t, v) {
    n = split(samples[key, field], v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  {
    samples[$1 " " $2, "t"] = samples[$1 " " $2, "t"] " " $3
    samples[$1 " " $2, "r"] = samples[$1 " " $2, "r"] " " $4
    samples[$1 " " $2, "c"] = samples[$1 " " $2, "c"] " " $5
  }
  END {
    na = split(names, a, " "); nw = split(workloads, w, " ")
    split("t r c", fields, " "); split("Wall time|Peak RSS|CPU time (user + system)", titles, "|")
    for (f = 1; f <= 3; f++) {
      field = fields[f]
      printf "\n%s (median of %d runs, ratio to glibc; lower is better)\n\n", titles[f], REPS
      printf "| workload | glibc |"; for (i = 2; i <= na; i++) printf " %s |", a[i]; printf " framemem / mimalloc |\n"
      printf "|---|---|"; for (i = 2; i <= na; i++) printf "---|"; printf "---|\n"
      for (i = 2; i <= na; i++) logsum[i] = 0
      for (k = 1; k <= nw; k++) {
        base = median(w[k] " glibc", field)
        printf "| %s | %s |", w[k], field == "r" ? sprintf("%.1f MiB", base / 1024) : sprintf("%.3f s", base)
        for (i = 2; i <= na; i++) { r[a[i]] = median(w[k] " " a[i], field) / base; logsum[i] += log(r[a[i]]); printf " %.2f |", r[a[i]] }
        printf " %.2f |\n", r["framemem"] / r["mimalloc"]
      }
      printf "| geometric mean | 1.00 |"; for (i = 2; i <= na; i++) { g[a[i]] = exp(logsum[i] / nw); printf " %.2f |", g[a[i]] }
      printf " %.2f |\n", g["framemem"] / g["mimalloc"]
    }
  }' REPS="$reps" "$results"
