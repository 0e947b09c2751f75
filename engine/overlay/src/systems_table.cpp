// Panel 2: one row per registered system (child scopes indented), with a budget bar.
#include <cstdio>
#include <string_view>

#include "fm/core/metrics.hpp"
#include "widgets.hpp"

namespace fm::overlay {

void draw_systems_table(const Snapshot& s) {
  constexpr ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("systems", 5, flags)) return;
  ImGui::TableSetupColumn("system", ImGuiTableColumnFlags_WidthStretch, 1.3f);
  ImGui::TableSetupColumn("kind", ImGuiTableColumnFlags_WidthStretch, 0.9f);
  ImGui::TableSetupColumn("used/reserved/peak", ImGuiTableColumnFlags_WidthStretch, 1.7f);
  ImGui::TableSetupColumn("budget", ImGuiTableColumnFlags_WidthStretch, 1.1f);
  ImGui::TableSetupColumn("alloc/free", ImGuiTableColumnFlags_WidthStretch, 0.9f);
  ImGui::TableHeadersRow();
  char a[16], b[16], c[16], text[64];
  for (std::uint32_t i = 0; i < s.system_count; ++i) {
    const SystemSnapshot& sys = s.systems[i];
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    // Children show their own last path component, indented under their scope.
    const std::string_view name = sys.name.view();
    const std::string_view leaf = name.substr(name.rfind('/') == std::string_view::npos ? 0 : name.rfind('/') + 1);
    ImGui::Text("%*s%.*s", static_cast<int>(2 * sys.depth), "", static_cast<int>(leaf.size()), leaf.data());
    ImGui::TableNextColumn();
    ImGui::TextColored(detail::dim, "%s", sys.kind.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%s/%s/%s", detail::format_bytes_short(a, static_cast<double>(sys.total_bytes_used)),
                detail::format_bytes_short(b, static_cast<double>(sys.total_bytes_reserved)),
                detail::format_bytes_short(c, static_cast<double>(sys.bytes_peak)));
    ImGui::TableNextColumn();
    if (sys.budget == 0) {
      ImGui::TextColored(detail::dim, "none");
    } else {
      const auto use = static_cast<float>(
          metrics::ratio(static_cast<double>(sys.total_bytes_reserved), static_cast<double>(sys.budget)));
      std::snprintf(text, sizeof text, "%.0f%% of %s", static_cast<double>(use) * 100.0,
                    detail::format_bytes_short(a, static_cast<double>(sys.budget)));
      ImGui::PushStyleColor(ImGuiCol_PlotHistogram, sys.over_budget ? detail::red : ImVec4(0.3f, 0.7f, 0.4f, 1.0f));
      ImGui::ProgressBar(use > 1.0f ? 1.0f : use, ImVec2(-1, 0), text);
      ImGui::PopStyleColor();
    }
    ImGui::TableNextColumn();
    ImGui::Text("%llu/%llu", static_cast<unsigned long long>(sys.allocations_this_frame),
                static_cast<unsigned long long>(sys.frees_this_frame));
  }
  ImGui::EndTable();
  ImGui::TextColored(detail::dim, "bytes: K = KiB, M = MiB; alloc/free per frame");
  if (s.budget_overruns > 0) {
    ImGui::TextColored(detail::red, "budget overruns so far: %llu", static_cast<unsigned long long>(s.budget_overruns));
  }
}

}  // namespace fm::overlay
