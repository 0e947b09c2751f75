// MemoryResource<A>: any framemem allocator as a std::pmr::memory_resource, so every std::pmr container
// can use it. Non-owning: the allocator must outlive the resource and every container using it.
#pragma once

#include <cstddef>
#include <memory_resource>

#include "fm/config.hpp"

namespace fm {

// `A` models fm::Allocator. It is not constrained here so an allocator can hold a MemoryResource of itself
// as a member (FrameArena does).
template <class A>
class MemoryResource final : public std::pmr::memory_resource {
 public:
  explicit MemoryResource(A& allocator) noexcept : allocator_(&allocator) {}

  [[nodiscard]] A& allocator() const noexcept { return *allocator_; }

 private:
  void* do_allocate(std::size_t bytes, std::size_t align) override { return allocator_->allocate(bytes, align); }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    allocator_->deallocate(p, bytes, align);
  }
  // Two resources are interchangeable exactly when they sit on the same allocator.
  [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    const auto* same = dynamic_cast<const MemoryResource*>(&other);
    return same != nullptr && same->allocator_ == allocator_;
  }

  A* allocator_;
};

}  // namespace fm
