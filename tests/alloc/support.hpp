// Shared checks for the allocator suites: the alignment sweep every allocator must pass, a tracker that
// proves live blocks never overlap, and (from support/error_message.hpp) the message of an error.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "fm/core/align.hpp"
#include "support/error_message.hpp"

namespace fm::test {

// Live blocks by address; insert() fails the test when a new block overlaps one that is still live.
// Zero-byte blocks own no bytes, so they are not tracked (an arena may hand the next block the same address).
class LiveBlocks {
 public:
  void insert(const void* p, std::size_t n) {
    if (n == 0) return;
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    auto next = blocks_.lower_bound(a);
    if (next != blocks_.end()) CHECK_MESSAGE(a + n <= next->first, "block overlaps its successor");
    if (next != blocks_.begin()) {
      auto prev = std::prev(next);
      CHECK_MESSAGE(prev->first + prev->second <= a, "block overlaps its predecessor");
    }
    blocks_[a] = n;
  }
  void erase(const void* p) { blocks_.erase(reinterpret_cast<std::uintptr_t>(p)); }
  void clear() { blocks_.clear(); }
  [[nodiscard]] std::size_t size() const { return blocks_.size(); }

 private:
  std::map<std::uintptr_t, std::size_t> blocks_;
};

inline constexpr std::size_t test_page = 4096;
inline constexpr std::size_t sweep_sizes[] = {0,    1,    3,    8,    100,  test_page - 1, test_page, test_page + 1,
                                              8192, 12288, 4 * test_page};

// For every power-of-two alignment 1..4096 and sizes 0..4 pages: each block is non-null, aligned, writable
// and disjoint from the others; then all are freed newest first and `round_done()` runs (e.g. a reset).
template <class A, class RoundDone>
void check_alignment_sweep(A& allocator, RoundDone round_done) {
  for (std::size_t align = 1; align <= max_alignment; align <<= 1) {
    CAPTURE(align);
    LiveBlocks live;
    std::vector<std::pair<void*, std::size_t>> blocks;
    for (std::size_t size : sweep_sizes) {
      CAPTURE(size);
      void* p = allocator.allocate(size, align);
      REQUIRE(p != nullptr);
      CHECK(is_aligned(p, align));
      std::memset(p, 0xAB, size);
      live.insert(p, size);
      blocks.emplace_back(p, size);
    }
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) allocator.deallocate(it->first, it->second, align);
    round_done();
  }
}

}  // namespace fm::test
