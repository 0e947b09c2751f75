#!/usr/bin/env bash
# The C++ runtime linked into libframemem_malloc.so brings its own terminate handler instead of libstdc++'s
# verbose one, so the demangler stays out of the library (40 KiB that every preloading process kept resident).
# Fails when the demangler is linked in again, or when the library's handler takes the place of the program's:
# a C++ program that lets an exception escape under LD_PRELOAD must still print its runtime's verbose message.
# Usage: terminate_handler.sh <path/to/libframemem_malloc.so>
set -euo pipefail
lib=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C

symbols=$(readelf -sW "$lib")
if ! grep -q 'malloc' <<<"$symbols"; then
  echo "FAIL: no symbol table in $lib (stripped?): cannot tell whether the demangler is linked in"
  exit 1
fi
if grep -Eq ' (__cxa_demangle|__gcclibcxx_demangle_callback)$' <<<"$symbols"; then
  echo "FAIL: $lib links the C++ demangler (libstdc++'s verbose terminate handler came back)"
  exit 1
fi

cat >"$work/throws.cpp" <<'CPP'
#include <stdexcept>
#include <string>
int main(int argc, char**) {
  std::string why(static_cast<std::size_t>(argc) * 40, 'x');
  throw std::runtime_error("escaped " + why.substr(0, 3));
}
CPP
g++ -std=c++20 -O1 "$work/throws.cpp" -o "$work/throws"
status=0
LD_PRELOAD=$lib "$work/throws" 2>"$work/stderr" || status=$?
if [[ $status -eq 0 ]]; then
  echo "FAIL: the program that throws exited with 0"
  exit 1
fi
expected="terminate called after throwing an instance of 'std::runtime_error'"
if ! grep -qF "$expected" "$work/stderr" || ! grep -qF "what():  escaped xxx" "$work/stderr"; then
  echo "FAIL: under LD_PRELOAD the program's terminate message is not its runtime's verbose one; stderr was:"
  cat "$work/stderr"
  exit 1
fi
echo "ok: no demangler in the library, and the program's verbose terminate handler still reports"
