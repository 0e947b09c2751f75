// A test allocator with a byte budget and counters, so tests can see every allocation a container makes
// and make one fail on purpose.
#pragma once

#include <cstddef>
#include <limits>
#include <string_view>

#include "fm/core/allocator.hpp"

namespace fm::test {

class BudgetAllocator {
 public:
  explicit BudgetAllocator(std::size_t budget = std::numeric_limits<std::size_t>::max()) : budget_(budget) {}

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align) {
    if (size > budget_ - heap_.stats().bytes_used)
      throw out_of_memory(name(), size, align, budget_, "budget exceeded");
    return heap_.allocate(size, align);
  }
  void deallocate(void* p, std::size_t size, std::size_t align) noexcept { heap_.deallocate(p, size, align); }
  [[nodiscard]] AllocatorStats stats() const noexcept { return heap_.stats(); }
  [[nodiscard]] std::string_view name() const noexcept { return "test budget"; }

  void set_budget(std::size_t budget) noexcept { budget_ = budget; }

 private:
  NewAllocator heap_;
  std::size_t budget_;
};

}  // namespace fm::test
