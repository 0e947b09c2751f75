// Panel 5: cache behaviour of the current layout; every figure says how it was obtained, and figures that
// could not be measured say so instead of showing a zero.
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

void draw_cache_panel(const CacheView& view) {
  ImGui::Text("layout: %s", view.layout_name);
  if (view.ns_per_item != nullptr) {
    char text[64];
    std::snprintf(text, sizeof text, "%.2f ns per particle (measured)", static_cast<double>(view.ns_per_item->last()));
    detail::plot_series("##ns", *view.ns_per_item, text, 32);
  }
  for (const CacheFigure& f : view.figures) {
    if (f.available) {
      ImGui::Text("%s: %.1f%s", f.label, f.value, f.unit);
      ImGui::SameLine();
      ImGui::TextColored(detail::dim, "[%s]", f.how);
    } else {
      ImGui::Text("%s:", f.label);
      ImGui::SameLine();
      ImGui::TextColored(detail::red, "unavailable on this machine");
    }
  }
  if (view.unavailable_reason != nullptr) {
    ImGui::PushStyleColor(ImGuiCol_Text, detail::dim);
    ImGui::TextWrapped("(%s)", view.unavailable_reason);
    ImGui::PopStyleColor();
  }
}

}  // namespace fm::overlay
