// The one fm::Heap behind malloc and operator new in libframemem_malloc.so: created on the first call
// (before any constructor may have run) and never destroyed, since frees arrive until the process ends.
#pragma once

#include <atomic>

#include "fm/heap/heap.hpp"
#include "heap/fast_path.hpp"

#define FM_EXPORT __attribute__((visibility("default")))

namespace fm::malloc_lib {

extern std::atomic<Heap*> process_heap_ptr;
// The heap's segment range and cache slot for the inline fast paths, set before process_heap_ptr. Until then
// the slot is one no cache ever fills and the range none, so the fast paths fall through to the calls below,
// which create the heap. Hidden, so that the fast paths read them at a fixed offset from the code.
#pragma GCC visibility push(hidden)
extern std::atomic<std::uintptr_t> process_range;
extern std::atomic<unsigned> process_slot;
#pragma GCC visibility pop
[[nodiscard]] Heap& create_process_heap() noexcept;

[[nodiscard]] inline Heap& process_heap() noexcept {
  Heap* h = process_heap_ptr.load(std::memory_order_acquire);
  return h != nullptr ? *h : create_process_heap();
}

// The heap's inline fast paths, run here without a call into it: a small block from the calling thread's
// cache, or null (then Heap::malloc does the rest: no heap yet, an empty cache, a large block). Always
// inline: malloc, operator new and the recording path all call it, and a compiler left to choose makes it a
// function of its own, which adds a call, a return and the moves around them to every malloc.
[[nodiscard, gnu::always_inline]] inline void* malloc_fast(std::size_t size) noexcept {
  const unsigned slot = process_slot.load(std::memory_order_relaxed);
  // The common sizes first: one comparison before the table, not two.
  if (size <= heap::class_table_max) [[likely]] return heap::cache_pop(slot, heap::table_size_class(size), 0);
  if (size > heap::max_small_size) return nullptr;
  return heap::cache_pop(slot, heap::size_class_by_rule(size), 0);
}

// free and operator delete: the calling thread's cache takes a small block inline; Heap::free the rest,
// called out of line so that the inline path needs no stack frame.
[[gnu::noinline]] void free_slow(void* p) noexcept;
// malloc and free while recording (malloc.cpp).
[[gnu::noinline]] void* malloc_traced(std::size_t size) noexcept;
[[gnu::noinline]] void free_traced(void* p) noexcept;
[[gnu::always_inline]] inline void free_block(void* p) noexcept {
  const std::uintptr_t range = process_range.load(std::memory_order_relaxed);
  if (heap::cache_push(range, process_slot.load(std::memory_order_relaxed), p, 0, false)) [[likely]] return;
  free_slow(p);
}

}  // namespace fm::malloc_lib
