// Panel 2: one row per registered system (children indented under their parent), with a budget bar. The
// figures come from fm::system_row; this file only draws them.
#include <cstdio>

#include "fm/system/view.hpp"
#include "widgets.hpp"

namespace fm::overlay {

void draw_systems_table(const Snapshot& s) {
  // The figures as wide as they are ("frame arena", "12.2M/12.2M/12.2M"); the budget bar takes what is left.
  constexpr detail::Column columns[] = {{"system", detail::fit_contents},
                                        {"kind", detail::fit_contents},
                                        {"used/resv/peak", detail::fit_contents},
                                        {"budget", 1.0f},
                                        {"alloc/free", detail::fit_contents}};
  if (!detail::begin_table("systems", columns)) return;
  char a[16], b[16], c[16], text[64];
  for (std::size_t i = 0; i < s.systems.size(); ++i) {
    const SystemRow r = system_row(s, i);
    const SystemSnapshot& f = r.figures;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%*s%.*s", static_cast<int>(2 * r.indent), "", static_cast<int>(r.label.size()), r.label.data());
    ImGui::TableNextColumn();
    ImGui::TextColored(detail::dim, "%.*s", static_cast<int>(r.kind.size()), r.kind.data());
    ImGui::TableNextColumn();
    ImGui::Text("%s/%s/%s", detail::format_bytes_short(a, static_cast<double>(f.total_bytes_used)),
                detail::format_bytes_short(b, static_cast<double>(f.total_bytes_reserved)),
                f.has_allocator ? detail::format_bytes_short(c, static_cast<double>(f.bytes_peak)) : "-");
    ImGui::TableNextColumn();
    if (f.budget == 0) {
      ImGui::TextColored(detail::dim, "none");
    } else {
      // Short enough for the cell: a full bar puts its text at the right end and cuts what does not fit on
      // the left, which would turn 164% into "4%".
      std::snprintf(text, sizeof text, "%.0f%%/%s", r.budget_use * 100.0,
                    detail::format_bytes_short(a, static_cast<double>(f.budget)));
      ImGui::PushStyleColor(ImGuiCol_PlotHistogram, f.over_budget ? detail::red : ImVec4(0.3f, 0.7f, 0.4f, 1.0f));
      ImGui::ProgressBar(static_cast<float>(r.budget_use > 1.0 ? 1.0 : r.budget_use), ImVec2(-1, 0), text);
      ImGui::PopStyleColor();
    }
    ImGui::TableNextColumn();
    if (f.has_allocator) {
      ImGui::Text("%llu/%llu", static_cast<unsigned long long>(f.allocations_this_frame),
                  static_cast<unsigned long long>(f.frees_this_frame));
    }
  }
  ImGui::EndTable();
  ImGui::PushStyleColor(ImGuiCol_Text, detail::dim);
  ImGui::TextWrapped("used, reserved: with children; the bar is used/budget. K = KiB, M = MiB; alloc/free calls per frame");
  ImGui::PopStyleColor();
  if (s.budget_overruns > 0) {
    ImGui::TextColored(detail::red, "budget overruns so far: %llu", static_cast<unsigned long long>(s.budget_overruns));
  }
}

}  // namespace fm::overlay
