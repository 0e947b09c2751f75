// Specification of fm::overlay::draw_comparison_panel: the text it draws (overlay/imgui_frame.hpp). A figure
// the comparison did not measure never shows as a number.
#include <doctest/doctest.h>

#include <string>

#include "fm/overlay/record_panel.hpp"
#include "overlay/imgui_frame.hpp"

namespace {

// The panel in a window of its own, as the demo shows it.
std::string panel_text(const fm::overlay::Comparison& comparison) {
  fm::test::ImGuiFrames imgui;
  return imgui.text_of("Replay comparison", {900, 300}, [&] { fm::overlay::draw_comparison_panel(comparison); });
}

fm::overlay::Comparison comparison_of(std::uint64_t frames) {
  fm::overlay::Comparison c{.trace = "python.fmt", .rounds = 3, .frames = frames, .rows = {}, .error = {}};
  // The frame figures as a comparison of a trace without frames holds them: zeros nobody measured.
  const std::uint64_t p50 = frames ? 891'000 : 0, p99 = frames ? 17'514'700 : 0, max = frames ? 29'272'700 : 0;
  c.rows.push_back({"glibc", {.total_ns_median = 4'410'000, .frame_p50_ns = p50, .frame_p99_ns = p99,
                              .frame_max_ns = max, .peak_rss_kb = 1638}});
  c.rows.push_back({"mimalloc", {.total_ns_median = 4'389'000, .frame_p50_ns = p50, .frame_p99_ns = p99,
                                 .frame_max_ns = max, .peak_rss_kb = 2560}});
  return c;
}

}  // namespace

TEST_CASE("the comparison panel of a trace without frames shows '-' for the frame figures and says why") {
  const std::string text = panel_text(comparison_of(0));
  INFO(text);
  CHECK(text.find("no frames recorded") != std::string::npos);
  CHECK(text.find("0.00") == std::string::npos);  // no frame time that nobody measured
  CHECK(text.find("| glibc | 4.41 | - | - | - | 1.60 |") != std::string::npos);
  CHECK(text.find("| mimalloc | 4.39 | - | - | - | 2.50 |") != std::string::npos);
}

TEST_CASE("the comparison panel of a trace with frames shows every figure in its column's unit") {
  const std::string text = panel_text(comparison_of(300));
  INFO(text);
  CHECK(text.find("3 rounds of 300 frames") != std::string::npos);
  CHECK(text.find("| glibc | 4.41 | 891.00 | 17514.70 | 29272.70 | 1.60 |") != std::string::npos);
  CHECK(text.find(" - ") == std::string::npos);
}
