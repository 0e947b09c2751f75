// Panel 5: cache behaviour of the current layout; every row (fm::cache_row) says how its figure was
// obtained, and figures that could not be measured say so instead of showing a zero.
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
    const CacheRow r = cache_row(f);
    const int n = static_cast<int>(r.label.size());
    if (r.available) {
      ImGui::Text("%.*s: %.1f%.*s", n, r.label.data(), r.value, static_cast<int>(r.unit.size()), r.unit.data());
    } else {
      ImGui::Text("%.*s:", n, r.label.data());
    }
    ImGui::SameLine();
    const int m = static_cast<int>(r.note.size());
    if (r.alert) {
      ImGui::TextColored(detail::red, "%.*s", m, r.note.data());
    } else {
      ImGui::TextColored(detail::dim, "[%.*s]", m, r.note.data());
    }
  }
  if (view.unavailable_reason != nullptr) {
    ImGui::PushStyleColor(ImGuiCol_Text, detail::dim);
    ImGui::TextWrapped("(%s)", view.unavailable_reason);
    ImGui::PopStyleColor();
  }
}

}  // namespace fm::overlay
