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

// One row of the systems table (snapshot rows are in hierarchy order, so children follow their parent).
struct SystemRow {
  std::string_view name;               // full path, "entities/ai"
  std::string_view label;              // last part, "ai", shown indented under its parent
  std::uint32_t indent = 0;            // depth in the hierarchy
  std::string_view kind;
  std::uint64_t used = 0;              // total_bytes_used: this system and its children, what the budget limits
  std::uint64_t reserved = 0;          // total_bytes_reserved
  std::uint64_t own_used = 0;          // this system's own allocator
  bool has_allocator = false;          // false for a pure scope (no own figures, no allocation counts)
  std::uint64_t own_peak = 0;          // high-water mark of the own allocator
  std::uint64_t budget = 0;            // soft budget, 0 = none
  double budget_use = 0;               // used / budget, the bar's fill (may exceed 1)
  bool over_budget = false;            // over any of its budgets: drawn red, reported as an overrun
  std::uint64_t hard_budget = 0;       // 0 = none
  std::optional<std::uint64_t> frame_allocation_budget;
  std::uint64_t allocations_refused_this_frame = 0;  // by the hard budget
  bool over_soft_budget = false;       // used > budget
  bool over_hard_budget = false;       // an allocation was refused this frame, or used > hard budget
  bool over_frame_budget = false;      // rolled-up allocations this frame > per-frame budget
  std::uint64_t allocations_this_frame = 0;
  std::uint64_t frees_this_frame = 0;  // deallocate() calls (no-ops in an arena)
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
