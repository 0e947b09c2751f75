// The Record button and the replay comparison table (fm/overlay/record_panel.hpp).
#include "fm/overlay/record_panel.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

namespace {

const ImVec4 fastest_colour{0.45f, 0.9f, 0.45f, 1.0f};

// "allocator", then each figure's label (the labels are string literals, so their data is NUL-terminated),
// each column as wide as its header needs, so no header is cut while the window has room for all.
constexpr auto comparison_columns = [] {
  std::array<detail::Column, 1 + trace::figure_count> columns{{{"allocator", 9}}};
  std::size_t next = 1;
  const trace::AllocatorFigures none{};
  for_each_field(none, [&](const trace::ComparisonField& field, std::uint64_t) {
    columns[next++] = {field.label.data(), static_cast<float>(field.label.size())};
  });
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
  const char* rounds = comparison.rounds == 1 ? "round" : "rounds";
  if (trace::has_frame_figures(comparison.frames)) {
    ImGui::TextWrapped("%s, %u %s of %llu frames", comparison.trace.c_str(), comparison.rounds, rounds,
                       static_cast<unsigned long long>(comparison.frames));
  } else {
    ImGui::TextWrapped("%s, %u %s; no frames recorded, so no frame times", comparison.trace.c_str(), comparison.rounds,
                       rounds);
  }
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
    for_each_field(it->figures, [&](const trace::ComparisonField& field, std::uint64_t value) {
      ImGui::TableNextColumn();
      if (trace::measured(field, comparison.frames)) {
        ImGui::Text("%.2f", static_cast<double>(value) * field.scale);
      } else {
        ImGui::TextColored(detail::dim, "-");
      }
    });
  }
  ImGui::EndTable();
  // How each figure was obtained (docs/replay.md), as framemem-replay's own table says under it.
  ImGui::PushStyleColor(ImGuiCol_Text, detail::dim);
  ImGui::TextWrapped("total: median of the rounds; frame p50/p99/max: over every frame of every round; alloc RSS: "
                     "the allocator's peak (process RSS above the replayer's own), median of the rounds; green: "
                     "fastest total");
  ImGui::PopStyleColor();
}

}  // namespace fm::overlay
