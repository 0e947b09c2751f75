// Reference model of fm::StackAllocator and the step function its doctest and libFuzzer drivers share: a vector
// of live blocks (offset, size) and the markers taken so far, each valid until the stack holds fewer blocks than
// when it was taken. Exact offsets are predicted from the buffer's address; both strict_lifo modes run.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fm/alloc/stack_allocator.hpp"
#include "model/alloc_checks.hpp"
#include "model/source.hpp"

namespace fm::model {

class StackHarness {
 public:
  explicit StackHarness(Source& src)
      : src_(src),
        strict_(src.chance(60)),
        capacity_(std::size_t{256} << (2 * src.below(3))),
        buffer_(std::make_unique<std::byte[]>(capacity_)),
        stack_(std::span<std::byte>(buffer_.get(), capacity_), {.name = "model", .strict_lifo = strict_}),
        other_({.capacity = 256, .name = "other"}) {}

  void step() {
    const unsigned roll = src_.below(100);
    if (roll < 30) {
      allocate();
    } else if (roll < 50) {
      free_top();
    } else if (roll < 62) {
      misuse_free();
    } else if (roll < 72) {
      markers_.push_back({stack_.mark(), blocks_.size(), true});
      if (markers_.size() > 64) markers_.erase(markers_.begin());
    } else if (roll < 85) {
      rewind();
    } else if (roll < 88) {
      drop_blocks_above(0, "reset");
      stack_.reset();
      lower_to(0);
    } else if (roll < 92) {
      churn();
    } else {
      foreign_marker();
    }
    check();
  }

 private:
  struct Block {
    std::size_t offset;
    std::size_t size;
  };
  struct Saved {
    StackAllocator::Marker marker;
    std::size_t depth;
    bool valid;  // the stack has not held fewer blocks since it was taken
  };

  [[nodiscard]] std::uintptr_t base() const { return reinterpret_cast<std::uintptr_t>(buffer_.get()); }
  [[nodiscard]] std::size_t top() const { return blocks_.empty() ? 0 : blocks_.back().offset + blocks_.back().size; }
  [[nodiscard]] std::byte* at(std::size_t offset) const { return buffer_.get() + offset; }

  void allocate() {
    const std::size_t size = src_.chance(15) ? 0 : src_.chance(80) ? src_.below(300) : src_.size();
    const std::size_t align = src_.chance(85) ? std::size_t{1} << src_.below(8) : src_.align();
    const bool use_try = src_.chance(40);
    // Where the block must start, and whether it fits.
    Outcome want = Outcome::accepted;
    std::size_t offset = 0;
    if (!is_pow2(align) || align > fm::max_alignment) {
      want = Outcome::bad_alignment;
    } else {
      const std::uintptr_t start = align_up(base() + top(), align);
      offset = start - base();
      if (offset > capacity_ || size > capacity_ - offset) want = Outcome::out_of_memory;
    }
    void* p = nullptr;
    const Outcome got = allocate_via(stack_, use_try, size, align, p);
    const std::string what = "allocate(" + std::to_string(size) + ", " + std::to_string(align) + ")";
    expect_outcome(got, as_seen_by(use_try, want), what);
    if (got != Outcome::accepted) return;
    expect(p == at(offset), what + " is not on top of the stack");
    blocks_.push_back({offset, size});
    live_.insert(p, size, ++next_id_);
    requested_ += size;
    ++allocations_;
    high_water_ = std::max(high_water_, top());
  }

  // What a free of (p, size) must do: pop the top block, be ignored, or be refused.
  [[nodiscard]] Outcome verdict(const std::byte* p, std::size_t size) const {
    if (!blocks_.empty() && p == at(blocks_.back().offset) && size == blocks_.back().size) return Outcome::accepted;
    const bool owned = p >= buffer_.get() && p < buffer_.get() + capacity_;
    return owned && !strict_ ? Outcome::accepted : Outcome::bad_free;
  }

  void free_block(std::byte* p, std::size_t size, const std::string& what) {
    const Outcome want = verdict(p, size);
    const bool pops = want == Outcome::accepted && !blocks_.empty() && p == at(blocks_.back().offset) &&
                      size == blocks_.back().size;
    const std::size_t align = std::size_t{1} << src_.below(8);  // the stack does not look at it
    if (pops) live_.erase(p, what);  // before the free poisons it
#if FM_CHECKED
    checked_free(stack_, p, size, align, want, what);
#else
    // Unchecked: check_free still names the misuse, deallocate ignores it.
    expect_outcome(outcome_of([&] { stack_.check_free(p, size, align); }), want, what + " (check_free)");
    expect_outcome(outcome_of([&] { stack_.deallocate(p, size, align); }), Outcome::accepted, what);
#endif
    if (!pops) {
      live_.verify_all(what);
      return;
    }
    requested_ -= size;
    ++deallocations_;
    blocks_.pop_back();
    lower_to(blocks_.size());
  }

  void free_top() {
    if (blocks_.empty()) return;
    free_block(at(blocks_.back().offset), blocks_.back().size, "free of the top block");
  }

