// Shared drawing pieces and the Series statistics.
#include "widgets.hpp"

#include <algorithm>
#include <cstdio>

namespace fm::overlay {

std::size_t Series::find(std::uint64_t frame) const noexcept {
  for (std::size_t i = count_; i-- > 0;) {
    if (frame_at(i) <= frame) return i;
  }
  return count_;
}

float Series::max() const noexcept {
  float m = 0;
  for (std::size_t i = 0; i < count_; ++i) m = std::max(m, at(i));
  return m;
}

float Series::mean() const noexcept {
  if (count_ == 0) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < count_; ++i) sum += at(i);
  return static_cast<float>(sum / static_cast<double>(count_));
}

int choice_row(const char* label, std::span<const char* const> options, int current, float* rects) {
  int clicked = -1;
  ImGui::PushID(label);
  ImGui::TextUnformatted(label);
  for (std::size_t i = 0; i < options.size(); ++i) {
    const bool active = static_cast<int>(i) == current;
    if (active) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    if (i != 0) ImGui::SameLine();
    if (ImGui::Button(options[i])) clicked = static_cast<int>(i);
    if (rects != nullptr) {
      const ImVec2 lo = ImGui::GetItemRectMin();
      const ImVec2 hi = ImGui::GetItemRectMax();
      rects[4 * i] = lo.x, rects[4 * i + 1] = lo.y, rects[4 * i + 2] = hi.x, rects[4 * i + 3] = hi.y;
    }
    if (active) ImGui::PopStyleColor();
  }
  ImGui::PopID();
  return clicked;
}

}  // namespace fm::overlay

namespace fm::overlay::detail {

const char* format_bytes(char (&buf)[32], double bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) bytes /= 1024.0, ++u;
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

const char* format_bytes_short(char (&buf)[16], double bytes) {
  static constexpr const char* units[] = {"B", "K", "M", "G", "T"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) bytes /= 1024.0, ++u;
  std::snprintf(buf, sizeof buf, u == 0 || bytes >= 100 ? "%.0f%s" : "%.1f%s", bytes, units[u]);
  return buf;
}

namespace {

struct PlotSource {
  const History* history;
  float (*value)(const Snapshot&);
  int count;
};

// A vertical line over the last item (a plot of `count` points) at point `index`.
void mark_point(std::size_t index, std::size_t count) {
  if (count < 2 || index >= count) return;
  const ImVec2 lo = ImGui::GetItemRectMin();
  const ImVec2 hi = ImGui::GetItemRectMax();
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  const float t = static_cast<float>(index) / static_cast<float>(count - 1);
  const float x = lo.x + pad.x + t * (hi.x - lo.x - 2 * pad.x);
  ImGui::GetWindowDrawList()->AddLine({x, lo.y}, {x, hi.y}, IM_COL32(255, 255, 255, 200), 1.5f);
}

}  // namespace

void plot_history(const char* label, const History& history, float (*value)(const Snapshot&), const char* overlay_text,
                  float height) {
  const int n = static_cast<int>(history.size());
  PlotSource src{&history, value, n};
  ImGui::PlotLines(
      label,
      [](void* data, int idx) -> float {
        const auto* s = static_cast<const PlotSource*>(data);
        return s->value(s->history->at(static_cast<std::size_t>(s->count - 1 - idx)));
      },
      &src, n, 0, overlay_text, 0.0f, FLT_MAX, ImVec2(ImGui::GetContentRegionAvail().x, height));
  if (!history.timeline().live()) mark_point(history.size() - 1 - history.shown_age(), history.size());
}

void plot_series(const char* label, const Series& series, const char* overlay_text, float height, std::size_t marked) {
  ImGui::PlotLines(
      label, [](void* data, int idx) { return static_cast<const Series*>(data)->at(static_cast<std::size_t>(idx)); },
      const_cast<Series*>(&series), static_cast<int>(series.size()), 0, overlay_text, 0.0f, FLT_MAX,
      ImVec2(ImGui::GetContentRegionAvail().x, height));
  mark_point(marked, series.size());
}

void figure_text(const Figure& f) {
  char value[32];
  if (f.unit == Unit::bytes) {
    format_bytes(value, static_cast<double>(f.value));
  } else {
    std::snprintf(value, sizeof value, "%llu", static_cast<unsigned long long>(f.value));
  }
  const int n = static_cast<int>(f.label.size());
  if (f.alert) {
    ImGui::TextColored(red, "%.*s: %s", n, f.label.data(), value);
  } else {
    ImGui::Text("%.*s: %s", n, f.label.data(), value);
  }
}

ImU32 heat(float t) {
  t = std::clamp(t, 0.0f, 1.0f);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(0.2f + 0.8f * t, 0.85f - 0.55f * t, 0.3f, 1.0f));
}

bool begin_table(const char* id, std::span<const Column> columns) {
  constexpr ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable(id, static_cast<int>(columns.size()), flags)) return false;
  for (const Column& c : columns) {
    if (c.weight == fit_contents) {
      ImGui::TableSetupColumn(c.label, ImGuiTableColumnFlags_WidthFixed);
    } else {
      ImGui::TableSetupColumn(c.label, ImGuiTableColumnFlags_WidthStretch, c.weight);
    }
  }
  ImGui::TableHeadersRow();
  return true;
}

}  // namespace fm::overlay::detail
