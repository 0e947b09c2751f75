#!/usr/bin/env bash
# Installs the Debian packages framemem needs, only those missing; `apt-get update` runs once, and not
# at all when everything is present. Non-interactive; uses sudo when not root.
set -euo pipefail

packages=(
  cmake g++ pkg-config make
  libsdl2-dev libimgui-dev libstb-dev libgl-dev libgl1-mesa-dri libegl1 libegl-mesa0
  doctest-dev libbenchmark-dev nlohmann-json3-dev libcli11-dev
  libfoonathan-memory-dev libmimalloc-dev libjemalloc-dev libgoogle-perftools-dev
  xvfb xauth xdotool valgrind python3 git
  clang-16 libclang-rt-16-dev llvm
  g++-mingw-w64-x86-64-posix wine64
)

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
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
