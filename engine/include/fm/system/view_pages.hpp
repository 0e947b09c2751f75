// View models of the two page panels: the pool occupancy map (each pool's figures and one row of 64
// cells per page) and the address map (each pool's pages along its address range, with large gaps
// between pages compressed so pages spread over gigabytes stay readable, and each cell's age in frames).
// Plain rows computed from snapshots; the ImGui code only draws them and tests check them exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fm/system/snapshot.hpp"
#include "fm/system/timeline.hpp"

namespace fm {

// The figures above a pool's occupancy map.
struct PoolMapView {
  std::string_view name;            // the pool's system name
  std::uint64_t block_size = 0;
  std::uint64_t page_bytes = 0;
  std::uint32_t pages = 0;          // committed pages
  std::uint32_t pages_shown = 0;    // page rows in the snapshot: fewer than pages when truncated
  bool truncated = false;
  std::uint32_t empty_pages = 0;
  std::uint32_t partial_pages = 0;
  std::uint32_t full_pages = 0;
  std::uint64_t live_blocks = 0;
  std::uint64_t committed_blocks = 0;
  double occupancy = 0;             // fm::metrics::occupancy
  double page_fragmentation = 0;    // fm::metrics::page_fragmentation
  std::uint64_t releasable_bytes = 0;
  double free_list_scatter = 0;
};

[[nodiscard]] PoolMapView pool_map_view(const Snapshot& s, std::size_t pool) noexcept;

enum class PageFill : std::uint8_t { empty, partial, full };

// One page row of the occupancy map: cell i is live when a live block lies in the i-th 64th of the page.
struct PageCells {
  std::uint64_t address = 0;
  std::uint32_t live_blocks = 0;
  std::uint32_t blocks = 0;
  double occupancy = 0;             // live_blocks / blocks
  PageFill fill = PageFill::empty;
  std::uint64_t live_cells = 0;     // bit i: cell i is live
};

[[nodiscard]] PageCells page_cells(const PoolSnapshot& pool, std::size_t page) noexcept;

// The address map compresses a gap between two pages that is longer than this many pages into a break
// of `break_pages` pages' width; shorter gaps are drawn to scale.
inline constexpr double address_map_max_gap_pages = 1.0;
inline constexpr double address_map_break_pages = 0.25;

// Where one page sits on a pool's address strip.
struct AddressMapPage {
  std::size_t page = 0;             // index into PoolSnapshot::pages
  double x0 = 0;                    // left and right edge as a share of the strip, 0..1
  double x1 = 0;
  std::uint64_t gap_bytes = 0;      // unused address space between the previous page's end and this page
  bool break_before = false;        // that gap is compressed (drawn as a break, not to scale)
};

struct AddressMapSummary {
  std::uint64_t span_bytes = 0;     // address_end - address_begin
  std::size_t breaks = 0;           // compressed gaps
  std::uint64_t skipped_bytes = 0;  // address space the breaks stand for
};

// Fills `out` (reusing its capacity) with the pool's page rows in address order.
AddressMapSummary address_map_view(const PoolSnapshot& pool, std::vector<AddressMapPage>& out);

// For each of the page's 64 cells, how many consecutive frames up to and including the timeline's shown
// frame it has been live (at most `max_age`; 0 = not live). The page is found by address in older frames.
void cell_ages(const Timeline& timeline, std::size_t pool, std::size_t page, std::size_t max_age,
               std::uint8_t (&ages)[64]) noexcept;

}  // namespace fm
