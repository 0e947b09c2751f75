// Guard bytes: a decorator that puts fill::guard bytes before and after every block and checks them on
// free and on demand (verify()), naming the block and the side that was overwritten. Live blocks are
// linked through a small header inside each allocation, so verify() needs no heap of its own; a mark in
// the header tells a live block from a freed or foreign one before the header is trusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <source_location>
#include <string>

#include "fm/core/error.hpp"
#include "fm/debug/decorator.hpp"
#include "fm/debug/filled.hpp"
#include "fm/debug/sanitizer.hpp"

namespace fm {

// Which guard of a block was overwritten and how.
struct GuardViolation {
  enum class Side { before, after };
  const void* block = nullptr;  // the user pointer
  std::size_t size = 0;         // the user size
  std::uint64_t serial = 0;     // n-th allocation of this Guarded (1-based), stable across runs
  Side side = Side::after;
  std::ptrdiff_t offset = 0;    // of the bad byte nearest the block, from the block's start (-1 = just before)
  unsigned char found = 0;      // what was there instead of fill::guard
};

// A guard byte was overwritten: memory corruption by a buffer overrun or underrun.
class guard_overwritten : public error {
 public:
  guard_overwritten(std::string_view allocator, const GuardViolation& v);
  [[nodiscard]] const GuardViolation& violation() const noexcept { return violation_; }

 private:
  GuardViolation violation_;
};

namespace debug {

// The header in front of every guarded block: the live-block list and what deallocate must match.
struct GuardHeader {
  GuardHeader* prev;
  GuardHeader* next;
  std::size_t size;
  std::size_t align;
  std::uint64_t serial;
  // live_mark(this) while the block is handed out, freed_mark once given back. Last in the header, because the
  // allocators below keep their free-list links in a freed block's first words (a pool one pointer, glibc
  // malloc up to four), so a double free still finds the mark it left.
  std::uintptr_t mark;
};

inline constexpr std::uintptr_t freed_mark = 0xDEADF4EEDEADF4EEu;
[[nodiscard]] inline std::uintptr_t live_mark(const GuardHeader* h) noexcept {
  return reinterpret_cast<std::uintptr_t>(h) ^ 0x6A09E667F3BCC908u;  // keyed by address: a copied header is not live
}

// Layout of one guarded block: [GuardHeader | guard bytes | user bytes | guard bytes].
struct GuardLayout {
  // `total` of a block too large to exist: its size plus header and guards does not fit in a size_t.
  static constexpr std::size_t too_large = std::numeric_limits<std::size_t>::max();

  std::size_t front;  // offset of the user bytes from the start of the inner block
  std::size_t total;  // bytes asked from the inner allocator, or too_large
  std::size_t align;  // alignment asked from the inner allocator

  // `align` must be a power of two.
  static constexpr GuardLayout of(std::size_t size, std::size_t align, std::size_t guard_bytes) noexcept {
    const std::size_t inner_align = align > alignof(GuardHeader) ? align : alignof(GuardHeader);
    const std::size_t front = align_up(sizeof(GuardHeader) + guard_bytes, inner_align);
    const bool fits = size <= too_large - front - guard_bytes;
    return {front, fits ? front + size + guard_bytes : too_large, inner_align};
  }
  [[nodiscard]] constexpr bool fits() const noexcept { return total != too_large; }
};

// First overwritten guard byte of a block, if any.
std::optional<GuardViolation> check_guards(const GuardHeader& h, std::size_t guard_bytes) noexcept;

// The errors of Guarded, worded once.
[[nodiscard]] out_of_memory guarded_too_large(std::string_view allocator, std::size_t size, std::size_t align,
                                              std::size_t guard_bytes);
[[nodiscard]] bad_free guarded_size_mismatch(std::string_view allocator, const void* p, const GuardHeader& h,
                                             std::size_t size, std::size_t align);
[[nodiscard]] bad_free guarded_impossible_free(std::string_view allocator, const void* p, std::size_t size,
                                               std::size_t align);
[[nodiscard]] bad_free guarded_double_free(std::string_view allocator, const void* p);

}  // namespace debug

template <class A>
class Guarded : public debug::Decorator<A> {
  using Base = debug::Decorator<A>;
  using Header = debug::GuardHeader;

 public:
  // Guard bytes on each side of every block.
  static constexpr std::size_t guard_bytes = 16;

  using Base::Base;

  // Bytes the inner allocator is asked for per block, e.g. to size the blocks of a Pool under a Guarded;
  // debug::GuardLayout::too_large when no such block can exist.
  [[nodiscard]] static constexpr std::size_t inner_size(std::size_t size, std::size_t align) noexcept {
    return debug::GuardLayout::of(size, is_pow2(align) ? align : 1, guard_bytes).total;
  }

  // Throws fm::bad_alignment, or fm::out_of_memory when the size plus guards overflows or the inner allocator
  // says so.
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                               std::source_location where = std::source_location::current()) {
    check_alignment(this->name(), align, max_alignment);
    const auto layout = debug::GuardLayout::of(size, align, guard_bytes);
    if (!layout.fits()) raise(debug::guarded_too_large(this->name(), size, align, guard_bytes));
    return link(fm::allocate(this->inner_, layout.total, layout.align, where), layout, size, align);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                                   std::source_location where = std::source_location::current()) noexcept {
    if (!is_pow2(align) || align > max_alignment) return nullptr;
    const auto layout = debug::GuardLayout::of(size, align, guard_bytes);
    if (!layout.fits()) return nullptr;
    void* raw = fm::try_allocate(this->inner_, layout.total, layout.align, where);
    return raw ? link(raw, layout, size, align) : nullptr;
  }

