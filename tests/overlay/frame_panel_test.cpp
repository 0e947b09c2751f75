// Specification of fm::overlay::draw_frame_panel's text (overlay/imgui_frame.hpp): each time names the frame
// it is of, and the first frame, which has no frame before it, shows no rate.
#include <doctest/doctest.h>

#include <string>

#include "fm/overlay/overlay.hpp"
#include "fm/system/memory_system.hpp"
#include "overlay/imgui_frame.hpp"

namespace {

std::string frame_panel_after(int frames) {
  fm::MemorySystem ms;
  for (int i = 0; i < frames; ++i) {
    ms.begin_frame();
    ms.end_frame();
  }
  fm::test::ImGuiFrames imgui;
  return imgui.text_of("Frame", {500, 190}, [&] { fm::overlay::draw_frame_panel(fm::overlay::History(ms), {}); });
}

}  // namespace

TEST_CASE("the frame panel of the first frame shows its work and no rate, which needs a frame before it") {
  const std::string text = frame_panel_after(1);
  INFO(text);
  CHECK(text.find("frame 1   work ") != std::string::npos);
  CHECK(text.find("FPS: - (no frame before this one)") != std::string::npos);
  CHECK(text.find("0.0 FPS") == std::string::npos);
}

TEST_CASE("the frame panel's rate is of the interval from the previous frame's begin to the shown one's") {
  const std::string text = frame_panel_after(3);
  INFO(text);
  CHECK(text.find("frame 3   work ") != std::string::npos);
  CHECK(text.find(" ms (begin_frame to end_frame)") != std::string::npos);
  CHECK(text.find(" FPS: ") != std::string::npos);
  CHECK(text.find(" ms from frame 2's begin to this one's") != std::string::npos);
}
