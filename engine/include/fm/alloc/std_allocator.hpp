// StdAllocator<T, A>: any framemem allocator as a standard Allocator (std::vector, std::map, ...).
// It holds a pointer to the allocator, so copies and rebinds share it.
#pragma once

#include <cstddef>
#include <limits>
#include <new>
#include <type_traits>

#include "fm/core/allocator.hpp"

namespace fm {

// Propagation: the allocator travels with the memory on copy assignment, move assignment and swap, so a
// container's memory is always returned to the allocator that handed it out and move assignment never
// copies elements. Two StdAllocators are equal exactly when they sit on the same underlying allocator.
template <class T, Allocator A>
class StdAllocator {
 public:
  using value_type = T;
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;
  using is_always_equal = std::false_type;

  template <class U>
  struct rebind {
    using other = StdAllocator<U, A>;
  };

  explicit StdAllocator(A& allocator) noexcept : allocator_(&allocator) {}
  template <class U>
  StdAllocator(const StdAllocator<U, A>& other) noexcept : allocator_(&other.allocator()) {}  // NOLINT: rebind

  // Throws std::bad_array_new_length when n * sizeof(T) overflows, and whatever the allocator throws.
  [[nodiscard]] T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) raise(std::bad_array_new_length());
    return static_cast<T*>(allocator_->allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { allocator_->deallocate(p, n * sizeof(T), alignof(T)); }

  [[nodiscard]] A& allocator() const noexcept { return *allocator_; }

  template <class U>
  friend bool operator==(const StdAllocator& a, const StdAllocator<U, A>& b) noexcept {
    return &a.allocator() == &b.allocator();
  }

 private:
  A* allocator_;
};

}  // namespace fm
