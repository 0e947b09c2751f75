// Move assignment for framemem's owning types: the object releases what it holds and is move-constructed from
// the other, so each type states what a move carries over once, in its move constructor.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "fm/config.hpp"

namespace fm::detail {

// Self-assignment changes nothing. Requires a noexcept move constructor, so the object is never left destroyed.
template <class T>
T& move_assign(T& self, T&& other) noexcept {
  static_assert(std::is_nothrow_move_constructible_v<T>, "the object must not be left destroyed");
  if (&self != &other) {
    std::destroy_at(&self);
    std::construct_at(&self, std::move(other));
  }
  return self;
}

}  // namespace fm::detail
