# Shared by the scripts: repository root, parallelism, and quiet configure/build helpers that keep each
# step to one line on the terminal, with the full output in a log file whose path is printed.
FM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FM_JOBS=${FM_JOBS:-$(nproc)}
export CMAKE_BUILD_PARALLEL_LEVEL=$FM_JOBS

# fm_logged <log> <command...>: runs the command with all its output appended to <log>; on failure prints
# the end of the log and where the whole of it is.
fm_logged() {
  local log=$1; shift
  mkdir -p "$(dirname "$log")"
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "failed: $* (full log: $log)" >&2
    return 1
  fi
}

# fm_configure <build-dir> [cmake -D options...]: configure quietly into <build-dir>.configure.log.
fm_configure() {
  local dir=$1; shift
  : >"$dir.configure.log"
  fm_logged "$dir.configure.log" cmake -S "$FM_ROOT" -B "$dir" "$@"
}

# fm_build <build-dir> [cmake -D options...]: configure (once) and build everything in that tree; one line.
fm_build() {
  local dir=$1; shift
  echo "build: $dir (log: $dir.build.log)"
  fm_configure "$dir" "$@"
  : >"$dir.build.log"
  fm_logged "$dir.build.log" cmake --build "$dir"
}
