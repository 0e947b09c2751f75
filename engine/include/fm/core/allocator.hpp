// The allocator model: one small concept (allocate/deallocate with size and alignment, optional
// try_allocate, owns, stats and name), plain-counter stats, AllocatorRef to erase the type without a
// heap allocation, and NewAllocator, the global-heap allocator every other one can sit on.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <new>
#include <source_location>
#include <string_view>
#include <type_traits>

#include "fm/core/align.hpp"
#include "fm/core/error.hpp"

namespace fm {

// Plain counters every allocator can report. Cumulative counts let a snapshot diff give per-frame rates.
struct AllocatorStats {
  std::size_t bytes_used = 0;         // bytes currently handed out
  std::size_t bytes_reserved = 0;     // bytes the allocator holds from its parent (its capacity)
  std::size_t bytes_peak = 0;         // high-water mark of bytes_used
  std::uint64_t allocations = 0;      // cumulative successful allocations
  std::uint64_t deallocations = 0;    // cumulative deallocations
  std::uint64_t overflow_events = 0;  // times the allocator had to go beyond its planned capacity
};

template <class A>
concept Allocator = requires(A& a, void* p, std::size_t n, std::size_t align) {
  { a.allocate(n, align) } -> std::same_as<void*>;
  a.deallocate(p, n, align);
};

template <class A>
concept TryAllocator = Allocator<A> && requires(A& a, std::size_t n, std::size_t align) {
  { a.try_allocate(n, align) } noexcept -> std::same_as<void*>;
};

template <class A>
concept OwningAllocator = requires(const A& a, const void* p) {
  { a.owns(p) } -> std::convertible_to<bool>;
};

template <class A>
concept StatsAllocator = requires(const A& a) {
  { a.stats() } -> std::convertible_to<AllocatorStats>;
};

template <class A>
concept NamedAllocator = requires(const A& a) {
  { a.name() } -> std::convertible_to<std::string_view>;
};

// Optional capability: `a.check_free(p, size, align)` throws the fm::bad_free (or other fm::error) that
// `a.deallocate(p, size, align)` would throw for the same arguments, and changes nothing. Debug layers call it
// before they write into a block, so a double or foreign free is rejected before any byte is touched.
template <class A>
concept FreeCheckingAllocator = requires(const A& a, const void* p, std::size_t n, std::size_t align) {
  a.check_free(p, n, align);
};

// Optional capability: the largest alignment `allocate` accepts (like foonathan's allocator_traits). An
// allocator without it is taken to accept up to fm::max_alignment.
template <class A>
concept AlignmentAllocator = requires(const A& a) {
  { a.max_alignment() } -> std::convertible_to<std::size_t>;
};

// Optional capability: `a.allocate(size, align, where)` / `a.try_allocate(size, align, where)` record `where` as
// the caller (fm::Tracking does). Whatever sits between a caller and such an allocator (AllocatorRef, the other
// debug layers) passes the caller's location through, so reports name the real call site.
template <class A>
concept LocatedAllocator = requires(A& a, std::size_t n, std::size_t align, std::source_location where) {
  { a.allocate(n, align, where) } -> std::same_as<void*>;
};

template <class A>
concept LocatedTryAllocator = requires(A& a, std::size_t n, std::size_t align, std::source_location where) {
  { a.try_allocate(n, align, where) } noexcept -> std::same_as<void*>;
};

// Optional capability: `a.set_system_name(name)` hears the name a MemorySystem registered it under, so its
// reports can say which system they are about (fm::Tracking's leak reports do).
template <class A>
concept SystemNamedAllocator = requires(A& a, std::string_view name) { a.set_system_name(name); };

// a.allocate(size, align), telling `where` to an allocator that records call sites.
template <Allocator A>
[[nodiscard]] void* allocate(A& a, std::size_t size, std::size_t align,
                             std::source_location where = std::source_location::current()) {
  if constexpr (LocatedAllocator<A>) {
    return a.allocate(size, align, where);
  } else {
    (void)where;
    return a.allocate(size, align);
  }
}

// Calls a.try_allocate when the allocator has one, otherwise allocate() with framemem errors turned into null;
// `where` reaches an allocator that records call sites. Compiled without exceptions there is nothing to turn into
// null: for an allocator without try_allocate of its own, errors then reach the error handler as from allocate().
template <Allocator A>
[[nodiscard]] void* try_allocate(A& a, std::size_t size, std::size_t align,
                                 std::source_location where = std::source_location::current()) noexcept {
  if constexpr (LocatedTryAllocator<A>) {
    return a.try_allocate(size, align, where);
  } else if constexpr (TryAllocator<A>) {
    (void)where;
    return a.try_allocate(size, align);
  } else {
#if defined(__cpp_exceptions)
    try {
      return fm::allocate(a, size, align, where);
    } catch (const std::bad_alloc&) {
      return nullptr;
    } catch (const error&) {
      return nullptr;
    }
#else
    return fm::allocate(a, size, align, where);
#endif
  }
}

template <class A>
[[nodiscard]] std::size_t max_alignment_of(const A& a) noexcept {
  if constexpr (AlignmentAllocator<A>) {
    return a.max_alignment();
  } else {
    (void)a;
    return max_alignment;
  }
}

// Throws what `a.deallocate(p, size, align)` would throw, changing nothing; a no-op for an allocator that
// cannot check a free in advance.
template <class A>
void check_free(const A& a, const void* p, std::size_t size, std::size_t align) {
  if constexpr (FreeCheckingAllocator<A>) {
    a.check_free(p, size, align);
  } else {
    (void)a, (void)p, (void)size, (void)align;
  }
}

template <class A>
[[nodiscard]] std::string_view name_of(const A& a) noexcept {
  if constexpr (NamedAllocator<A>) {
    return a.name();
  } else {
    return "unnamed";
  }
}

// A non-owning, type-erased reference to any allocator: two pointers, no heap. The referenced
// allocator must outlive the reference. Allocations carry the caller's source location through to an
// allocator that records it, so a tracker behind a reference reports the line that allocated.
class AllocatorRef {
 public:
  AllocatorRef() = default;

