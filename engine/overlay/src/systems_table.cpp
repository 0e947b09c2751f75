// Panel 2: one row per registered system (child scopes indented), with a budget bar.
#include <cstdio>

#include "fm/core/metrics.hpp"
#include "widgets.hpp"

namespace fm::overlay {

void draw_systems_table(const Snapshot& s) {
  constexpr ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
  if (!ImGui::BeginTable("systems", 6, flags)) return;
  ImGui::TableSetupColumn("system");
  ImGui::TableSetupColumn("kind");
  ImGui::TableSetupColumn("used / reserved");
  ImGui::TableSetupColumn("peak");
  ImGui::TableSetupColumn("budget", ImGuiTableColumnFlags_WidthFixed, 90.0f);
  ImGui::TableSetupColumn("alloc/free");
  ImGui::TableHeadersRow();
  char a[32], b[32], text[64];
  for (std::uint32_t i = 0; i < s.system_count; ++i) {
    const SystemSnapshot& sys = s.systems[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Indent(12.0f * static_cast<float>(sys.depth) + 0.01f);
    ImGui::TextUnformatted(sys.name.c_str());
    ImGui::Unindent(12.0f * static_cast<float>(sys.depth) + 0.01f);
    ImGui::TableNextColumn();
    ImGui::TextColored(detail::dim, "%s", sys.kind.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%s / %s", detail::format_bytes(a, static_cast<double>(sys.total_bytes_used)),
                detail::format_bytes(b, static_cast<double>(sys.total_bytes_reserved)));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(detail::format_bytes(a, static_cast<double>(sys.bytes_peak)));
    ImGui::TableNextColumn();
    if (sys.budget == 0) {
      ImGui::TextColored(detail::dim, "none");
    } else {
      const auto use = static_cast<float>(metrics::ratio(static_cast<double>(sys.total_bytes_reserved),
                                                         static_cast<double>(sys.budget)));
      std::snprintf(text, sizeof text, "%.0f%% of %s", static_cast<double>(use) * 100.0,
                    detail::format_bytes(a, static_cast<double>(sys.budget)));
      ImGui::PushStyleColor(ImGuiCol_PlotHistogram, sys.over_budget ? detail::red : ImVec4(0.3f, 0.7f, 0.4f, 1.0f));
      ImGui::ProgressBar(use > 1.0f ? 1.0f : use, ImVec2(-1, 0), text);
      ImGui::PopStyleColor();
    }
    ImGui::TableNextColumn();
    ImGui::Text("%llu / %llu", static_cast<unsigned long long>(sys.allocations_this_frame),
                static_cast<unsigned long long>(sys.frees_this_frame));
  }
  ImGui::EndTable();
  if (s.budget_overruns > 0) {
    ImGui::TextColored(detail::red, "budget overruns so far: %llu", static_cast<unsigned long long>(s.budget_overruns));
  }
}

}  // namespace fm::overlay
