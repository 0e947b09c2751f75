// The small-block fast paths of fm::Heap, inline so that libframemem_malloc.so's malloc and free run them
// without a call: a pop from and a push onto the calling thread's cache. Each returns "not done" for
// everything else, which the callers hand to the named slow paths in heap.cpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "heap_state.hpp"

namespace fm::heap {

// What the malloc library needs of a Heap to run the fast paths itself.
struct HeapAccess {
  [[nodiscard]] static HeapState& state(const Heap& heap) noexcept { return *heap.state_; }
  [[nodiscard]] static unsigned slot(const Heap& heap) noexcept { return heap.slot_; }
};

// `extra`: requested bytes minus the block size (ClassCounters); 0, a constant, on the C-style paths.
inline void count_allocation(ThreadCache& tc, std::uint32_t c, std::int64_t extra) noexcept {
  tc.bins[c].allocations.add(1);
  if (extra != 0) tc.requested_extra[c].add(extra);
}
inline void count_deallocation(ThreadCache& tc, std::uint32_t c, std::int64_t extra) noexcept {
  if (extra != 0) tc.requested_extra[c].add(-extra);
}

// A block of class `c` from the calling thread's cache of the heap in `slot`, or null when it has none.
[[nodiscard]] inline void* cache_pop(unsigned slot, std::uint32_t c, std::int64_t extra) noexcept {
  ThreadCache* tc = current_cache(slot);
  if (tc == nullptr) [[unlikely]] return nullptr;
  Bin& bin = tc->bins[c];
  Block* b = bin.head;
  if (b == nullptr) [[unlikely]] return nullptr;
  bin.head = next_of(b);
  --bin.count;
  count_allocation(*tc, c, extra);
  unpoison(b, class_sizes[c]);
  return b;
}

// Frees `p` onto the calling thread's cache when it is the start of a small block of `h` (null: of no heap) on a page without
// interior pointers and the cache has room; false, with nothing changed, for anything else (null, large or
// foreign pointers too). `requested` counts only when `sized`.
[[nodiscard]] inline bool cache_push(const HeapState* h, unsigned slot, void* p, std::size_t requested,
                                     bool sized) noexcept {
  if (!unit_map.in_segment(p)) [[unlikely]] return false;
  auto* segment = static_cast<Segment*>(segment_of(p));
  if (segment->heap != h) [[unlikely]] return false;
  ThreadCache* tc = current_cache(slot);
  if (tc == nullptr) [[unlikely]] return false;
  const std::uint32_t c = segment->free_bin_of(p);
  Bin& bin = tc->bins[c];
  if (bin.count >= bin.limit) [[unlikely]] return false;  // also every free to interior_bin
  auto* b = static_cast<Block*>(p);
  poison(b, class_sizes[c]);
  set_next(b, bin.head);
  bin.head = b;
  ++bin.count;
  count_deallocation(*tc, c, sized ? static_cast<std::int64_t>(requested) - class_sizes[c] : 0);
  return true;
}

}  // namespace fm::heap
