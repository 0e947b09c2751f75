#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test: a normal build, a build of core and its tests
# without exceptions, an ASan+UBSan build, and a TSan build of the tests labelled `threads`; then builds the whole tree in Release with default options,
# as a user would, with g++ and clang-16; then the libFuzzer targets (clang-16) for a short run each; last the
# MinGW-w64 build of core, the heap and the core tests, run under Wine (scripts/test_windows.sh). Every build
# here turns warnings into errors (FM_WERROR). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/common.sh"
"$FM_ROOT/scripts/deps.sh"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$FM_ROOT/tests/lsan.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

run_ctest() {
  local dir=$1; shift
  echo "== ctest in $(basename "$dir") $*"
  ctest --test-dir "$dir" --output-on-failure -j "$FM_JOBS" --timeout 900 "$@"
}

normal="$FM_ROOT/build-test"
asan="$FM_ROOT/build-asan"
tsan="$FM_ROOT/build-tsan"
mkdir -p "$normal" "$asan" "$tsan"

echo "== normal build (RelWithDebInfo, checked)"
fm_build "$normal" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFM_WERROR=ON
run_ctest "$normal"

# Core built with -fno-exceptions (FM_EXCEPTIONS=OFF) and its tests: each error reaches the handler the tests
# install, which hands it to the test that expects it. Only core and its tests: no overlay, demo or benchmarks.
noexc="$FM_ROOT/build-noexceptions"
mkdir -p "$noexc"
echo "== build without exceptions (core and its tests)"
fm_build "$noexc" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFM_EXCEPTIONS=OFF -DFM_BUILD_OVERLAY=OFF -DFM_BUILD_DEMO=OFF \
  -DFM_BUILD_BENCH=OFF -DFM_WERROR=ON
run_ctest "$noexc"

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
fm_build "$asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DFM_SANITIZE=address;undefined" -DFM_BUILD_BENCH=OFF -DFM_WERROR=ON
run_ctest "$asan"

# Only the threaded suites (tests/<area>/*_threads_test.cpp -> fm_<area>_threads_tests) are built here.
threads_targets=()
for f in "$FM_ROOT"/tests/*/*_threads_test.cpp; do
  [[ -e "$f" ]] && threads_targets+=("fm_$(basename "$(dirname "$f")")_threads_tests")
done
mapfile -t threads_targets < <(printf '%s\n' "${threads_targets[@]}" | sort -u)
if [[ ${#threads_targets[@]} -gt 0 && -n "${threads_targets[0]}" ]]; then
  echo "== ThreadSanitizer build (${threads_targets[*]})"
  cmake -S "$FM_ROOT" -B "$tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFM_SANITIZE=thread -DFM_BUILD_BENCH=OFF -DFM_WERROR=ON \
    -DFM_BUILD_DEMO=OFF -DFM_BUILD_OVERLAY=OFF >"$tsan.configure.log" 2>&1 || { cat "$tsan.configure.log"; exit 1; }
  fm_logged "$tsan.build.log" cmake --build "$tsan" --target "${threads_targets[@]}"
  run_ctest "$tsan" -L threads
else
  echo "== ThreadSanitizer build skipped: no tests labelled threads yet"
fi

# Release optimises harder than RelWithDebInfo and g++ warns about more there (array bounds, restrict);
# users build Release with default options, so the whole tree must build there without a warning. Release is
# unchecked by default (fm/config.hpp), so these builds compile the unchecked paths; the tests that expect
# checked-mode errors run in the RelWithDebInfo builds above, where checked mode is on.
release="$FM_ROOT/build-release-check"
mkdir -p "$release"
echo "== Release build of the whole tree (default options, g++)"
time fm_build "$release" -DCMAKE_BUILD_TYPE=Release -DFM_WERROR=ON
# clang warns about other things (and is what the fuzz targets build with).
release_clang="$FM_ROOT/build-release-clang"
mkdir -p "$release_clang"
echo "== Release build of the whole tree (default options, clang-16)"
time CXX=clang++-16 CC=clang-16 fm_build "$release_clang" -DCMAKE_BUILD_TYPE=Release -DFM_WERROR=ON

# libFuzzer targets (clang-16, ASan+UBSan): each runs FM_FUZZ_SECONDS over its committed seed corpus.
fuzz="$FM_ROOT/build-fuzz"
mkdir -p "$fuzz"
echo "== libFuzzer build (clang-16) and a ${FM_FUZZ_SECONDS:-30}s run of each target"
CC=clang-16 CXX=clang++-16 fm_configure "$fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DFM_SANITIZE=address;undefined" \
  -DFM_BUILD_FUZZ=ON -DFM_WERROR=ON -DFM_BUILD_DEMO=OFF -DFM_BUILD_OVERLAY=OFF -DFM_BUILD_BENCH=OFF \
  "-DFM_FUZZ_SECONDS=${FM_FUZZ_SECONDS:-30}"
fm_logged "$fuzz.build.log" cmake --build "$fuzz" --target fm_fuzzers
run_ctest "$fuzz" -L fuzz

"$FM_ROOT/scripts/test_windows.sh" "$FM_ROOT/build-windows"

echo "all test builds passed"