  template <Allocator A>
    requires(!std::same_as<std::remove_cvref_t<A>, AllocatorRef>)
  AllocatorRef(A& a) noexcept : object_(&a), vtable_(&vtable_for<A>) {}  // NOLINT: implicit by design

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                               std::source_location where = std::source_location::current()) {
    return vtable_->allocate(object_, size, align, where);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                                   std::source_location where = std::source_location::current()) noexcept {
    return vtable_->try_allocate(object_, size, align, where);
  }
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    vtable_->deallocate(object_, p, size, align);
  }
  // True when the allocator can tell that it owns `p`; false when it cannot tell or does not.
  [[nodiscard]] bool owns(const void* p) const noexcept { return vtable_->owns(object_, p); }
  [[nodiscard]] bool can_tell_ownership() const noexcept { return vtable_->can_tell_ownership; }
  // Throws what deallocate(p, size, align) would throw, changing nothing (see FreeCheckingAllocator).
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const {
    vtable_->check_free(object_, p, size, align);
  }
  [[nodiscard]] std::size_t max_alignment() const noexcept { return vtable_->max_alignment(object_); }
  // Tells the allocator the system name it is registered under (see SystemNamedAllocator); else a no-op.
  void set_system_name(std::string_view name) { vtable_->set_system_name(object_, name); }
  [[nodiscard]] AllocatorStats stats() const noexcept { return vtable_->stats(object_); }
  [[nodiscard]] std::string_view name() const noexcept { return vtable_->name(object_); }
  [[nodiscard]] void* object() const noexcept { return object_; }

  [[nodiscard]] explicit operator bool() const noexcept { return object_ != nullptr; }
  friend bool operator==(const AllocatorRef& a, const AllocatorRef& b) noexcept { return a.object_ == b.object_; }

 private:
  struct VTable {
    void* (*allocate)(void*, std::size_t, std::size_t, std::source_location);
    void* (*try_allocate)(void*, std::size_t, std::size_t, std::source_location) noexcept;
    void (*deallocate)(void*, void*, std::size_t, std::size_t);
    bool (*owns)(const void*, const void*) noexcept;
    void (*check_free)(const void*, const void*, std::size_t, std::size_t);
    std::size_t (*max_alignment)(const void*) noexcept;
    void (*set_system_name)(void*, std::string_view);
    AllocatorStats (*stats)(const void*) noexcept;
    std::string_view (*name)(const void*) noexcept;
    bool can_tell_ownership;
  };

  template <class A>
  static constexpr VTable vtable_for{
      [](void* o, std::size_t n, std::size_t al, std::source_location where) -> void* {
        return fm::allocate(*static_cast<A*>(o), n, al, where);
      },
      [](void* o, std::size_t n, std::size_t al, std::source_location where) noexcept -> void* {
        return fm::try_allocate(*static_cast<A*>(o), n, al, where);
      },
      [](void* o, void* p, std::size_t n, std::size_t al) { static_cast<A*>(o)->deallocate(p, n, al); },
      [](const void* o, const void* p) noexcept -> bool {
        if constexpr (OwningAllocator<A>) {
          return static_cast<const A*>(o)->owns(p);
        } else {
          (void)o, (void)p;
          return false;
        }
      },
      [](const void* o, const void* p, std::size_t n, std::size_t al) {
        fm::check_free(*static_cast<const A*>(o), p, n, al);
      },
      [](const void* o) noexcept -> std::size_t { return max_alignment_of(*static_cast<const A*>(o)); },
      [](void* o, std::string_view name) {
        if constexpr (SystemNamedAllocator<A>) {
          static_cast<A*>(o)->set_system_name(name);
        } else {
          (void)o, (void)name;
        }
      },
      [](const void* o) noexcept -> AllocatorStats {
        if constexpr (StatsAllocator<A>) {
          return static_cast<const A*>(o)->stats();
        } else {
          (void)o;
          return {};
        }
      },
      [](const void* o) noexcept -> std::string_view { return name_of(*static_cast<const A*>(o)); },
      OwningAllocator<A>,
  };

  void* object_ = nullptr;
  const VTable* vtable_ = nullptr;
};

