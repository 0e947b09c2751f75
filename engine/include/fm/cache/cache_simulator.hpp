// A set-associative LRU model of L1d and L2 that replays an address trace and counts hits and misses,
// the "simulated misses" figure for machines without hardware counters. It follows cachegrind's model
// (write-allocate, reads and writes alike, L2 looked up only on an L1d miss, no prefetcher), so the two
// agree and cachegrind can vouch for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fm/cache/cache_geometry.hpp"
#include "fm/core/metrics.hpp"

namespace fm {

// One memory reference of a trace: `size` bytes at `address`.
struct MemoryAccess {
  std::uintptr_t address = 0;
  std::uint32_t size = 0;
};

struct CacheCounts {
  std::uint64_t accesses = 0;
  std::uint64_t misses = 0;

  [[nodiscard]] std::uint64_t hits() const noexcept { return accesses - misses; }
  [[nodiscard]] double miss_rate() const noexcept {
    return metrics::ratio(static_cast<double>(misses), static_cast<double>(accesses));
  }
};

// One cache level: `sets` lists of `ways` line tags, most recently used first.
class CacheLevelModel {
 public:
  explicit CacheLevelModel(const CacheLevelGeometry& g);

  // Looks the line up, makes it most recently used (inserting it on a miss); true on a hit.
  bool touch_line(std::uintptr_t line) noexcept;
  void clear() noexcept;
  [[nodiscard]] const CacheLevelGeometry& geometry() const noexcept { return geometry_; }

 private:
  static constexpr std::uintptr_t empty = ~std::uintptr_t{0};
  CacheLevelGeometry geometry_;
  std::size_t sets_;
  std::vector<std::uintptr_t> tags_;  // sets_ * ways, allocated once
};

class CacheSimulator {
 public:
  explicit CacheSimulator(const CacheGeometry& g = detect_cache_geometry());

  // One reference. A reference that straddles two lines looks both up and counts one miss if either misses.
  void access(std::uintptr_t address, std::size_t size) noexcept;
  void access(const void* p, std::size_t size) noexcept { access(reinterpret_cast<std::uintptr_t>(p), size); }
  // Replays a whole trace; no allocation.
  void replay(std::span<const MemoryAccess> trace) noexcept;

  // Empties both caches and zeroes the counts (no allocation): the next replay starts cold.
  void reset() noexcept;
  void reset_counts() noexcept { l1d_counts_ = l2_counts_ = {}; }

  [[nodiscard]] const CacheCounts& l1d() const noexcept { return l1d_counts_; }
  [[nodiscard]] const CacheCounts& l2() const noexcept { return l2_counts_; }
  [[nodiscard]] const CacheGeometry& geometry() const noexcept { return geometry_; }

 private:
  bool touch_l1d_line(std::uintptr_t line) noexcept;

  CacheGeometry geometry_;
  CacheLevelModel l1d_;
  CacheLevelModel l2_;
  CacheCounts l1d_counts_;
  CacheCounts l2_counts_;
};

// A reusable trace buffer: reserve once, then record() and clear() every sample without touching the heap
// (record() drops references beyond the capacity and counts them, rather than growing mid-frame).
class AccessTrace {
 public:
  explicit AccessTrace(std::size_t capacity) { accesses_.reserve(capacity); }

  void record(const void* p, std::size_t size) noexcept {
    if (accesses_.size() == accesses_.capacity()) {
      ++dropped_;
      return;
    }
    accesses_.push_back({reinterpret_cast<std::uintptr_t>(p), static_cast<std::uint32_t>(size)});
  }
  void clear() noexcept {
    accesses_.clear();
    dropped_ = 0;
  }
  [[nodiscard]] std::span<const MemoryAccess> accesses() const noexcept { return accesses_; }
  [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return accesses_.capacity(); }

 private:
  std::vector<MemoryAccess> accesses_;
  std::size_t dropped_ = 0;
};

}  // namespace fm
