// Reference model of fm::FrameArena for one thread: the blocks of every frame whose buffer is still alive
// (frame F lives through F+N-1) with the bytes written into them, the objects whose destructors are due,
// and the counters the arena must report. The threaded test runs one per thread over a shared arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory_resource>
#include <string>
#include <vector>

#include "fm/alloc/frame_arena.hpp"
#include "handle/budget_allocator.hpp"
#include "model/source.hpp"

namespace fm::model {

// An object with a destructor, so make<T>() must register it and run it when its buffer is recycled.
struct FrameCounted {
  explicit FrameCounted(std::uint64_t* destroyed_count) noexcept : destroyed(destroyed_count) {}
  FrameCounted(const FrameCounted&) = delete;
  FrameCounted& operator=(const FrameCounted&) = delete;
  ~FrameCounted() { ++*destroyed; }
  std::uint64_t* destroyed;
};

class FrameThreadModel {
 public:
  struct Block {
    unsigned char* p;
    std::size_t size;
    std::uint64_t frame;
    unsigned char fill;
  };

  // `budget` is what the arena's parent gives in all; a request larger than that can never succeed.
  // `destroyed` counts the destructor runs of this model's objects; it must outlive the arena, whose
  // destructor runs those still alive.
  FrameThreadModel(FrameArena& arena, std::size_t budget, std::string who, std::uint64_t& destroyed)
      : arena_(arena), budget_(budget), who_(std::move(who)), destroyed_(destroyed) {}

  void step(Source& src) {
    const std::uint32_t op = src.below(100);
    if (op < 50) return allocate(src, src.below(3));
    // try_make only under policy grow: under policy fail it is LinearArena::try_make's own contract (a
    // full buffer), which that arena's model checks.
    if (op < 58) return make(src.chance(50) || local_policy() == OverflowPolicy::fail);
    if (op < 72) return deallocate(src);
    if (op < 80 && alone_) return check_ownership(src);  // owns() looks at every thread's buffers
    verify_one(src);
  }

  // Other threads use the arena between frame flips: owns() is then left to check_ownership() at the
  // frame boundary.
  void share_arena() noexcept { alone_ = false; }

  void check_ownership(Source& src) const {
    int local_variable = 0;
    expect(!arena_.owns(&local_variable), who_ + ": owns a stack variable");
    if (blocks_.empty()) return;
    const Block& b = blocks_[src.below(static_cast<std::uint32_t>(blocks_.size()))];
    if (b.size > 0) expect(arena_.owns(b.p) && arena_.owns(b.p + b.size - 1), who_ + ": does not own a live block");
  }

  // The arena moved to frame `now`: blocks of frames now-N and older are gone, their objects destroyed.
  void frame_flipped(std::uint64_t now) {
    const std::size_t n = arena_.buffer_count();
    std::erase_if(blocks_, [&](const Block& b) { return b.frame + n <= now; });  // their buffer is reused
    verify_all();
    while (!objects_.empty() && objects_.front().first + n <= now) {
      expected_destroyed_ += objects_.front().second;
      objects_.pop_front();
    }
    expect(destroyed_ == expected_destroyed_, who_ + ": " + std::to_string(destroyed_) + " objects destroyed, the model " +
                                                  std::to_string(expected_destroyed_));
    requested_ = 0;
    frame_ = now;
  }

  void verify_all() const {
    for (const Block& b : blocks_) verify(b);
  }
  void verify_one(Source& src) const {
    if (!blocks_.empty()) verify(blocks_[src.below(static_cast<std::uint32_t>(blocks_.size()))]);
  }

  // Reads another thread's blocks of the frame before (still valid) and frees one: a no-op from here.
  void visit_neighbour(Source& src, const FrameThreadModel& other) {
    for (const Block& b : other.blocks_) {
      if (b.frame + 1 >= frame_) verify(b);
    }
    if (!other.blocks_.empty()) {
      const Block& b = other.blocks_[src.below(static_cast<std::uint32_t>(other.blocks_.size()))];
      arena_.deallocate(b.p, b.size, 1);
      ++deallocations_;
    }
  }

  [[nodiscard]] const std::vector<Block>& blocks() const noexcept { return blocks_; }
  [[nodiscard]] std::uint64_t allocations() const noexcept { return allocations_; }
  [[nodiscard]] std::uint64_t deallocations() const noexcept { return deallocations_; }
  [[nodiscard]] std::size_t requested() const noexcept { return requested_; }
  [[nodiscard]] bool has_state() const noexcept { return has_state_; }
  [[nodiscard]] std::uint64_t objects_made() const noexcept { return made_; }

