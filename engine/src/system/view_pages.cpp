// The page view models of fm/system/view_pages.hpp.
#include "fm/system/view_pages.hpp"

#include <algorithm>
#include <bit>

#include "fm/core/metrics.hpp"

namespace fm {

PoolMapView pool_map_view(const Snapshot& s, std::size_t pool) noexcept {
  const PoolSnapshot& p = s.pools[pool];
  PoolMapView v;
  v.name = s.systems[p.system].name.view();
  v.block_size = p.block_size;
  v.page_bytes = p.page_bytes;
  v.pages = p.committed_pages;
  v.pages_shown = static_cast<std::uint32_t>(p.pages.size());
  v.truncated = p.pages_truncated;
  v.empty_pages = p.empty_pages;
  v.partial_pages = p.partial_pages;
  v.full_pages = p.full_pages;
  v.live_blocks = p.live_blocks;
  v.committed_blocks = p.committed_blocks;
  v.occupancy = p.occupancy;
  v.page_fragmentation = p.page_fragmentation;
  v.releasable_bytes = p.releasable_bytes;
  v.free_list_scatter = p.free_list_scatter;
  return v;
}

PageCells page_cells(const PoolSnapshot& pool, std::size_t page) noexcept {
  const PageSnapshot& p = pool.pages[page];
  PageCells c;
  c.address = p.address;
  c.live_blocks = p.live_blocks;
  c.blocks = p.blocks;
  c.occupancy = metrics::occupancy(p.live_blocks, p.blocks);
  c.fill = p.live_blocks == 0 ? PageFill::empty : p.live_blocks == p.blocks ? PageFill::full : PageFill::partial;
  c.live_cells = p.live_summary;
  return c;
}

namespace {

// Width of the gap before a page, in pages: to scale up to the threshold, a fixed break beyond it.
double gap_width(std::uint64_t gap_bytes, std::uint64_t page_bytes) noexcept {
  const double pages = static_cast<double>(gap_bytes) / static_cast<double>(page_bytes);
  return pages > address_map_max_gap_pages ? address_map_break_pages : pages;
}

}  // namespace

AddressMapSummary address_map_view(const PoolSnapshot& pool, std::vector<AddressMapPage>& out) {
  out.clear();
  AddressMapSummary summary;
  summary.span_bytes = pool.address_end - pool.address_begin;
  if (pool.pages.empty() || pool.page_bytes == 0) return summary;
  // Positions in units of one page, then scaled to the strip.
  double x = 0;
  std::uint64_t previous_end = pool.pages.front().address;
  for (std::size_t i = 0; i < pool.pages.size(); ++i) {
    const std::uint64_t address = pool.pages[i].address;
    AddressMapPage row;
    row.page = i;
    row.gap_bytes = address > previous_end ? address - previous_end : 0;
    row.break_before = static_cast<double>(row.gap_bytes) > address_map_max_gap_pages * static_cast<double>(pool.page_bytes);
    if (row.break_before) {
      ++summary.breaks;
      summary.skipped_bytes += row.gap_bytes;
    }
    x += gap_width(row.gap_bytes, pool.page_bytes);
    row.x0 = x;
    x += 1.0;
    row.x1 = x;
    previous_end = address + pool.page_bytes;
    out.push_back(row);
  }
  for (AddressMapPage& row : out) {
    row.x0 /= x;
    row.x1 /= x;
  }
  return summary;
}

namespace {

// Live cells of the page at `address` in pool `pool` of `s` (0 when the page is not there). Pages keep their
// index while nothing is released, so the same index is tried first.
std::uint64_t live_cells_at(const Snapshot& s, std::size_t pool, std::size_t hint, std::uint64_t address) noexcept {
  if (pool >= s.pools.size()) return 0;
  const std::span<const PageSnapshot> pages = s.pools[pool].pages;
  if (hint < pages.size() && pages[hint].address == address) return pages[hint].live_summary;
  const auto it = std::find_if(pages.begin(), pages.end(), [&](const PageSnapshot& p) { return p.address == address; });
  return it == pages.end() ? 0 : it->live_summary;
}

}  // namespace

void cell_ages(const Timeline& timeline, std::size_t pool, std::size_t page, std::size_t max_age,
               std::uint8_t (&ages)[64]) noexcept {
  std::fill(std::begin(ages), std::end(ages), std::uint8_t{0});
  const std::size_t shown = timeline.shown_age();
  const std::uint64_t address = timeline.at(shown).pools[pool].pages[page].address;
  const std::size_t depth = std::min({timeline.size() - shown, max_age, std::size_t{255}});
  std::uint64_t still = ~std::uint64_t{0};
  for (std::size_t back = 0; back < depth && still != 0; ++back) {
    still &= live_cells_at(timeline.at(shown + back), pool, page, address);
    for (std::uint64_t bits = still; bits != 0; bits &= bits - 1) ++ages[std::countr_zero(bits)];
  }
}

}  // namespace fm