static_assert(sizeof(AllocatorRef) == 2 * sizeof(void*));

// The global heap (aligned operator new/delete) in the allocator model, with counters.
// Not thread-safe in its counters; use one per thread or the capstone fm::Heap for shared use.
class NewAllocator {
 public:
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    check_alignment(name(), align, fm::max_alignment);
    if (!fits_address_space(size, align)) raise(out_of_memory(name(), size, align, PTRDIFF_MAX, "larger than any block"));
    void* p = ::operator new(size == 0 ? 1 : size, std::align_val_t{align});
    note_allocated(size);
    return p;
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    if (!is_pow2(align) || align > fm::max_alignment || !fits_address_space(size, align)) return nullptr;
    void* p = ::operator new(size == 0 ? 1 : size, std::align_val_t{align}, std::nothrow);
    if (p) note_allocated(size);
    return p;
  }
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    if (!p) return;
    ::operator delete(p, std::align_val_t{align});
    stats_.bytes_used -= size;
    stats_.bytes_reserved = stats_.bytes_used;
    ++stats_.deallocations;
  }
  // allocate refuses more (the cap every fm allocator shares), though aligned operator new could give it.
  [[nodiscard]] std::size_t max_alignment() const noexcept { return fm::max_alignment; }
  [[nodiscard]] AllocatorStats stats() const noexcept { return stats_; }
  [[nodiscard]] std::string_view name() const noexcept { return "new"; }

 private:
  void note_allocated(std::size_t size) noexcept {
    stats_.bytes_used += size;
    stats_.bytes_reserved = stats_.bytes_used;
    if (stats_.bytes_used > stats_.bytes_peak) stats_.bytes_peak = stats_.bytes_used;
    ++stats_.allocations;
  }
  AllocatorStats stats_{};
};

// For a container that falls back on a NewAllocator of its own and is moved: the allocator the new container
// uses is its own heap when `alloc` was the other's (the memory moves over with the heap's counters), else
// `alloc` itself.
[[nodiscard]] inline AllocatorRef moved_allocator(AllocatorRef alloc, NewAllocator& from, NewAllocator& to) noexcept {
  return alloc == AllocatorRef(from) ? AllocatorRef(to) : alloc;
}

}  // namespace fm
