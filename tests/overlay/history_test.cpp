// Specification of fm::overlay::History: a view of a memory system's snapshot ring, newest first.
#include <doctest/doctest.h>

#include "fm/overlay/overlay.hpp"

TEST_CASE("a History built from a memory system reads its ring newest first, without copies") {
  fm::MemorySystem ms({.history = 4});
  const fm::overlay::History history(ms);
  CHECK(history.empty());
  for (int i = 0; i < 6; ++i) {
    ms.begin_frame();
    ms.end_frame();
  }
  CHECK(history.size() == 4);
  CHECK(&history.latest() == &ms.latest());
  CHECK(history.at(0).frame == 6);
  CHECK(history.at(3).frame == 3);
  CHECK(&history.at(2) == &ms.history(2));
}
