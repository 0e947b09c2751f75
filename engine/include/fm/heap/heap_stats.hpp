// Plain statistics of an fm::Heap: totals, the design's fragmentation and overhead metrics, and one row per
// size class, so the overlay and the benchmarks read the same numbers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "fm/config.hpp"
#include "fm/heap/size_class.hpp"

namespace fm {

struct HeapClassStats {
  std::size_t block_size = 0;   // bytes per block of this class
  std::size_t live_blocks = 0;  // blocks handed to callers and not yet freed
  std::size_t requested = 0;    // bytes callers asked for in those blocks (see Heap on C-style calls)
  std::size_t committed = 0;    // bytes of active pages holding this class
  std::size_t pages = 0;        // active pages (partly used or kept empty for reuse)
};

struct HeapStats {
  std::size_t committed = 0;            // bytes mapped and not given back: pages, large blocks, metadata
  std::size_t allocated = 0;            // usable bytes of live blocks (small and large)
  std::size_t requested = 0;            // bytes callers asked for in live blocks
  std::size_t metadata = 0;             // segment headers, thread caches, heap state
  std::size_t total_free = 0;           // committed page bytes not in live small blocks
  std::size_t largest_free_extent = 0;  // largest contiguous free piece one request can get without new pages
  std::size_t large_blocks = 0;         // live blocks mapped directly
  std::size_t large_bytes = 0;          // bytes mapped for them
  std::size_t peak_outstanding = 0;     // sum of per-class (and large) high-water marks of bytes out of the
                                        // central lists (blocks + caches): an upper bound of the true peak
  std::uint64_t allocations = 0;        // cumulative
  std::uint64_t deallocations = 0;      // cumulative
  std::size_t thread_caches = 0;        // live per-thread caches
  double fragmentation = 0;             // fm::metrics::heap_fragmentation(largest_free_extent, total_free)
  double overhead = 0;                  // fm::metrics::overhead(committed, requested)
  std::array<HeapClassStats, heap::class_count> classes{};
};

}  // namespace fm