 private:
  void verify(const Block& b) const {
    for (std::size_t i = 0; i < b.size; ++i) {
      if (b.p[i] != static_cast<unsigned char>(b.fill + i)) {
        throw mismatch(who_ + ": block of " + std::to_string(b.size) + " bytes from frame " + std::to_string(b.frame) +
                       " changed at byte " + std::to_string(i) + " in frame " + std::to_string(frame_));
      }
    }
  }

  OverflowPolicy local_policy() const { return arena_.local().overflow_policy(); }

  static bool good_alignment(std::size_t align) { return align != 0 && (align & (align - 1)) == 0 && align <= 4096; }

  // What the arena must do with a request: policy fail succeeds when the block fits with the worst padding
  // and fails when it cannot fit at all; policy grow succeeds up to 1 MiB (the parent's budget holds every
  // chunk a run needs); nothing larger than the parent's whole budget can ever succeed.
  enum class Must { succeed, fail, either };
  Must outcome(std::size_t size, std::size_t align) const {
    if (!good_alignment(align) || size > budget_) return Must::fail;
    if (local_policy() == OverflowPolicy::grow) return size <= (1u << 20) ? Must::succeed : Must::either;
    const ArenaStats now = arena_.local().arena_stats();
    const std::size_t left = now.capacity - now.bytes_used;
    if (size > left) return Must::fail;
    return align - 1 <= left - size ? Must::succeed : Must::either;
  }

  // how: 0 allocate, 1 try_allocate, 2 through the pmr resource (whose callers pass good alignments only).
  void allocate(Source& src, std::uint32_t how) {
    const std::size_t size = src.size();
    const std::size_t align = src.chance(85) ? std::size_t{1} << src.below(8) : src.align();
    if (how == 2 && (align == 0 || (align & (align - 1)) != 0)) return;
    LinearArena& local = arena_.local();  // the calling thread's state exists from here on
    has_state_ = true;
    const Must must = outcome(size, align);
    const AllocatorStats before = local.stats();
    const ArenaStats before_arena = local.arena_stats();
    void* p = nullptr;
    bool threw = false;
    try {
      p = how == 0 ? arena_.allocate(size, align)
          : how == 1 ? arena_.try_allocate(size, align)
                     : arena_.resource().allocate(size, align);
    } catch (const bad_alignment&) {
      threw = true;
      expect(how != 1 && !good_alignment(align), who_ + ": bad_alignment for a good alignment, or from try_allocate");
    } catch (const out_of_memory&) {
      threw = true;
      expect(how != 1, who_ + ": try_allocate threw");
    }
    if (p == nullptr) {
      expect(must != Must::succeed, who_ + ": allocate(" + std::to_string(size) + ", " + std::to_string(align) +
                                        ") failed with room left");
      expect(how == 1 || threw, who_ + ": allocate returned null");
      const AllocatorStats after = local.stats();
      const ArenaStats after_arena = local.arena_stats();
      expect(after.allocations == before.allocations && after.bytes_used == before.bytes_used &&
                 after.bytes_reserved == before.bytes_reserved && after_arena.chunks == before_arena.chunks &&
                 after_arena.overflow_events == before_arena.overflow_events,
             who_ + ": a refused allocation changed the arena");
      return;
    }
    expect(must != Must::fail, who_ + ": allocate(" + std::to_string(size) + ", " + std::to_string(align) +
                                   ") succeeded but must fail");
    expect(reinterpret_cast<std::uintptr_t>(p) % align == 0, who_ + ": block misaligned");
    add_block(static_cast<unsigned char*>(p), size);
    ++allocations_;
    requested_ += size;
  }

  void add_block(unsigned char* p, std::size_t size) {
    for (const Block& b : blocks_) {
      const bool apart = size == 0 || b.size == 0 || p + size <= b.p || b.p + b.size <= p;
      expect(apart, who_ + ": a new block overlaps a live one from frame " + std::to_string(b.frame));
    }
    const auto fill = static_cast<unsigned char>(next_fill_++ * 37);
    for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<unsigned char>(fill + i);
    blocks_.push_back({p, size, frame_, fill});
  }

