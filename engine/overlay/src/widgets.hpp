// Small drawing pieces shared by the panels: byte formatting into stack buffers, plots from snapshot
// history with the shown frame marked, figure rows, colour scales.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "fm/overlay/overlay.hpp"
#include "fm/system/view.hpp"

namespace fm::overlay::detail {

// "12.3 MiB" into `buf` (no allocation).
const char* format_bytes(char (&buf)[32], double bytes);
// "12.3M" for tight table cells.
const char* format_bytes_short(char (&buf)[16], double bytes);

// Plots one value per snapshot of the whole history, oldest first, with a line at the shown frame,
// e.g. [](const Snapshot& s) { return float(s.heap.bytes_this_frame); }.
void plot_history(const char* label, const History& history, float (*value)(const Snapshot&), const char* overlay_text,
                  float height = 40.0f);
// Plots a game series, with a line at the sample of the shown frame (`marked` < series.size(), or none).
void plot_series(const char* label, const Series& series, const char* overlay_text, float height = 40.0f,
                 std::size_t marked = SIZE_MAX);
// "label: value" of a view-model figure, red when it is an alert.
void figure_text(const Figure& figure);

// A table column: its header and its share of the width, or with weight 0 as wide as its widest cell.
struct Column {
  const char* label;
  float weight = 1.0f;
};
inline constexpr float fit_contents = 0.0f;
// Begins a table of the panels' one look (row background, inner borders, widths by weight) with `columns`
// and their header row; false when ImGui skips it (then draw nothing and do not end it).
[[nodiscard]] bool begin_table(const char* id, std::span<const Column> columns);

// Green (0) to red (1).
[[nodiscard]] ImU32 heat(float t);
inline const ImVec4 red{1.0f, 0.35f, 0.3f, 1.0f};
inline const ImVec4 dim{0.6f, 0.6f, 0.65f, 1.0f};
inline const ImVec4 amber{1.0f, 0.8f, 0.3f, 1.0f};
inline const ImVec4 green{0.4f, 0.9f, 0.5f, 1.0f};

}  // namespace fm::overlay::detail
