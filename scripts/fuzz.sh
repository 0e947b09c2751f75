#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-16, ASan+UBSan) and runs each for FM_FUZZ_SECONDS (default 1800, the
# long run; CI's test stage runs them briefly through ctest). Arguments pick components (e.g. `pool heap`);
# none runs them all. Each target's final stats (executions, seconds) are printed and kept in the log folder;
# a crash input is left in build-fuzz/tests/fuzz/<component>/ — fix the bug and add it to tests/fuzz/corpus/.
set -euo pipefail
source "$(dirname "$0")/common.sh"
"$FM_ROOT/scripts/deps.sh"

seconds=${FM_FUZZ_SECONDS:-1800}
build="$FM_ROOT/build-fuzz"
logs="$build/fuzz-logs"
mkdir -p "$build" "$logs"
CC=clang-16 CXX=clang++-16 fm_configure "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DFM_SANITIZE=address;undefined" \
  -DFM_BUILD_FUZZ=ON -DFM_BUILD_DEMO=OFF -DFM_BUILD_OVERLAY=OFF -DFM_BUILD_BENCH=OFF
cmake --build "$build" --target fm_fuzzers

components=("$@")
if [[ ${#components[@]} -eq 0 ]]; then
  for f in "$FM_ROOT"/tests/fuzz/*_fuzz.cpp; do components+=("$(basename "$f" _fuzz.cpp)"); done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
failed=0
for c in "${components[@]}"; do
  work="$build/tests/fuzz/$c"
  mkdir -p "$work/corpus"
  echo "== fuzz $c for ${seconds}s (log: $logs/$c.log)"
  if "$build/tests/fm_fuzz_$c" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$work/" "$work/corpus" "$FM_ROOT/tests/fuzz/corpus/$c" >"$logs/$c.log" 2>&1; then
    echo "   $c: $(grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$logs/$c.log" | tr -s ' ' | tr '\n' ' ')"
  else
    echo "   $c: FAILED; see $logs/$c.log"
    failed=1
  fi
done
exit $failed
