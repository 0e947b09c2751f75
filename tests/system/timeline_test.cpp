// Specification of fm/system/timeline.hpp: which snapshot of the history ring the panels show, live or
// paused, while frames keep arriving and the ring wraps.
#include "fm/system/timeline.hpp"

#include <doctest/doctest.h>

#include "fm/system/memory_system.hpp"

namespace {

void run_frames(fm::MemorySystem& ms, int n) {
  for (int i = 0; i < n; ++i) {
    ms.begin_frame();
    ms.end_frame();
  }
}

}  // namespace

TEST_CASE("a live timeline shows the newest frame as frames arrive") {
  fm::MemorySystem ms({.history = 8});
  fm::Timeline t(ms);
  CHECK(t.live());
  CHECK(t.size() == 0);
  CHECK(t.shown_age() == 0);
  CHECK(&t.shown() == &ms.latest());
  run_frames(ms, 3);
  CHECK(t.shown().frame == 3);
  run_frames(ms, 2);
  CHECK(t.shown().frame == 5);
  CHECK(t.shown_age() == 0);
}

TEST_CASE("a paused timeline holds its frame while new frames arrive") {
  fm::MemorySystem ms({.history = 8});
  fm::Timeline t(ms);
  run_frames(ms, 5);
  t.pause();
  CHECK_FALSE(t.live());
  run_frames(ms, 2);
  CHECK(t.shown().frame == 5);
  CHECK(t.shown_age() == 2);
  CHECK_FALSE(t.shown_expired());
  t.resume();
  CHECK(t.shown().frame == 7);
}

TEST_CASE("stepping moves by frames, pauses, and stops at both ends of the ring") {
  fm::MemorySystem ms({.history = 8});
  fm::Timeline t(ms);
  run_frames(ms, 20);  // the ring holds frames 13..20
  t.step(-3);
  CHECK_FALSE(t.live());
  CHECK(t.shown().frame == 17);
  t.step(1);
  CHECK(t.shown().frame == 18);
  t.step(-100);
  CHECK(t.shown().frame == 13);
  t.step(100);
  CHECK(t.shown().frame == 20);
  CHECK_FALSE(t.live());  // the newest frame, still paused
  t.show_oldest();
  CHECK(t.shown().frame == 13);
  t.show_newest();
  CHECK(t.shown().frame == 20);
  t.show_frame(15);
  CHECK(t.shown().frame == 15);
  t.show_age(6);
  CHECK(t.shown().frame == 14);
  t.show_age(600);
  CHECK(t.shown().frame == 13);
}

TEST_CASE("a paused frame the ring has overwritten falls back to the oldest kept, and says so") {
  fm::MemorySystem ms({.history = 4});
  fm::Timeline t(ms);
  run_frames(ms, 4);
  t.show_age(3);  // frame 1
  CHECK(t.shown().frame == 1);
  run_frames(ms, 2);  // the ring now holds 3..6
  CHECK(t.shown_expired());
  CHECK(t.shown().frame == 3);
  CHECK(t.shown_age() == 3);
  t.step(1);  // steps from what is shown
  CHECK(t.shown().frame == 4);
  CHECK_FALSE(t.shown_expired());
}

TEST_CASE("toggle_pause pauses on the frame shown and returns to live") {
  fm::MemorySystem ms({.history = 4});
  fm::Timeline t(ms);
  run_frames(ms, 2);
  t.toggle_pause();
  run_frames(ms, 1);
  CHECK(t.shown().frame == 2);
  t.toggle_pause();
  CHECK(t.live());
  CHECK(t.shown().frame == 3);
}

TEST_CASE("the timeline finds the newest frame where a system is over budget") {
  fm::MemorySystem ms({.history = 16});
  fm::NewAllocator heap;
  ms.add_system("audio", heap, "heap", 100);
  fm::Timeline t(ms);
  run_frames(ms, 2);
  CHECK_FALSE(t.show_last_overrun());
  CHECK(t.live());
  void* p = heap.allocate(200);  // over budget in frames 3 and 4
  run_frames(ms, 2);
  heap.deallocate(p, 200);
  run_frames(ms, 3);
  CHECK_FALSE(fm::any_over_budget(ms.latest()));
  CHECK(fm::any_over_budget(ms.history(3)));
  REQUIRE(t.show_last_overrun());
  CHECK(t.shown().frame == 4);
  CHECK(fm::any_over_budget(t.shown()));
}

TEST_CASE("with no frames yet, every move leaves the empty snapshot shown") {
  fm::MemorySystem ms({.history = 4});
  fm::Timeline t(ms);
  t.step(-5);
  t.show_oldest();
  CHECK(t.shown_age() == 0);
  CHECK(t.shown().frame == 0);
  CHECK_FALSE(t.shown_expired());
}
