// Panel 4: the frame arena per frame; overflow events turn the panel's numbers red.
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

void draw_frame_arena_panel(const History& history) {
  if (history.empty()) return;
  const FrameArenaSnapshot& fa = history.latest().frame_arena;
  if (!fa.available) {
    ImGui::TextColored(detail::dim, "no frame arena registered");
    return;
  }
  char a[32], b[32], c[32], text[96];
  std::snprintf(text, sizeof text, "%s used of %s", detail::format_bytes(a, static_cast<double>(fa.bytes_used)),
                detail::format_bytes(b, static_cast<double>(fa.capacity)));
  detail::plot_history("##arena", history, [](const Snapshot& x) { return static_cast<float>(x.frame_arena.bytes_used); },
                       text, 40);
  ImGui::Text("high-water %s   padding %s", detail::format_bytes(a, static_cast<double>(fa.high_water)),
              detail::format_bytes(c, static_cast<double>(fa.padding)));
  if (fa.overflow_events > 0) {
    ImGui::TextColored(detail::red, "overflow events: %llu (chunks chained beyond capacity)",
                       static_cast<unsigned long long>(fa.overflow_events));
  } else {
    ImGui::Text("overflow events: 0");
  }
}

}  // namespace fm::overlay
