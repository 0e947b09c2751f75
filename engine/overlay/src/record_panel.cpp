// The Record button and the replay comparison table (fm/overlay/record_panel.hpp).
#include "fm/overlay/record_panel.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

namespace {

const ImVec4 fastest_colour{0.45f, 0.9f, 0.45f, 1.0f};

// "allocator", then each figure's label (the labels are string literals, so their data is NUL-terminated).
constexpr auto comparison_columns = [] {
  std::array<detail::Column, 1 + trace::figure_count> columns{{{"allocator"}}};
  std::size_t next = 1;
  const trace::AllocatorFigures none{};
  for_each_field(none, [&](const trace::ComparisonField& field, std::uint64_t) { columns[next++] = {field.label.data()}; });
  return columns;
}();

}  // namespace

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
  const auto fastest = std::min_element(comparison.rows.begin(), comparison.rows.end(), [](const auto& a, const auto& b) {
    return a.figures.total_ns_median < b.figures.total_ns_median;
  });
  if (!detail::begin_table("##comparison", comparison_columns)) return;
  for (auto it = comparison.rows.begin(); it != comparison.rows.end(); ++it) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    if (it == fastest) {
      ImGui::TextColored(fastest_colour, "%s", it->allocator.c_str());
    } else {
      ImGui::TextUnformatted(it->allocator.c_str());
    }
    for_each_field(it->figures, [](const trace::ComparisonField& field, std::uint64_t value) {
      ImGui::TableNextColumn();
      ImGui::Text("%.2f", static_cast<double>(value) * field.scale);
    });
  }
  ImGui::EndTable();
}

}  // namespace fm::overlay
