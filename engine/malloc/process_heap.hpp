// The one fm::Heap behind malloc and operator new in libframemem_malloc.so: created on the first call
// (before any constructor may have run) and never destroyed, since frees arrive until the process ends.
#pragma once

#include <atomic>

#include "fm/heap/heap.hpp"

#define FM_EXPORT __attribute__((visibility("default")))

namespace fm::malloc_lib {

extern std::atomic<Heap*> process_heap_ptr;
[[nodiscard]] Heap& create_process_heap() noexcept;

[[nodiscard]] inline Heap& process_heap() noexcept {
  Heap* h = process_heap_ptr.load(std::memory_order_acquire);
  return h != nullptr ? *h : create_process_heap();
}

}  // namespace fm::malloc_lib
