// The common base of the debug decorators (Tracking, Guarded, Filled): it owns or refers to the wrapped
// allocator and forwards what a decorator does not change (name, ownership, stats, the system name), so
// layers compose. Each decorator adds its own check_free, which asks the layers below first, so a stack in
// any order rejects a bad free before any layer writes.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"

namespace fm::debug {

// "0x7f12345678" for error messages and reports.
[[nodiscard]] std::string describe_address(const void* p);

// "foreign pointer in '<allocator>': 0x... was not allocated by this allocator"
[[nodiscard]] bad_free foreign_pointer(std::string_view allocator, const void* p);

// `A` is either an allocator type (the decorator owns it, constructed from the forwarded arguments) or
// an lvalue reference to one (the decorator wraps an allocator that lives elsewhere).
// Decorators do not move: their records name the blocks of one allocator object. A decorator over a reference
// refers to that object, so move a movable allocator (Pool, LinearArena, StackAllocator) into place before
// wrapping it; wrapping the moved-from object sees an empty allocator.
template <class A>
class Decorator {
 public:
  using inner_type = std::remove_reference_t<A>;
  static_assert(Allocator<inner_type>, "debug decorators wrap an allocator of the fm model");

  template <class... Args>
    requires std::constructible_from<A, Args&&...>
  explicit Decorator(Args&&... args) : inner_(std::forward<Args>(args)...) {}

  Decorator(const Decorator&) = delete;
  Decorator& operator=(const Decorator&) = delete;

  [[nodiscard]] inner_type& inner() noexcept { return inner_; }
  [[nodiscard]] const inner_type& inner() const noexcept { return inner_; }

  [[nodiscard]] std::string_view name() const noexcept { return name_of(inner_); }

  // Whether `p` lies in memory of the wrapped allocator (a block of the inner allocator contains it).
  [[nodiscard]] bool owns(const void* p) const noexcept
    requires OwningAllocator<inner_type>
  {
    return inner_.owns(p);
  }

  [[nodiscard]] AllocatorStats stats() const noexcept
    requires StatsAllocator<inner_type>
  {
    return inner_.stats();
  }

  // Passes the name a MemorySystem registered this stack under down to a layer that reports it (Tracking).
  void set_system_name(std::string_view system)
    requires SystemNamedAllocator<inner_type>
  {
    inner_.set_system_name(system);
  }

 protected:
  ~Decorator() = default;

  A inner_;
};

}  // namespace fm::debug
