// Panel 1: the shown frame's rate and cost (fm::frame_view), including global heap traffic from the
// counting hook; graphs cover the whole history with the shown frame marked.
#include <cstdio>

#include "fm/system/view_frame.hpp"
#include "widgets.hpp"

namespace fm::overlay {

namespace {

// Three plots and two lines of text in the dashboard's frame window.
constexpr float plot_height = 25;

// The game's series with the sample of the shown frame named and marked (the newest when live).
void draw_game_series(const char* id, const char* what, const Series* series, const History& history) {
  if (series == nullptr || series->size() == 0) return;
  const bool live = history.timeline().live();
  const std::size_t i = live ? series->size() - 1 : series->find(history.shown().frame);
  char text[64];
  if (i < series->size()) {
    std::snprintf(text, sizeof text, "%s %.2f ms", what, static_cast<double>(series->at(i)));
  } else {
    std::snprintf(text, sizeof text, "%s: no sample of this frame", what);
  }
  detail::plot_series(id, *series, text, plot_height, live ? SIZE_MAX : i);
}

}  // namespace

void draw_frame_panel(const History& history, const GameTimes& times) {
  if (history.empty()) return;
  const FrameView v = frame_view(history.shown());
  // The interval ends where this frame begins, so it is the previous frame's cycle, and may be shorter than
  // this frame's work: each figure says which frame it is of.
  const auto frame = static_cast<unsigned long long>(v.frame);
  ImGui::Text("frame %llu   work %.2f ms (begin_frame to end_frame)", frame, v.frame_ms);
  if (v.has_interval) {
    ImGui::Text("%.1f FPS: %.2f ms from frame %llu's begin to this one's", v.fps, v.interval_ms, frame - 1);
  } else {
    ImGui::TextColored(detail::dim, "FPS: - (no frame before this one)");
  }
  draw_game_series("##sim", "simulation", times.sim_ms, history);
  draw_game_series("##render", "render", times.render_ms, history);
  if (!v.heap_available) {
    ImGui::TextColored(detail::dim, "heap allocations: unavailable (fm::new_counter not linked)");
    return;
  }
  char text[64], bytes[32];
  std::snprintf(text, sizeof text, "heap: %llu allocs, %s this frame", static_cast<unsigned long long>(v.heap[0].value),
                detail::format_bytes(bytes, static_cast<double>(v.heap[2].value)));
  if (v.heap[0].alert) ImGui::PushStyleColor(ImGuiCol_PlotLines, detail::red);
  detail::plot_history("##heap", history, [](const Snapshot& x) { return static_cast<float>(x.heap.allocations_this_frame); },
                       text, plot_height);
  if (v.heap[0].alert) ImGui::PopStyleColor();
}

}  // namespace fm::overlay
