// LinearArena: bump allocation over one buffer (owned or the caller's), freed all at once by reset().
// With OverflowPolicy::grow it chains extra chunks instead of failing, counts each overflow, and keeps the
// chunks for reuse so a steady state allocates nothing from its parent. Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "fm/alloc/upstream.hpp"
#include "fm/core/align.hpp"
#include "fm/core/allocator.hpp"
#include "fm/debug/sanitizer.hpp"

namespace fm {

// The bump step shared by the arenas and the stack: the aligned start of a `size`-byte block at or after
// `cursor`, or 0 when the alignment is invalid or the block does not end by `end`.
[[nodiscard]] inline std::uintptr_t bump_start(std::uintptr_t cursor, std::uintptr_t end, std::size_t size,
                                               std::size_t align) noexcept {
  const std::uintptr_t p = (cursor + align - 1) & ~(align - 1);
  if (!is_pow2(align) || align > max_alignment || p > end || size > end - p || p == 0) return 0;
  return p;
}

// What an arena does when a request does not fit: throw/return null, or chain a new chunk.
enum class OverflowPolicy : std::uint8_t { fail, grow };

// Arena counters (DESIGN.md "arena"). bytes_used includes the padding lost to alignment.
struct ArenaStats {
  std::size_t bytes_used = 0;         // bytes taken since the last reset, padding included
  std::size_t padding = 0;            // the part of bytes_used lost to alignment
  std::size_t high_water = 0;         // largest bytes_used ever seen
  std::size_t capacity = 0;           // bytes in all chunks
  std::size_t chunks = 0;             // chunks held (1 unless the arena grew)
  std::uint64_t overflow_events = 0;  // allocations that did not fit the chunk in use (cumulative)
};

struct LinearArenaOptions {
  std::size_t capacity = 64 * 1024;  // bytes of the first chunk (ignored when a buffer is given)
  OverflowPolicy overflow = OverflowPolicy::fail;
  std::string_view name = "linear";
  AllocatorRef parent = {};  // where chunks come from; the global heap when null
};

class LinearArena {
 public:
  explicit LinearArena(LinearArenaOptions options = {});
  // Bump over `buffer`, which must outlive the arena. Extra chunks (policy grow) still come from the parent.
  explicit LinearArena(std::span<std::byte> buffer, LinearArenaOptions options = {});
  ~LinearArena();
  LinearArena(const LinearArena&) = delete;
  LinearArena& operator=(const LinearArena&) = delete;
  // Moving hands the chunks, the objects awaiting their destructors and the counters over; memory handed out
  // stays where it is. The moved-from arena holds no memory (capacity 0, bytes_used 0, one empty chunk): it may
  // be destroyed, assigned to, reset, or asked its stats; a growing one may even allocate again. Assigning over
  // an arena runs its destructors and gives its chunks back first. What refers to the arena by address
  // (AllocatorRef, debug layers, a MemorySystem registration) still refers to the old object.
  LinearArena(LinearArena&& other) noexcept;
  LinearArena& operator=(LinearArena&& other) noexcept;

  // Throws fm::bad_alignment (alignment not a power of two up to fm::max_alignment) or fm::out_of_memory.
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (void* p = bump(size, align)) return p;
    return allocate_slow(size, align);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    if (void* p = bump(size, align)) return p;
    return try_allocate_slow(size, align);
  }
  // Individual frees are no-ops: the memory comes back at reset(). Every pointer is accepted, because a
  // FrameArena hands its current arena the blocks of earlier frames too.
  void deallocate(void* /*p*/, std::size_t /*size*/, std::size_t /*align*/ = alignof(std::max_align_t)) noexcept {
    ++deallocations_;
  }
  // deallocate refuses nothing, so there is nothing to throw; debug layers above still find the capability.
  void check_free(const void* /*p*/, std::size_t /*size*/,
                  std::size_t /*align*/ = alignof(std::max_align_t)) const noexcept {}

  // Constructs a T in the arena; a non-trivial destructor runs at reset(), in reverse order of creation. The
  // object and its finalizer node are one allocation. If T's constructor throws, the arena is rewound first.
  template <class T, class... Args>
  [[nodiscard]] T* make(Args&&... args) {
    const Position before = position();
    return construct<T>(before, allocate(footprint<T>, footprint_align<T>), std::forward<Args>(args)...);
  }
  // Like make, but null when the memory or T's constructor fails, with the arena as it was (a chunk chained
  // for the attempt stays cached for reuse).
  template <class T, class... Args>
  [[nodiscard]] T* try_make(Args&&... args) noexcept {
    const Position before = position();
    void* mem = try_allocate(footprint<T>, footprint_align<T>);
    if (mem == nullptr) return nullptr;
#if defined(__cpp_exceptions)
    try {
      return construct<T>(before, mem, std::forward<Args>(args)...);
    } catch (...) {
      return nullptr;
    }
#else
    return construct<T>(before, mem, std::forward<Args>(args)...);  // no constructor can throw here
#endif
  }

  // Runs registered destructors (newest first), then makes every byte available again. Chunks are kept.
  void reset() noexcept;

