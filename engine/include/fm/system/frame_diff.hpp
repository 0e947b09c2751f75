// Frame diff: what changed between two snapshots, per system (pools with their pages and
// fragmentation), sorted by growth. Systems are matched by name, so frames on either side of a
// registration compare correctly.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "fm/system/snapshot.hpp"

namespace fm {

struct SystemDelta {
  enum class Presence : std::uint8_t { both, added, removed };  // added: only in the newer snapshot

  std::string_view name;
  std::string_view kind;
  Presence presence = Presence::both;
  std::int64_t bytes = 0;        // change of total_bytes_used, the used figure budgets check
  std::int64_t allocations = 0;  // allocations made in between (change of allocations_total)
  std::int64_t frees = 0;        // frees made in between (change of frees_total)
  bool pool = false;             // the pool figures below apply
  std::int64_t pages = 0;        // change of committed pages
  double fragmentation = 0;      // change of page fragmentation (fm::metrics::page_fragmentation)
  bool fragmentation_rose = false;
};

// Fills `out` (reusing its capacity) with one row per system of either snapshot, largest byte growth
// first (ties by name), from `older` to `newer`.
void frame_diff(const Snapshot& older, const Snapshot& newer, std::vector<SystemDelta>& out);

}  // namespace fm
