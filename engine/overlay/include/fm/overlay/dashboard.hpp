// fm::overlay::Dashboard: the whole set of panels, each in its own ImGui window, laid out over the display
// the first time they appear (the user may move them afterwards), with one timeline that every panel
// follows: live, or a paused frame of the history scrubbed with the keyboard or the mouse. For a game
// that wants its own windows instead, each draw_* function of fm/overlay/overlay.hpp draws one panel into
// the current window.
#pragma once

#include <cstddef>
#include <vector>

#include "fm/overlay/overlay.hpp"

namespace fm::overlay {

struct DashboardLayout {
  float margin = 8;
  float column_width = 500;    // the panels fill a column on each side; the middle stays free for the game
  float game_slot_height = 0;  // room kept in the left column, under the frame panel, for a game's own window
};

struct ScreenRect {
  float x = 0, y = 0, width = 0, height = 0;
};

class Dashboard {
 public:
  explicit Dashboard(const MemorySystem& memory, DashboardLayout layout = {}) noexcept
      : timeline_(memory), layout_(layout) {}

  // The selection every panel shows; a game may drive it from its own input (see fm::overlay::press).
  [[nodiscard]] Timeline& timeline() noexcept { return timeline_; }
  [[nodiscard]] const Timeline& timeline() const noexcept { return timeline_; }

  // Draws every panel in its own window inside the current ImGui frame; returns the pool buttons pressed.
  // `cache` may be null (no cache panel). With `keyboard`, arrows, Shift+arrows, Home, End and Space move the
  // timeline through ImGui's key state while no text field has focus.
  PoolActions draw(const GameTimes& times = {}, const CacheView* cache = nullptr);
  bool keyboard = true;
  // The frame diff compares the shown frame with this many frames before it (fewer when the history is shorter).
  std::size_t diff_frames = 60;

  // Where the game's own window fits (left column, under the frame panel); needs an ImGui context.
  [[nodiscard]] ScreenRect game_slot() const;
  // Where a game window `height` tall fits without covering a panel: the middle, above the frame diff (the
  // demo's replay comparison); needs an ImGui context.
  [[nodiscard]] ScreenRect middle_slot(float height) const;

 private:
  void read_keys();
  [[nodiscard]] ScreenRect frame_diff_rect() const;

  Timeline timeline_;
  DashboardLayout layout_;
  std::vector<SystemDelta> diff_rows_;
  std::vector<AddressMapPage> address_rows_;
};

}  // namespace fm::overlay