  void misuse_free() {
    alignas(16) std::array<std::byte, 32> local{};
    switch (src_.below(5)) {
      case 0: {  // a block below the top
        if (blocks_.size() < 2) return;
        const Block b = blocks_[src_.below(static_cast<std::uint32_t>(blocks_.size() - 1))];
        return free_block(at(b.offset), b.size, "free of a block below the top");
      }
      case 1: {  // an interior pointer of the top block, with the rest of its size
        if (blocks_.empty() || blocks_.back().size < 2) return;
        const Block b = blocks_.back();
        const std::size_t k = 1 + src_.below(static_cast<std::uint32_t>(b.size - 1));
        return free_block(at(b.offset + k), b.size - k, "free of an interior pointer of the top block");
      }
      case 2: {  // the top block with another size
        if (blocks_.empty()) return;
        const Block b = blocks_.back();
        const std::size_t size =
            src_.chance(50) ? b.size + 1 + src_.below(64) : src_.below(static_cast<std::uint32_t>(b.size + 1));
        return free_block(at(b.offset), size, "free of the top block with the wrong size");
      }
      case 3:  // foreign pointers: a stack array, one past the buffer
        return free_block(src_.chance(50) ? local.data() : at(capacity_), src_.below(16), "free of a foreign pointer");
      default: {  // a block of another stack
        void* p = other_.try_allocate(8, 8);
        if (p == nullptr) {
          other_.reset();
          p = other_.allocate(8, 8);
        }
        return free_block(static_cast<std::byte*>(p), 8, "free of another stack's block");
      }
    }
  }

  void rewind() {
    if (markers_.empty()) return;
    const Saved saved = markers_[src_.below(static_cast<std::uint32_t>(markers_.size()))];
    attempt_rewind(saved.marker, saved.valid, saved.depth,
                   saved.valid ? "rewind to a valid marker" : "rewind to a stale marker");
  }

  void foreign_marker() {
    other_.reset();
    (void)other_.allocate(src_.below(64), 8);
    attempt_rewind(other_.mark(), false, 0, "rewind to another stack's marker");
  }

  void attempt_rewind(const StackAllocator::Marker& m, bool valid, std::size_t depth, const std::string& what) {
    if (valid) drop_blocks_above(depth, what);  // verified before the rewind poisons them
    if (src_.chance(50)) {
      expect(stack_.try_rewind(m) == valid, what + " (try_rewind)");
    } else {
#if FM_CHECKED
      expect_outcome(outcome_of([&] { stack_.rewind(m); }), valid ? Outcome::accepted : Outcome::bad_free, what);
#else
      expect_outcome(outcome_of([&] { stack_.rewind(m); }), Outcome::accepted, what);
#endif
    }
    if (valid) {
      lower_to(depth);
    } else {
      live_.verify_all(what);
    }
  }

  // Frees the blocks above the first `depth` (a rewind or reset frees each of them), verifying their contents.
  void drop_blocks_above(std::size_t depth, const std::string& what) {
    while (blocks_.size() > depth) {
      const Block b = blocks_.back();
      live_.erase(at(b.offset), what);
      requested_ -= b.size;
      ++deallocations_;
      blocks_.pop_back();
    }
  }

  // Many drops at rising offsets: more than any bounded history of drops could remember.
  void churn() {
    const std::size_t rounds = 33 + src_.below(16);
    for (std::size_t i = 0; i < rounds; ++i) {
      allocate_exact(8);
      allocate_exact(8);
      free_top();
    }
  }
  void allocate_exact(std::size_t size) {
    const std::size_t offset = align_up(top(), 8);
    if (offset + size > capacity_) return;
    void* p = stack_.allocate(size, 8);
    expect(p == at(offset), "churn allocation is not on top");
    blocks_.push_back({offset, size});
    live_.insert(p, size, ++next_id_);
    requested_ += size;
    ++allocations_;
    high_water_ = std::max(high_water_, top());
  }

  // The stack now holds `depth` blocks: markers taken above that are stale from now on.
  void lower_to(std::size_t depth) {
    for (Saved& s : markers_) s.valid = s.valid && s.depth <= depth;
  }

  void check() {
    const ArenaStats a = stack_.arena_stats();
    const AllocatorStats s = stack_.stats();
    expect(stack_.bytes_used() == top() && a.bytes_used == top() && s.bytes_used == top(), "bytes_used");
    expect(a.padding == top() - requested_, "padding");
    expect(stack_.high_water() == high_water_ && s.bytes_peak == high_water_, "high_water");
    expect(s.allocations == allocations_ && s.deallocations == deallocations_, "allocation counts");
    expect(s.allocations - s.deallocations == blocks_.size(), "live blocks (allocations - deallocations)");
    expect(s.bytes_reserved == capacity_ && a.capacity == capacity_, "capacity");
  }

  Source& src_;
  bool strict_;
  std::size_t capacity_;
  std::unique_ptr<std::byte[]> buffer_;
  StackAllocator stack_;
  StackAllocator other_;
  std::vector<Block> blocks_;
  std::vector<Saved> markers_;
  LiveBlocks<> live_;
  std::size_t requested_ = 0;
  std::size_t high_water_ = 0;
  std::uint64_t allocations_ = 0;
  std::uint64_t deallocations_ = 0;
  std::uint64_t next_id_ = 0;
};

// One model run: a stack (strict or not, capacity chosen by the source), `steps` operations.
inline void run_stack_allocator(Source& src, std::size_t steps) {
  StackHarness harness{src};
  for (std::size_t step = 0; step < steps && !src.done(); ++step) harness.step();
}

}  // namespace fm::model
