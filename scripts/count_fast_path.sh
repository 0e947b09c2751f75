#!/usr/bin/env bash
# Counts the instructions of malloc and free per call on the fast path: bench/heap/fm_heap_malloc_free_pair
# (one malloc + free of 32 bytes per step) runs under callgrind with each allocator preloaded, and the
# instructions callgrind attributes to each function (inlined code included) are divided by the steps.
# Usage: scripts/count_fast_path.sh [build-dir] (default build-bench, as scripts/bench_heap.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"
build=${1:-$FM_ROOT/build-bench}
steps=${STEPS:-1000000}
libdir=/usr/lib/x86_64-linux-gnu
cmake --build "$build" --target framemem_malloc fm_heap_malloc_free_pair >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| allocator | malloc | free |"
echo "|---|---|---|"
for lib in "$build/engine/malloc/libframemem_malloc.so" "$libdir/libmimalloc.so.2"; do
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out/cg.%p" \
    env LD_PRELOAD="$lib" "$build/bench/heap/fm_heap_malloc_free_pair" "$steps" 32 >/dev/null 2>&1
  profile=$(ls -S "$out"/cg.* | head -1)
  # Lines "N (x%)  file:function [object]": sum N per function (malloc or free), whatever the file, and
  # framemem's fast-path helpers if a compiler ever makes them functions of their own (their instructions
  # are then malloc's and free's too, and a count of the entry point alone would miss them).
  callgrind_annotate --threshold=100 "$profile" | awk -v steps="$steps" -v name="$(basename "$lib")" '
    { n = $1; gsub(",", "", n) }
    /:malloc( \[.*\])?$/ || /:fm::malloc_lib::malloc_fast\(unsigned long\)( \[.*\])?$/ { m += n }
    /:free( \[.*\])?$/ || /:fm::malloc_lib::free_block\(void\*\)( \[.*\])?$/ { f += n }
    END { printf "| %s | %.1f | %.1f |\n", name, m / steps, f / steps }'
  rm -f "$out"/cg.*
done
