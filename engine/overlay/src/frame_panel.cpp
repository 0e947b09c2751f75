// Panel 1: frame rate and what each frame cost, including global heap traffic from the counting hook.
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

void draw_frame_panel(const History& history, const GameTimes& times) {
  if (history.empty()) return;
  const Snapshot& s = history.latest();
  const double fps = s.interval_seconds > 0 ? 1.0 / s.interval_seconds : 0.0;
  ImGui::Text("frame %llu   %.1f FPS   %.2f ms", static_cast<unsigned long long>(s.frame), fps,
              s.interval_seconds * 1e3);
  char text[64];
  if (times.sim_ms != nullptr) {
    std::snprintf(text, sizeof text, "simulation %.2f ms", static_cast<double>(times.sim_ms->last()));
    detail::plot_series("##sim", *times.sim_ms, text, 32);
  }
  if (times.render_ms != nullptr) {
    std::snprintf(text, sizeof text, "render %.2f ms", static_cast<double>(times.render_ms->last()));
    detail::plot_series("##render", *times.render_ms, text, 32);
  }
  if (!s.heap.available) {
    ImGui::TextColored(detail::dim, "heap allocations: unavailable (fm::new_counter not linked)");
    return;
  }
  char bytes[32];
  std::snprintf(text, sizeof text, "heap: %llu allocs, %s this frame",
                static_cast<unsigned long long>(s.heap.allocations_this_frame),
                detail::format_bytes(bytes, static_cast<double>(s.heap.bytes_this_frame)));
  if (s.heap.allocations_this_frame > 0) ImGui::PushStyleColor(ImGuiCol_PlotLines, detail::red);
  detail::plot_history("##heap", history, [](const Snapshot& x) { return static_cast<float>(x.heap.allocations_this_frame); },
                       text, 32);
  if (s.heap.allocations_this_frame > 0) ImGui::PopStyleColor();
}

}  // namespace fm::overlay
