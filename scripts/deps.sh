#!/usr/bin/env bash
# Installs the Debian packages framemem needs, only those missing; `apt-get update` runs once, and not
# at all when everything is present. Non-interactive; uses sudo when not root. Prints one line per step;
# apt's and dpkg's output goes to a log file (FM_DEPS_LOG, default out/deps.log) whose path it prints.
set -euo pipefail
source "$(dirname "$0")/common.sh"

# One group per line; add packages to a group or add a group.
build_tools=(cmake g++ pkg-config make)
libraries=(libsdl2-dev libimgui-dev libstb-dev libgl-dev libgl1-mesa-dri libegl1 libegl-mesa0
           doctest-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev)
peer_allocators=(libfoonathan-memory-dev libmimalloc-dev libjemalloc-dev libgoogle-perftools-dev)
test_tools=(xvfb xauth xdotool valgrind python3 git dpkg-dev)  # dpkg-dev: dpkg-shlibdeps for `cpack -G DEB`
replay_tools=(gnuplot-nox)  # framemem-replay's PNG charts
clang_tools=(clang-16 libclang-rt-16-dev llvm)
windows_tools=(g++-mingw-w64-x86-64-posix wine64)  # the MinGW-w64 build and its tests under Wine
packages=("${build_tools[@]}" "${libraries[@]}" "${peer_allocators[@]}" "${test_tools[@]}" "${replay_tools[@]}"
          "${clang_tools[@]}" "${windows_tools[@]}")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: missing ${missing[*]} and not root (no sudo)" >&2; exit 1; }
  sudo=(sudo)
fi
log=${FM_DEPS_LOG:-$FM_ROOT/out/deps.log}
mkdir -p "$(dirname "$log")"
: >"$log"
echo "deps: installing ${#missing[@]} packages: ${missing[*]} (log: $log)"
export DEBIAN_FRONTEND=noninteractive
fm_logged "$log" "${sudo[@]}" apt-get update -q
fm_logged "$log" "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "deps: installed ${#missing[@]} packages"
