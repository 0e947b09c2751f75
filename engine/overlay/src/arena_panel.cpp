// Panel 4: the frame arena of the shown frame, drawn from fm::frame_arena_view; overflow events are red.
#include <cstdio>

#include "fm/system/view.hpp"
#include "widgets.hpp"

namespace fm::overlay {

void draw_frame_arena_panel(const History& history) {
  if (history.empty()) return;
  const FrameArenaView view = frame_arena_view(history.shown());
  if (!view.available) {
    ImGui::TextColored(detail::dim, "no frame arena registered");
    return;
  }
  char a[32], b[32], text[96];
  const Figure& this_frame = view.figures[0];
  const Figure& capacity = view.figures[2];
  std::snprintf(text, sizeof text, "%.*s: %s of %s", static_cast<int>(this_frame.label.size()), this_frame.label.data(),
                detail::format_bytes(a, static_cast<double>(this_frame.value)),
                detail::format_bytes(b, static_cast<double>(capacity.value)));
  detail::plot_history("##arena", history,
                       [](const Snapshot& x) { return static_cast<float>(x.frame_arena.bytes_this_frame); }, text, 40);
  for (const Figure& f : view.figures) detail::figure_text(f);
}

}  // namespace fm::overlay
