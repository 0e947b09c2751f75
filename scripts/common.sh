# Shared by the scripts: repository root, parallelism, and a configure+build helper.
FM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FM_JOBS=${FM_JOBS:-$(nproc)}
export CMAKE_BUILD_PARALLEL_LEVEL=$FM_JOBS

# fm_configure <build-dir> [cmake -D options...]: configure quietly; the log is printed only on failure.
fm_configure() {
  local dir=$1; shift
  cmake -S "$FM_ROOT" -B "$dir" "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
}

# fm_build <build-dir> [cmake -D options...]: configure (once) and build everything in that tree.
fm_build() {
  local dir=$1; shift
  fm_configure "$dir" "$@"
  cmake --build "$dir"
}
