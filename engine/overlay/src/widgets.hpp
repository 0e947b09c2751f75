// Small drawing pieces shared by the panels: byte formatting into stack buffers, plots from snapshot
// history, colour scales.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <cstdint>

#include "fm/overlay/overlay.hpp"

namespace fm::overlay::detail {

// "12.3 MiB" into `buf` (no allocation).
const char* format_bytes(char (&buf)[32], double bytes);
// "12.3M" for tight table cells.
const char* format_bytes_short(char (&buf)[16], double bytes);

// Plots one value per snapshot, oldest first, e.g. [](const Snapshot& s) { return float(s.heap.bytes_this_frame); }.
void plot_history(const char* label, const History& history, float (*value)(const Snapshot&), const char* overlay_text,
                  float height = 40.0f);
void plot_series(const char* label, const Series& series, const char* overlay_text, float height = 40.0f);

// Green (0) to red (1).
[[nodiscard]] ImU32 heat(float t);
inline const ImVec4 red{1.0f, 0.35f, 0.3f, 1.0f};
inline const ImVec4 dim{0.6f, 0.6f, 0.65f, 1.0f};

}  // namespace fm::overlay::detail