  [[nodiscard]] bool owns(const void* p) const noexcept;
  [[nodiscard]] std::size_t max_alignment() const noexcept { return fm::max_alignment; }
  [[nodiscard]] ArenaStats arena_stats() const noexcept;
  [[nodiscard]] AllocatorStats stats() const noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return name_; }
  [[nodiscard]] std::size_t bytes_used() const noexcept { return retired_ + static_cast<std::size_t>(cursor_ - current_->begin); }
  [[nodiscard]] std::size_t high_water() const noexcept { return bytes_used() > high_water_ ? bytes_used() : high_water_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] OverflowPolicy overflow_policy() const noexcept { return policy_; }

 private:
  struct Chunk {
    Chunk* next;
    std::byte* begin;
    std::byte* end;
  };
  // A chained chunk keeps its header in front of its data, padded so the data starts on a cache line.
  static constexpr std::size_t chunk_header = 64;
  static_assert(sizeof(Chunk) <= chunk_header);
  // One registered destructor; lives in the arena next to its object.
  struct Finalizer {
    void (*destroy)(void*) noexcept;
    void* object;
    Finalizer* previous;
  };
  // What make<T> takes: the object, then its finalizer node when T's destructor must run.
  template <class T>
  static constexpr bool needs_finalizer = !std::is_trivially_destructible_v<T>;
  template <class T>
  static constexpr std::size_t finalizer_offset = align_up(sizeof(T), alignof(Finalizer));
  template <class T>
  static constexpr std::size_t footprint = needs_finalizer<T> ? finalizer_offset<T> + sizeof(Finalizer) : sizeof(T);
  template <class T>
  static constexpr std::size_t footprint_align =
      needs_finalizer<T> && alignof(Finalizer) > alignof(T) ? alignof(Finalizer) : alignof(T);
  // Everything an allocation changes, so a failed make can be undone.
  struct Position {
    Chunk* chunk;
    std::byte* cursor;
    Finalizer* finalizers;
    std::size_t retired;
    std::size_t padding;
    std::uint64_t allocations;
    std::uint64_t overflow_events;
  };

  // The whole fast path: align the cursor, check the room, move the cursor. Padding is counted only when
  // there is some, so an aligned request updates one counter besides the cursor (a second one per call
  // doubled the cost of a bump).
  [[nodiscard]] void* bump(std::size_t size, std::size_t align) noexcept {
    const auto cursor = reinterpret_cast<std::uintptr_t>(cursor_);
    const std::uintptr_t p = bump_start(cursor, reinterpret_cast<std::uintptr_t>(end_), size, align);
    if (p == 0) return nullptr;
    cursor_ = reinterpret_cast<std::byte*>(p + size);
    if (p != cursor) [[unlikely]]
      padding_ += p - cursor;
    ++allocations_;
    if (debug::annotations_active) debug::unpoison(reinterpret_cast<void*>(p), size);
    return reinterpret_cast<void*>(p);
  }

  [[nodiscard]] void* allocate_slow(std::size_t size, std::size_t align);
  [[nodiscard]] void* try_allocate_slow(std::size_t size, std::size_t align) noexcept;
  // Moves to a cached or new chunk that fits; false when the policy or the parent says no.
  [[nodiscard]] bool next_chunk(std::size_t size, std::size_t align) noexcept;
  void enter(Chunk* chunk) noexcept;
  void run_finalizers() noexcept;
  [[nodiscard]] Position position() const noexcept {
    return Position{current_, cursor_, finalizers_, retired_, padding_, allocations_, overflow_events_};
  }
  // Back to `before`, re-poisoning the `size` bytes at `block` handed out since.
  void restore(const Position& before, void* block, std::size_t size) noexcept;

  // Builds a T in `mem` (footprint<T> bytes taken after `before`) and registers its finalizer.
  template <class T, class... Args>
  T* construct(const Position& before, void* mem, Args&&... args) {
    T* object = detail::on_error([&] { return ::new (mem) T(std::forward<Args>(args)...); },
                              [&] { restore(before, mem, footprint<T>); });
    if constexpr (needs_finalizer<T>) {
      void* node = static_cast<std::byte*>(mem) + finalizer_offset<T>;
      finalizers_ = ::new (node) Finalizer{[](void* o) noexcept { static_cast<T*>(o)->~T(); }, object, finalizers_};
    }
    return object;
  }

  std::byte* cursor_ = nullptr;
  std::byte* end_ = nullptr;
  Chunk* current_ = &first_;
  Chunk first_{};
  Finalizer* finalizers_ = nullptr;
  std::size_t retired_ = 0;     // bytes_used in chunks left behind since the last reset
  std::size_t padding_ = 0;     // bytes lost to alignment since the last reset
  std::size_t high_water_ = 0;  // as of the last reset
  std::size_t capacity_ = 0;
  std::size_t chunk_size_ = 0;  // size of chunks added on overflow
  std::size_t chunks_ = 1;
  std::uint64_t allocations_ = 0;
  std::uint64_t deallocations_ = 0;
  std::uint64_t overflow_events_ = 0;
  Upstream upstream_;
  OverflowPolicy policy_;
  bool owns_first_;
  std::string name_;
};

}  // namespace fm
