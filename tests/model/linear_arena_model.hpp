// Reference model of fm::LinearArena and the step function its doctest and libFuzzer drivers share: a bump
// offset (exact over a fixed buffer; over chained chunks, the bytes requested and the parent's ledger), the live
// blocks since the last reset, and the objects made since then, whose destructors reset must run newest first.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fm/alloc/linear_arena.hpp"
#include "model/alloc_checks.hpp"
#include "model/ledger_allocator.hpp"
#include "model/source.hpp"

namespace fm::model {

// An object whose destructor reset must run: it logs its id when destroyed. Refuses to be built on request.
struct Finalized {
  Finalized(std::vector<std::uint64_t>* log, std::uint64_t id, bool refuse) : log_(log), id_(id) {
    if (refuse) throw std::runtime_error("constructor refused");
  }
  ~Finalized() { log_->push_back(id_); }
  Finalized(const Finalized&) = delete;
  Finalized& operator=(const Finalized&) = delete;
  std::vector<std::uint64_t>* log_;
  std::uint64_t id_;
  std::array<std::byte, 40> payload_{};
};

class LinearArenaHarness {
 public:
  explicit LinearArenaHarness(Source& src)
      : src_(src),
        grow_(src.chance(50)),
        capacity_(std::size_t{512} << src.below(6)),
        ledger_(fm::max_alignment, ledger_cap),
        buffer_(grow_ ? nullptr : std::make_unique<std::byte[]>(capacity_)) {
    const LinearArenaOptions options{.capacity = capacity_,
                                     .overflow = grow_ ? OverflowPolicy::grow : OverflowPolicy::fail,
                                     .name = "model",
                                     .parent = ledger_};
    arena_ = grow_ ? std::make_unique<LinearArena>(options)
                   : std::make_unique<LinearArena>(std::span<std::byte>(buffer_.get(), capacity_), options);
  }
  LinearArenaHarness(const LinearArenaHarness&) = delete;
  LinearArenaHarness& operator=(const LinearArenaHarness&) = delete;

  void step() {
    const unsigned roll = src_.below(100);
    if (roll < 45) {
      allocate();
    } else if (roll < 60) {
      free_live();
    } else if (roll < 85) {
      make();
    } else if (roll < 90) {
      reset();
    } else if (roll < 97) {
      allocate(src_.size(), src_.align());  // huge sizes and bad alignments too
    } else {
      move_arena();
    }
    check();
  }

  // The arena moves to a new object (as when a vector holding it grows): its blocks, objects awaiting their
  // destructors and counters are the new object's, no destructor runs, and the moved-from arena is empty.
  void move_arena() {
    auto moved = std::make_unique<LinearArena>(std::move(*arena_));
    expect(arena_->capacity() == 0 && arena_->bytes_used() == 0 && arena_->stats().allocations == 0,
           "a moved-from arena is empty");
    arena_ = std::move(moved);
  }

  // The arena dies with objects made since the last reset: their destructors run once, newest first.
  void finish() {
    arena_.reset();
    expect_destroyed_newest_first("arena destructor");
  }

 private:
  struct State {
    std::size_t used, padding, capacity, chunks;
    std::uint64_t allocations, deallocations, overflows;
    std::size_t parent_bytes;
    bool operator==(const State&) const = default;
  };
  [[nodiscard]] State state() const {
    const ArenaStats a = arena_->arena_stats();
    const AllocatorStats s = arena_->stats();
    return State{a.bytes_used, a.padding, a.capacity, a.chunks, s.allocations, s.deallocations, a.overflow_events,
                 ledger_.stats().bytes_used};
  }
  [[nodiscard]] std::uintptr_t base() const { return reinterpret_cast<std::uintptr_t>(buffer_.get()); }

  void allocate() { allocate(src_.below(600), std::size_t{1} << src_.below(13)); }
  void allocate(std::size_t size, std::size_t align) {
    const bool use_try = src_.chance(40);
    const State before = state();
    void* p = nullptr;
    const Outcome got = allocate_via(*arena_, use_try, size, align, p);
    const std::string what = "allocate(" + std::to_string(size) + ", " + std::to_string(align) + ")";
    Outcome want = Outcome::accepted;
    std::size_t start = 0;
    if (!is_pow2(align) || align > fm::max_alignment) {
      want = Outcome::bad_alignment;
    } else if (!grow_) {
      start = align_up(base() + offset_, align) - base();
      if (start > capacity_ || size > capacity_ - start) want = Outcome::out_of_memory;
    } else if (got == Outcome::out_of_memory) {
      // Over chained chunks the model does not place blocks; a refusal is right only when a new chunk for the
      // request (64-byte header, at least the chunk size) could not come from the capped parent.
      const std::size_t room = ledger_cap - ledger_.stats().bytes_used;
      const bool impossible = size > std::numeric_limits<std::size_t>::max() / 2 ||
                              64 + std::max(capacity_, size + align) > room;
      expect(impossible, what + " refused though the parent had room for a new chunk");
      want = Outcome::out_of_memory;
    }
    expect_outcome(got, as_seen_by(use_try, want), what);
    if (got != Outcome::accepted) {
      expect(state() == before, what + " failed but changed the arena");
      return;
    }
    expect(is_aligned(p, align) && (size == 0 || arena_->owns(p)), what + " gave a misaligned or foreign block");
    if (!grow_) {
      expect(p == buffer_.get() + start, what + " is not at the bump offset");
      offset_ = start + size;
    }
    requested_ += size;
    ++allocations_;
    live_.insert(p, size, ++next_id_, align);
  }

