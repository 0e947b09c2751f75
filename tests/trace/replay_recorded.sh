#!/usr/bin/env bash
# Records a program into a trace, then replays the trace under all five allocators with every block
# verified. Usage: replay_recorded.sh REPLAY_TOOL TRACE -- COMMAND... (COMMAND writes TRACE; its
# environment may name it, e.g. FRAMEMEM_TRACE=TRACE)
set -euo pipefail
tool=$1 trace=$2
shift 3
rm -f "$trace"
"$@" >/dev/null
"$tool" --check "$trace"
out=$("$tool" --against glibc,mimalloc,jemalloc,tcmalloc,framemem --rounds 1 "$trace")
echo "$out"
blocks=$(sed -n 's/^every block verified under every allocator (\([0-9]*\) blocks each round)$/\1/p' <<<"$out")
if [[ -z $blocks || $blocks -eq 0 ]]; then
  echo "replay_recorded: the replay did not verify every block under every allocator" >&2
  exit 1
fi
