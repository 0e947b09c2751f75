// Fill patterns: a decorator that paints every block it hands out and every block given back, so a
// debugger shows uninitialised use (0xCD...) and use after free (0xDD...) at a glance.
#pragma once

#include <cstddef>
#include <cstring>
#include <source_location>

#include "fm/debug/decorator.hpp"

namespace fm {

// The bytes framemem's debug layers write. Chosen to match what MSVC's debug heap writes, so they are
// familiar, and to be odd, large and non-zero: as pointers they fault, as counts they are absurd.
namespace fill {
inline constexpr unsigned char allocated = 0xCD;  // "clean": handed out, not yet written by the user
inline constexpr unsigned char freed = 0xDD;      // "dead": given back; reading it means use after free
inline constexpr unsigned char guard = 0xFD;      // "fence": guard bytes around a block (fm::Guarded)
}  // namespace fill

template <class A>
class Filled : public debug::Decorator<A> {
  using Base = debug::Decorator<A>;

 public:
  using Base::Base;

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                               std::source_location where = std::source_location::current()) {
    return painted(fm::allocate(this->inner_, size, align, where), size);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                                   std::source_location where = std::source_location::current()) noexcept {
    return painted(fm::try_allocate(this->inner_, size, align, where), size);
  }
  // Painting writes nothing of its own to reject, so the check is the layers' below.
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const {
    fm::check_free(this->inner_, p, size, align);
  }
  // A free the layers below reject (double free, foreign pointer, wrong size) throws before a byte is painted:
  // a freed block may hold the inner allocator's free-list link, and a foreign block is someone else's.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if (p == nullptr) return;
    fm::check_free(this->inner_, p, size, align);
    if (may_paint(p)) std::memset(p, fill::freed, size);
    this->inner_.deallocate(p, size, align);
  }

 private:
  // Below an allocator that cannot check a free, paint only memory it says it owns (when it can tell), so a
  // foreign pointer reaches the inner allocator's own checks untouched.
  bool may_paint(const void* p) const noexcept {
    if constexpr (FreeCheckingAllocator<typename Base::inner_type>) {
      (void)p;
      return true;
    } else if constexpr (OwningAllocator<typename Base::inner_type>) {
      return this->inner_.owns(p);
    } else {
      (void)p;
      return true;
    }
  }
  static void* painted(void* p, std::size_t size) noexcept {
    if (p) std::memset(p, fill::allocated, size);
    return p;
  }
};

}  // namespace fm
