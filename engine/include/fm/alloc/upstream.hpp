// Where arenas and pools get their chunks and pages: a parent allocator chosen by the user, or the global
// heap (aligned operator new) when none is given.
#pragma once

#include <cstddef>
#include <new>

#include "fm/core/allocator.hpp"

namespace fm {

class Upstream {
 public:
  Upstream() = default;
  explicit Upstream(AllocatorRef parent) noexcept : parent_(parent) {}

  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align) noexcept {
    if (parent_) return parent_.try_allocate(size, align);
    if (!fits_address_space(size, align)) return nullptr;
    return ::operator new(size, std::align_val_t{align}, std::nothrow);
  }
  void deallocate(void* p, std::size_t size, std::size_t align) {
    if (parent_) {
      parent_.deallocate(p, size, align);
    } else {
      ::operator delete(p, std::align_val_t{align});
    }
  }
  // The parent allocator, or a null reference for the global heap.
  [[nodiscard]] AllocatorRef parent() const noexcept { return parent_; }

 private:
  AllocatorRef parent_;
};

}  // namespace fm