  // Frees are no-ops until reset; check_free refuses nothing either.
  void free_live() {
    if (live_.empty()) return;
    const auto [p, b] = live_.at(src_.below(static_cast<std::uint32_t>(live_.size())));
    const State before = state();
    checked_free(*arena_, p, b.size, b.extra, Outcome::accepted, "free");
    ++deallocations_;
    State after = before;
    ++after.deallocations;
    expect(state() == after, "a free changed more than the free count");
  }

  void make() {
    const bool refuse = src_.chance(10);
    const bool use_try = src_.chance(50);
    const State before = state();
    const std::uint64_t id = ++next_id_;
    Finalized* object = nullptr;
    bool full = false;
    bool refused = false;
    try {
      object = use_try ? arena_->try_make<Finalized>(&log_, id, refuse) : arena_->make<Finalized>(&log_, id, refuse);
    } catch (const fm::out_of_memory&) {
      full = true;
    } catch (const std::runtime_error&) {
      refused = true;
    }
    expect(!use_try || (!full && !refused), "try_make threw");
    if (object == nullptr) {
      expect(use_try || full || refused, "make returned null");
      expect(!refused || refuse, "make threw the constructor's exception for a constructor that does not throw");
      // A chunk chained for the attempt stays cached: capacity and chunks may grow, nothing else.
      State now = state();
      now.capacity = before.capacity;
      now.chunks = before.chunks;
      now.parent_bytes = before.parent_bytes;
      expect(now == before, "a failed make changed the arena");
      expect(log_.empty(), "a failed make ran a destructor");
      return;
    }
    expect(!refuse, "make built an object whose constructor throws");
    expect(is_aligned(object, alignof(Finalized)) && arena_->owns(object), "make gave a misaligned or foreign object");
    // The object and its finalizer node are one allocation; the model follows the arena's offset past it.
    const State after = state();
    expect(after.allocations == before.allocations + 1, "make took more than one allocation");
    expect(after.used - after.padding >= before.used - before.padding + sizeof(Finalized), "make requested too little");
    live_.insert(object, sizeof(Finalized), id, alignof(Finalized), false);
    made_.push_back(id);
    ++allocations_;
    requested_ += (after.used - after.padding) - (before.used - before.padding);
    if (!grow_) offset_ = after.used;
  }

  void reset() {
    live_.verify_all("before reset");
    arena_->reset();
    expect_destroyed_newest_first("reset");
    live_.clear();
    offset_ = 0;
    requested_ = 0;
  }
  void expect_destroyed_newest_first(const std::string& what) {
    std::vector<std::uint64_t> want(made_.rbegin(), made_.rend());
    expect(log_ == want, what + " did not run the destructors of the objects made, newest first");
    log_.clear();
    made_.clear();
  }

  void check() {
    const State s = state();
    expect(s.used - s.padding == requested_, "bytes requested");
    if (!grow_) expect(s.used == offset_ && s.capacity == capacity_ && s.chunks == 1, "fixed arena offset");
    expect(s.allocations == allocations_ && s.deallocations == deallocations_, "allocation counts");
    // The parent holds the first buffer and every chained chunk with its 64-byte header.
    if (grow_) expect(s.parent_bytes == s.capacity + 64 * (s.chunks - 1), "the parent holds other bytes than the chunks");
    expect(arena_->high_water() >= s.used, "high water below bytes used");
    if (++steps_ % 32 == 0) live_.verify_all("arena contents");
  }

  static constexpr std::size_t ledger_cap = 256 * 1024;

  Source& src_;
  bool grow_;
  std::size_t capacity_;
  LedgerAllocator ledger_;
  std::unique_ptr<std::byte[]> buffer_;
  std::unique_ptr<LinearArena> arena_;
  LiveBlocks<std::size_t> live_;  // extra: the alignment it was asked for
  std::vector<std::uint64_t> made_;
  std::vector<std::uint64_t> log_;
  std::size_t offset_ = 0;
  std::size_t requested_ = 0;
  std::uint64_t allocations_ = 0;
  std::uint64_t deallocations_ = 0;
  std::uint64_t next_id_ = 0;
  std::size_t steps_ = 0;
};

// One model run: a fixed or growing arena chosen by the source, `steps` operations.
inline void run_linear_arena(Source& src, std::size_t steps) {
  LinearArenaHarness harness{src};
  for (std::size_t step = 0; step < steps && !src.done(); ++step) harness.step();
  harness.finish();
}

}  // namespace fm::model
