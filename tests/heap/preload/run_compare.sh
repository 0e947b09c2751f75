#!/usr/bin/env bash
# Runs a real program without and with LD_PRELOAD=libframemem_malloc.so and fails unless both runs succeed
# with identical output, and the preloaded run really used framemem (its FRAMEMEM_STATS=1 report).
# Coreutils close stderr at exit before the report could be written, so for sort the check is that the
# library is mapped in a running sort process instead.
# Usage: run_compare.sh <path/to/libframemem_malloc.so> python|git|gxx|sort|cmake
set -euo pipefail
lib=$1
program=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

run_python() {
  python3 - <<'PY'
import collections
d = {i: str(i) * (i % 50) for i in range(300000)}
lists = [[j * 3 for j in range(i % 100)] for i in range(100000)]
big = "".join(str(i) for i in range(400000))
buf = bytearray()
for i in range(200000):
    buf += b"%d," % i
words = collections.Counter(s[:3] for s in d.values() if s)
print(len(d), sum(len(s) for s in d.values()), sum(map(sum, lists)), len(big), big[-20:], len(buf))
print(sorted(words.items())[:5])
del d, lists, big, buf
print(sum(len(str(x)) for x in range(500000)))
PY
}

run_git() {
  local repo=$work/repo-$1
  export GIT_AUTHOR_NAME=framemem GIT_AUTHOR_EMAIL=fm@example.org GIT_COMMITTER_NAME=framemem
  export GIT_COMMITTER_EMAIL=fm@example.org GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z"
  export GIT_CONFIG_NOSYSTEM=1 HOME=$work
  git init -q -b main "$repo"
  for i in $(seq 1 40); do seq 1 $((i * 200)) >"$repo/file$i.txt"; done
  git -C "$repo" add .
  git -C "$repo" commit -q -m "first"
  for i in $(seq 1 20); do echo "change $i" >>"$repo/file$i.txt"; done
  git -C "$repo" commit -q -am "second"
  git -C "$repo" log --stat
  git -C "$repo" rev-parse HEAD
  git -C "$repo" gc -q
  git -C "$repo" fsck --strict
}

run_gxx() {
  cat >"$work/prog.cpp" <<'CPP'
#include <iostream>
#include <map>
#include <string>
#include <vector>
int main() {
  std::map<std::string, std::vector<int>> m;
  for (int i = 0; i < 1000; ++i) m[std::to_string(i % 97)].push_back(i);
  long sum = 0;
  for (auto& [k, v] : m) sum += static_cast<long>(k.size() * v.size());
  std::cout << m.size() << ' ' << sum << '\n';
}
CPP
  g++ -std=c++20 -O2 -frandom-seed=framemem -c "$work/prog.cpp" -o "$work/prog.o"
  g++ "$work/prog.o" -o "$work/prog-$1"
  md5sum <"$work/prog.o"
  "$work/prog-$1"
}

run_sort() {
  [[ -f $work/input.txt ]] || awk 'BEGIN { srand(42); for (i = 0; i < 3000000; i++) printf "%08x %d\n", int(rand() * 4294967295), i }' >"$work/input.txt"
  sort "$work/input.txt" | md5sum
  sort -n -k2 -r "$work/input.txt" | tail -3
}

run_cmake() { cmake --version; }

# LD_PRELOAD goes to the program only; the script's own helpers stay on the system allocator.
run_plain() { "run_$program" plain; }
run_framemem() { LD_PRELOAD=$lib FRAMEMEM_STATS=1 "run_$program" framemem; }

run_plain >"$work/plain.out" 2>"$work/plain.err" || { cat "$work/plain.err"; echo "plain run of $program failed"; exit 1; }
run_framemem >"$work/framemem.out" 2>"$work/framemem.err" || {
  cat "$work/framemem.err"
  echo "run of $program under LD_PRELOAD=$lib failed"
  exit 1
}
# Starts `sort` under the preload, blocked on an empty FIFO, and looks for the library in its mappings.
sort_has_framemem_mapped() {
  mkfifo "$work/fifo"
  LD_PRELOAD=$lib sort <"$work/fifo" >/dev/null &
  local pid=$! found=1
  exec 3>"$work/fifo"
  for _ in $(seq 1 100); do
    if [[ $(readlink "/proc/$pid/exe" || true) == */sort ]]; then
      grep -q libframemem_malloc "/proc/$pid/maps" && found=0
      break
    fi
    sleep 0.05
  done
  exec 3>&-
  wait "$pid"
  return $found
}

if [[ $program == sort ]]; then
  sort_has_framemem_mapped || { echo "libframemem_malloc is not mapped in the preloaded sort"; exit 1; }
elif ! grep -q '^framemem: committed' "$work/framemem.err"; then
  echo "no framemem statistics on stderr: the preloaded library was not used"
  exit 1
fi
if ! diff -u "$work/plain.out" "$work/framemem.out"; then
  echo "output of $program differs under LD_PRELOAD=$lib"
  exit 1
fi
echo "$program: identical output with and without framemem ($(wc -l <"$work/plain.out") lines)"