  // An object with a destructor: the arena's own bookkeeping for it is folded into the model's counters.
  void make(bool throwing) {
    LinearArena& local = arena_.local();
    has_state_ = true;
    const std::uint64_t before = local.stats().allocations;
    const std::size_t before_used = local.arena_stats().bytes_used - local.arena_stats().padding;
    FrameCounted* object = nullptr;
    try {
      object = throwing ? arena_.make<FrameCounted>(&destroyed_) : arena_.try_make<FrameCounted>(&destroyed_);
    } catch (const out_of_memory& e) {
      expect(throwing, who_ + ": try_make threw: " + e.what());
    }
    // A refused make may still have used bytes for the object before its destructor record failed to fit.
    allocations_ += local.stats().allocations - before;
    requested_ += local.arena_stats().bytes_used - local.arena_stats().padding - before_used;
    if (object == nullptr) return;
    expect(object->destroyed == &destroyed_, who_ + ": make did not construct its object");
    ++made_;
    if (objects_.empty() || objects_.back().first != frame_) objects_.emplace_back(frame_, 0);
    ++objects_.back().second;
  }

  void deallocate(Source& src) {
    int local_variable = 0;
    const Block* b = blocks_.empty() ? nullptr : &blocks_[src.below(static_cast<std::uint32_t>(blocks_.size()))];
    void* p = b != nullptr && src.chance(80) ? static_cast<void*>(b->p) : &local_variable;  // foreign ones too
    const std::size_t size = b != nullptr ? b->size : sizeof local_variable;
    arena_.check_free(p, size, 8);  // accepts what deallocate accepts: everything
    if (src.chance(20)) {
      arena_.resource().deallocate(p, size, 8);
    } else {
      arena_.deallocate(p, size, 8);
    }
    ++deallocations_;
  }

  FrameArena& arena_;
  std::size_t budget_;
  std::string who_;
  std::vector<Block> blocks_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> objects_;  // (frame, objects made in it)
  std::uint64_t& destroyed_;
  std::uint64_t expected_destroyed_ = 0;
  std::uint64_t made_ = 0;
  std::uint64_t allocations_ = 0;
  std::uint64_t deallocations_ = 0;
  std::size_t requested_ = 0;  // bytes asked for in the current frame
  std::uint64_t frame_ = 0;
  unsigned next_fill_ = 1;
  bool has_state_ = false;
  bool alone_ = true;
};

// The options a run uses, drawn from the source: small buffers so overflow is common, both policies,
// one to three buffers, and a parent with a budget so huge requests are refused by it.
inline FrameArenaOptions frame_options(Source& src, AllocatorRef parent) {
  return {.capacity = std::size_t{256} << src.below(6),
          .buffers = 1 + src.below(3),
          .overflow = src.chance(50) ? OverflowPolicy::fail : OverflowPolicy::grow,
          .name = "model frame",
          .parent = parent};
}
inline constexpr std::size_t frame_model_budget = 32u << 20;

inline void run_frame_arena(Source& src, std::size_t steps) {
  test::BudgetAllocator parent(frame_model_budget);
  std::uint64_t destroyed = 0;
  std::uint64_t made = 0;
  {
    FrameArena arena(frame_options(src, parent));
    expect(arena.max_alignment() == 4096 && max_alignment_of(arena) == 4096, "max_alignment is not 4096");
    FrameThreadModel m(arena, frame_model_budget, "frame arena", destroyed);
    std::uint64_t frames = 0;
    for (std::size_t step = 0; step < steps && !src.done(); ++step) {
      if (src.chance(8)) {
        arena.next_frame();
        expect(arena.frame() == ++frames, "frame() does not count next_frame() calls");
        m.frame_flipped(frames);
      } else {
        m.step(src);
      }
      const AllocatorStats s = arena.stats();
      const ArenaStats a = arena.arena_stats();
      expect(s.allocations == m.allocations(), "allocations: arena " + std::to_string(s.allocations) + ", model " +
                                                   std::to_string(m.allocations()));
      expect(s.deallocations == m.deallocations(), "deallocations differ from the model");
      expect(a.bytes_used - a.padding == m.requested(), "bytes asked for this frame: arena " +
                                                           std::to_string(a.bytes_used - a.padding) + ", model " +
                                                           std::to_string(m.requested()));
      expect(arena.thread_count() == (m.has_state() ? 1u : 0u), "thread states differ from the model");
      // Chained chunks also hold a header from the parent that bytes_reserved does not count.
      expect(s.bytes_reserved <= parent.stats().bytes_used, "bytes_reserved exceeds what the parent gave");
    }
    made = m.objects_made();
  }
  expect(destroyed == made, "the arena's destructor left " + std::to_string(made - destroyed) + " objects alive");
  expect(parent.stats().bytes_used == 0, "the arena kept memory of its parent after destruction");
}

}  // namespace fm::model
