// The move-assignment contract of fm's containers, specified once for all of them: assigning over a
// container gives its own memory back before it takes the source's, and a self-move changes nothing.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <utility>

#include "handle/budget_allocator.hpp"

namespace fm::test {

// make(alloc, first, count) builds a container holding the rows first .. first + count - 1;
// check_rows(container, first, count) checks that it holds exactly those rows.
template <class Index, class Make, class CheckRows>
void check_move_assignment_gives_memory_back_first(Index target_rows, Index source_first, Make make,
                                                   CheckRows check_rows) {
  const Index source_rows{3};
  BudgetAllocator budget;
  auto target = make(budget, Index{0}, target_rows);
  const std::size_t target_bytes = budget.stats().bytes_used;
  auto source = make(budget, source_first, source_rows);
  const std::size_t source_bytes = budget.stats().bytes_used - target_bytes;
  target = std::move(source);
  CHECK(budget.stats().bytes_used == source_bytes);
  CHECK(target.bytes_reserved() == source_bytes);
  auto& same = target;
  target = std::move(same);
  check_rows(target, source_first, source_rows);
}

}  // namespace fm::test
