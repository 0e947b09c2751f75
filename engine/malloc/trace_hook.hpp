// FRAMEMEM_TRACE=path: the process's allocations recorded into a trace (docs/trace.md). The entry points of
// malloc.cpp and new_delete.cpp call these inline checks; with tracing off each is one predictable branch on
// a flag that never changes after start-up, and everything else lives in trace_hook.cpp.
#pragma once

#include <atomic>
#include <cstddef>

namespace fm::malloc_lib {

extern std::atomic<bool> trace_enabled __attribute__((visibility("hidden")));

// The recording slow paths (trace_hook.cpp). A null block records nothing.
void record_allocate(const void* p, std::size_t size, std::size_t align) noexcept;
void record_free(const void* p) noexcept;
// realloc while recording: see trace_hook.cpp for why it always moves the block.
[[nodiscard]] void* traced_realloc(void* p, std::size_t size) noexcept;

// A relaxed load. Compilers never fold an atomic load into a compare, so on x86-64 the check is written as
// the one `cmpb` on the flag's address it amounts to (a byte load is atomic there), with its flags as the
// result: the entry points' fast paths spend two instructions on it instead of four.
[[nodiscard]] inline bool tracing() noexcept {
#if defined(__x86_64__)
  bool on;
  asm("cmpb $0, %1" : "=@ccnz"(on) : "m"(trace_enabled));
  return on;
#else
  return trace_enabled.load(std::memory_order_relaxed);
#endif
}

// Passes `p` through, recording it as a new block of `size` bytes when tracing.
[[nodiscard]] inline void* traced(void* p, std::size_t size, std::size_t align) noexcept {
  if (tracing()) [[unlikely]]
    record_allocate(p, size, align);
  return p;
}
// Called before the heap frees `p`: the free must be stamped before another thread can get the address.
inline void trace_free(const void* p) noexcept {
  if (tracing()) [[unlikely]]
    record_free(p);
}

}  // namespace fm::malloc_lib