  // Throws what deallocate would throw (bad_free, guard_overwritten) and changes nothing.
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const {
    if (p) (void)live_header(p, size, align);
  }
  // Rejects a double free, a foreign or interior pointer and a wrong size or alignment with fm::bad_free, and an
  // overwritten guard with guard_overwritten (the block stays live), before anything changes; then frees.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (!p) return;
    auto* h = const_cast<Header*>(live_header(p, size, align));
    const auto layout = debug::GuardLayout::of(size, align, guard_bytes);
    unlink(h);
    detail::on_error([&] { this->inner_.deallocate(h, layout.total, layout.align); }, [&] { relink(h); });
  }

  // First overwritten guard among all live blocks, or nothing when every guard is intact.
  [[nodiscard]] std::optional<GuardViolation> try_verify() const noexcept {
    for (const Header* h = head_; h; h = h->next) {
      if (auto v = debug::check_guards(*h, guard_bytes)) return v;
    }
    return std::nullopt;
  }
  // Throws guard_overwritten for the first overwritten guard among all live blocks.
  void verify() const {
    if (auto v = try_verify()) raise(guard_overwritten(this->name(), *v));
  }

  [[nodiscard]] std::size_t live_blocks() const noexcept { return live_; }

 private:
  // The header of `p` when it is a live block of this allocator allocated with `size` and `align`; throws
  // otherwise. Nothing of the block is read before the layers below accepted it (when they can check) and
  // its mark says live, so a freed or foreign block is never taken for a header.
  const Header* live_header(const void* p, std::size_t size, std::size_t align) const {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const auto layout = debug::GuardLayout::of(size, is_pow2(align) ? align : 1, guard_bytes);
    if (!is_pow2(align) || align > max_alignment || !layout.fits() || at < layout.front) {
      raise(debug::guarded_impossible_free(this->name(), p, size, align));
    }
    // Every block of ours is aligned to the inner alignment, header included: anything else is not ours, and
    // reading a header there would be a misaligned access.
    if (!is_aligned(at, layout.align)) raise(debug::foreign_pointer(this->name(), p));
    const auto* h = reinterpret_cast<const Header*>(at - layout.front);
    if constexpr (FreeCheckingAllocator<typename Base::inner_type>) {
      detail::on_error([&] { fm::check_free(this->inner_, h, layout.total, layout.align); },
               [&](const std::exception& refused) {
                 // Named as the caller sees the block: a pointer the inner allocator does not know, or a live
                 // block freed with another size (the mark is read only in memory the inner allocator says it
                 // owns). Any other refusal goes on as it is.
                 if (dynamic_cast<const bad_free*>(&refused) == nullptr) return;
                 if (!inner_may_own(h)) raise(debug::foreign_pointer(this->name(), p));
                 if constexpr (OwningAllocator<typename Base::inner_type>) {
                   if (marked_live(h) && (h->size != size || h->align != align)) {
                     raise(debug::guarded_size_mismatch(this->name(), p, *h, size, align));
                   }
                 }
               });
    } else if (!inner_may_own(h)) {
      raise(debug::foreign_pointer(this->name(), p));
    }
    if (!marked_live(h)) {
      if (debug::addressable(&h->mark, sizeof h->mark) && h->mark == debug::freed_mark) {
        raise(debug::guarded_double_free(this->name(), p));
      }
      raise(debug::foreign_pointer(this->name(), p));
    }
    if (h->size != size || h->align != align) raise(debug::guarded_size_mismatch(this->name(), p, *h, size, align));
    if (auto v = debug::check_guards(*h, guard_bytes)) raise(guard_overwritten(this->name(), *v));
    return h;
  }
  // Whether `h` is the header of a live block, read only where ASan does not forbid it.
  static bool marked_live(const Header* h) noexcept {
    return debug::addressable(&h->mark, sizeof h->mark) && h->mark == debug::live_mark(h);
  }
  // False when the inner allocator can tell that `h` is not one of its blocks.
  bool inner_may_own(const Header* h) const noexcept {
    if constexpr (OwningAllocator<typename Base::inner_type>) {
      return this->inner_.owns(h);
    } else {
      (void)h;
      return true;
    }
  }
  void* link(void* raw, const debug::GuardLayout& layout, std::size_t size, std::size_t align) noexcept {
    auto* bytes = static_cast<unsigned char*>(raw);
    std::memset(bytes + sizeof(Header), fill::guard, layout.front - sizeof(Header));
    std::memset(bytes + layout.front + size, fill::guard, guard_bytes);
    relink(::new (raw) Header{nullptr, nullptr, size, align, ++serial_, 0});
    return bytes + layout.front;
  }
  void relink(Header* h) noexcept {
    h->prev = nullptr;
    h->next = head_;
    h->mark = debug::live_mark(h);
    if (head_) head_->prev = h;
    head_ = h;
    ++live_;
  }
  // Clears the mark before the block goes back, so a second free of it is recognised.
  void unlink(Header* h) noexcept {
    (h->prev ? h->prev->next : head_) = h->next;
    if (h->next) h->next->prev = h->prev;
    h->mark = debug::freed_mark;
    --live_;
  }

  Header* head_ = nullptr;
  std::size_t live_ = 0;
  std::uint64_t serial_ = 0;
};

}  // namespace fm
