// The Record button and the replay comparison table (fm/overlay/record_panel.hpp).
#include "fm/overlay/record_panel.hpp"

#include <algorithm>
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

namespace {
const ImVec4 fastest_colour{0.45f, 0.9f, 0.45f, 1.0f};
}

bool draw_record_panel(const RecordStatus& status) {
  const bool pressed = ImGui::Button(status.recording ? "Stop recording" : "Record");
  char events[32], bytes[32];
  std::snprintf(events, sizeof events, "%llu", static_cast<unsigned long long>(status.events));
  detail::format_bytes(bytes, static_cast<double>(status.bytes));
  if (status.recording) {
    ImGui::SameLine();
    ImGui::TextColored(detail::red, "recording");
  }
  if (!status.path.empty()) {
    ImGui::Text("%.*s", static_cast<int>(status.path.size()), status.path.data());
    ImGui::Text("%s events, %s written", events, bytes);
  }
  if (!status.error.empty())
    ImGui::TextColored(detail::red, "%.*s", static_cast<int>(status.error.size()), status.error.data());
  return pressed;
}

void draw_comparison_panel(const Comparison& comparison) {
  if (!comparison.error.empty()) {
    ImGui::TextColored(detail::dim, "%s", comparison.error.c_str());
    return;
  }
  ImGui::TextWrapped("%s, %u rounds", comparison.trace.c_str(), comparison.rounds);
  const auto fastest = std::min_element(comparison.rows.begin(), comparison.rows.end(),
                                        [](const auto& a, const auto& b) { return a.total_ms < b.total_ms; });
  if (!ImGui::BeginTable("##comparison", 6, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) return;
  for (const char* h : {"allocator", "total ms", "frame p50 us", "p99 us", "max us", "peak RSS MiB"}) {
    ImGui::TableSetupColumn(h);
  }
  ImGui::TableHeadersRow();
  for (auto it = comparison.rows.begin(); it != comparison.rows.end(); ++it) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (it == fastest) {
      ImGui::TextColored(fastest_colour, "%s", it->allocator.c_str());
    } else {
      ImGui::TextUnformatted(it->allocator.c_str());
    }
    for (const double v : {it->total_ms, it->frame_p50_us, it->frame_p99_us, it->frame_max_us, it->peak_rss_mib}) {
      ImGui::TableNextColumn();
      ImGui::Text("%.2f", v);
    }
  }
  ImGui::EndTable();
}

}  // namespace fm::overlay
