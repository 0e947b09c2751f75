// fm::heap_counter in a program that does not link fm::new_counter: it must say "not installed" and
// keep zero counts, so readers show "unavailable" instead of a made-up zero.
#include "fm/debug/heap_counter.hpp"

#include <doctest/doctest.h>

#include <vector>

TEST_CASE("without fm::new_counter the heap counter reports itself unavailable and counts nothing") {
  std::vector<int> v(1000, 1);
  CHECK_FALSE(fm::heap_counter::installed());
  CHECK(fm::heap_counter::read().allocations == 0);
  CHECK(v.size() == 1000);
}
