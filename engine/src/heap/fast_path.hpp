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

// `extra`: requested bytes minus the block size (ClassCounters); 0, a constant, on the C-style paths. `bin`
// is tc.bins[c], which the caller has at hand: the counter is then one offset from it.
inline void count_allocation(ThreadCache& tc, Bin& bin, std::uint32_t c, std::int64_t extra) noexcept {
  bin.allocations.add(1);
  if (extra != 0) tc.requested_extra[c].add(extra);
}
inline void count_deallocation(ThreadCache& tc, std::uint32_t c, std::int64_t extra) noexcept {
  if (extra != 0) tc.requested_extra[c].add(-extra);
}

// A block of class `c` from the calling thread's cache of the heap in `slot`, or null when it has none (or no
// cache: no_cache's bins are empty).
[[nodiscard]] inline void* cache_pop(unsigned slot, std::uint32_t c, std::int64_t extra) noexcept {
  ThreadCache* tc = current_cache(slot);
  Bin& bin = tc->bins[c];
  Block* b = bin.head;
  if (b == nullptr) [[unlikely]] return nullptr;
  bin.head = next_of(b);
  --bin.count;
  count_allocation(*tc, bin, c, extra);
  unpoison(b, class_sizes[c]);
  return b;
}

// Frees `p` onto the calling thread's cache of the heap in `slot` when it is the start of a small block in
// the heap's segment range at `range_base` (no_range: none), on a page without interior pointers that this
// cache owns, and the cache has room; false, with nothing changed, for anything else (null, large or foreign
// pointers, segments outside the range, remote frees, no cache). `requested` counts only when `sized`.
[[nodiscard]] inline bool cache_push(std::uintptr_t range_base, unsigned slot, void* p, std::size_t requested,
                                     bool sized) noexcept {
  SliceEntry entry = 0;
  if (!range_entry(range_base, p, entry)) [[unlikely]] return false;
  ThreadCache* tc = current_cache(slot);
  const SliceEntry offset = entry & tc->entry_mask;
  if (offset > no_room_entry) [[unlikely]] return false;  // a remote free: the slice is another cache's
  Bin& bin = bin_at(*tc, offset);
  if (bin.count >= bin.limit) [[unlikely]] return false;  // also every free the table sends to no_room
  const auto c = static_cast<std::uint32_t>(&bin - tc->bins);
  auto* b = static_cast<Block*>(p);
  poison(b, class_sizes[c]);
  set_next(b, bin.head);
  bin.head = b;
  ++bin.count;
  count_deallocation(*tc, c, sized ? static_cast<std::int64_t>(requested) - class_sizes[c] : 0);
  return true;
}

}  // namespace fm::heap
