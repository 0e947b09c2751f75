// View models: what the overlay's panels and the usage report display, as plain rows of labelled values
// computed from snapshots. Each figure is defined here once; the ImGui code only draws these rows, and
// tests check them exactly. Nothing here allocates.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "fm/system/snapshot.hpp"

namespace fm {

// total_bytes_used / budget (0 without a budget): the one used quantity, as in the budget check.
[[nodiscard]] double budget_use(const SystemSnapshot& s) noexcept;

// One row of the systems table (snapshot rows are in hierarchy order, so children follow their parent): the
// snapshot row itself, every field as fm/system/snapshot_fields.hpp lists it, and what the table derives
// from it. "Used" in the table, the bar and the report is figures.total_bytes_used (with children), the
// quantity budgets limit.
struct SystemRow {
  SystemSnapshot figures;
  std::string_view name;               // full path, "entities/ai"
  std::string_view label;              // last part, "ai", shown indented under its parent
  std::uint32_t indent = 0;            // depth in the hierarchy
  std::string_view kind;
  double budget_use = 0;               // used / soft budget, the bar's fill (may exceed 1; 0 without a budget)
};

[[nodiscard]] SystemRow system_row(const Snapshot& s, std::size_t i) noexcept;

enum class Unit : std::uint8_t { bytes, count };

struct Figure {
  std::string_view label;
  std::uint64_t value = 0;
  Unit unit = Unit::bytes;
  bool alert = false;  // drawn red
};

// The frame arena panel: each figure of fm::FrameArenaSnapshot with its label.
struct FrameArenaView {
  bool available = false;
  std::array<Figure, 6> figures{};
};

[[nodiscard]] FrameArenaView frame_arena_view(const Snapshot& s) noexcept;

}  // namespace fm
