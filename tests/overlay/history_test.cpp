// Specification of fm::overlay::History (a view of a memory system's snapshot ring and the frame shown),
// fm::overlay::Series and the timeline keys.
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

TEST_CASE("a History built from a paused timeline shows the timeline's frame while at() still reads the whole ring") {
  fm::MemorySystem ms({.history = 8});
  fm::Timeline timeline(ms);
  for (int i = 0; i < 6; ++i) {
    ms.begin_frame();
    ms.end_frame();
  }
  timeline.show_frame(2);
  ms.begin_frame();
  ms.end_frame();
  const fm::overlay::History history(timeline);
  CHECK(history.shown().frame == 2);
  CHECK(history.shown_age() == 5);
  CHECK(history.at(0).frame == 7);
  CHECK(history.latest().frame == 7);
  CHECK_FALSE(history.timeline().live());
  const fm::overlay::History live(ms);
  CHECK(live.shown().frame == 7);
}

TEST_CASE("a Series finds the sample of a frame, or the newest before it, so graphs can mark the shown frame") {
  fm::overlay::Series s;
  CHECK(s.find(5) == s.size());
  s.push(1.0f, 10);
  s.push(2.0f, 11);
  s.push(3.0f, 13);  // no sample of frame 12 (e.g. the game was paused)
  CHECK(s.find(11) == 1);
  CHECK(s.at(s.find(13)) == 3.0f);
  CHECK(s.find(12) == 1);
  CHECK(s.find(9) == s.size());
  for (std::uint64_t f = 14; f < 14 + fm::overlay::Series::capacity; ++f) s.push(static_cast<float>(f), f);
  CHECK(s.size() == fm::overlay::Series::capacity);
  CHECK(s.frame_at(0) == 14);
  CHECK(s.find(13) == s.size());  // overwritten
  CHECK(s.at(s.find(100)) == 100.0f);
}

TEST_CASE("timeline keys move the selection as the buttons do") {
  fm::MemorySystem ms({.history = 32});
  fm::Timeline t(ms);
  for (int i = 0; i < 30; ++i) {
    ms.begin_frame();
    ms.end_frame();
  }
  using fm::overlay::TimelineKey;
  fm::overlay::press(t, TimelineKey::toggle_pause);
  CHECK_FALSE(t.live());
  fm::overlay::press(t, TimelineKey::back);
  CHECK(t.shown().frame == 29);
  fm::overlay::press(t, TimelineKey::back_many);
  CHECK(t.shown().frame == 19);
  fm::overlay::press(t, TimelineKey::forward_many);
  fm::overlay::press(t, TimelineKey::forward);
  CHECK(t.shown().frame == 30);
  fm::overlay::press(t, TimelineKey::oldest);
  CHECK(t.shown().frame == 1);
  fm::overlay::press(t, TimelineKey::newest);
  CHECK(t.shown().frame == 30);
}
