// StackAllocator: LIFO allocation over one fixed buffer, unwound by freeing the top block or by rewinding to
// a marker. Misuse (freeing a block that is not the top, rewinding to a stale marker) is always detected: it
// throws fm::bad_free in checked builds (FM_CHECKED) and is ignored, leaving the stack as it was, otherwise.
// Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/upstream.hpp"
#include "fm/core/allocator.hpp"
#include "fm/debug/sanitizer.hpp"

namespace fm {

struct StackAllocatorOptions {
  std::size_t capacity = 64 * 1024;  // bytes of the owned buffer (ignored when a buffer is given)
  std::string_view name = "stack";
  AllocatorRef parent = {};  // where the buffer comes from; the global heap when null
  // false: a free of a block that is not on top is ignored (its memory comes back at rewind/reset) instead of
  // being misuse; this is how std containers, which free in their own order, sit on a stack.
  bool strict_lifo = true;
};

class StackAllocator {
 public:
  // A position in the stack. Valid until the stack is unwound below it (then it is stale) or reset.
  struct Marker {
    std::size_t offset = 0;
    std::size_t requested = 0;
    std::size_t depth = 0;     // live blocks when taken
    std::uint64_t serial = 0;  // serial of the block just below the marker (0 when the stack was empty)
    const StackAllocator* stack = nullptr;
  };

  explicit StackAllocator(StackAllocatorOptions options = {});
  // LIFO over `buffer`, which must outlive the allocator.
  explicit StackAllocator(std::span<std::byte> buffer, StackAllocatorOptions options = {});
  ~StackAllocator();
  StackAllocator(const StackAllocator&) = delete;
  StackAllocator& operator=(const StackAllocator&) = delete;
  // Moving hands the buffer, the live blocks and the counters over; blocks keep their addresses and free
  // through the new object. Markers name the stack they were taken on, so one taken before the move is
  // rejected by the moved stack as taken on another stack: take markers after moving. The moved-from stack
  // holds no memory (capacity 0, top 0, every allocation fails): it may be destroyed, assigned to, reset, or
  // asked its stats. Assigning over a stack gives its buffer back first. What refers to the stack by address
  // (AllocatorRef, debug layers, a MemorySystem registration) still refers to the old object.
  StackAllocator(StackAllocator&& other) noexcept;
  StackAllocator& operator=(StackAllocator&& other) noexcept;

  // Throws fm::bad_alignment or fm::out_of_memory (the stack never grows).
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (void* p = bump(size, align)) return p;
    throw_allocate_error(size, align);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    return bump(size, align);
  }
  // Frees the top block (the newest one still live): `p` its start and `size` its size. Anything else is
  // misuse: see the file comment.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t));
  // Throws the fm::bad_free that a checked deallocate(p, size, align) throws, changing nothing: a foreign
  // pointer, and with strict_lifo anything but the top block's start and size. Runs in every build.
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const;

  [[nodiscard]] Marker mark() const noexcept {
    return Marker{top(), requested_, blocks_.size(), blocks_.empty() ? 0 : blocks_.back().serial, this};
  }
  // Frees everything allocated after `m`. A stale marker throws fm::bad_free (checked builds) or is ignored.
  void rewind(Marker m);
  // rewind's twin: false (and nothing changes) for a marker it can tell is stale.
  [[nodiscard]] bool try_rewind(Marker m) noexcept;
  void reset() noexcept;

  [[nodiscard]] bool owns(const void* p) const noexcept { return p >= begin_ && p < end_; }
  [[nodiscard]] std::size_t max_alignment() const noexcept { return fm::max_alignment; }
  [[nodiscard]] ArenaStats arena_stats() const noexcept;
  // deallocations counts every block freed, by deallocate, rewind or reset: allocations - deallocations is the
  // number of blocks on the stack.
  [[nodiscard]] AllocatorStats stats() const noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return name_; }
  [[nodiscard]] std::size_t bytes_used() const noexcept { return top(); }
  [[nodiscard]] std::size_t high_water() const noexcept { return top() > high_water_ ? top() : high_water_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return static_cast<std::size_t>(end_ - begin_); }

 private:
  // A live block. Serials never repeat, so a marker knows the block under it is still the one it saw: the
  // stack went below a marker exactly when that block was freed, however often it moved since.
  struct Block {
    std::size_t start;  // offset of the block (after its alignment padding)
    std::size_t size;
    std::uint64_t serial;
  };

  [[nodiscard]] std::size_t top() const noexcept { return static_cast<std::size_t>(cursor_ - begin_); }
  [[nodiscard]] void* bump(std::size_t size, std::size_t align) noexcept {
    const std::uintptr_t p =
        bump_start(reinterpret_cast<std::uintptr_t>(cursor_), reinterpret_cast<std::uintptr_t>(end_), size, align);
    if (p == 0 || (blocks_.size() == blocks_.capacity() && !grow_blocks())) return nullptr;
    blocks_.push_back(Block{p - reinterpret_cast<std::uintptr_t>(begin_), size, ++serial_});
    cursor_ = reinterpret_cast<std::byte*>(p + size);
    requested_ += size;
    ++allocations_;
    if (debug::annotations_active) debug::unpoison(reinterpret_cast<void*>(p), size);
    return reinterpret_cast<void*>(p);
  }
  [[nodiscard]] bool is_top_block(const void* p, std::size_t size) const noexcept {
    return !blocks_.empty() && p == begin_ + blocks_.back().start && size == blocks_.back().size;
  }
  // Where the top was when the stack held its first `depth` live blocks.
  [[nodiscard]] std::size_t end_of_first(std::size_t depth) const noexcept {
    return depth == 0 ? 0 : blocks_[depth - 1].start + blocks_[depth - 1].size;
  }
  [[noreturn]] void throw_allocate_error(std::size_t size, std::size_t align) const;
  // Why `m` cannot be rewound to, or empty when it can.
  [[nodiscard]] std::string_view stale_reason(const Marker& m) const noexcept;
  void lower_top(std::size_t offset, std::size_t requested, std::size_t depth) noexcept;
  [[nodiscard]] bool grow_blocks() noexcept;

  std::byte* begin_ = nullptr;
  std::byte* cursor_ = nullptr;
  std::byte* end_ = nullptr;
  std::size_t requested_ = 0;
  std::size_t high_water_ = 0;
  std::uint64_t serial_ = 0;  // of the newest block
  std::uint64_t allocations_ = 0;
  std::uint64_t deallocations_ = 0;
  std::vector<Block> blocks_;  // live blocks, oldest first
  Upstream upstream_;
  bool owns_buffer_;
  bool strict_lifo_;
  std::string name_;
};

}  // namespace fm
