// Panel 3: the occupancy map. Each page is a row of cells (one per 64th of the page, the snapshot's live
// summary), green when live, dark when free; the pool's metrics and the two actions sit underneath.
#include <cstdio>

#include "widgets.hpp"

namespace fm::overlay {

namespace {

void draw_page_cells(const PoolSnapshot& pool) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cell = 4.0f;
  const float gap = 1.0f;
  const float row_width = 64 * cell;
  const float avail = ImGui::GetContentRegionAvail().x;
  const int pages_per_line = avail > 2 * row_width + 8 ? 2 : 1;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImU32 free_colour = IM_COL32(45, 50, 60, 255);
  const ImU32 live_colour = IM_COL32(90, 200, 120, 255);
  for (std::size_t p = 0; p < pool.pages.size(); ++p) {
    const PageSnapshot& page = pool.pages[p];
    const float x0 = origin.x + static_cast<float>(p % pages_per_line) * (row_width + 8);
    const float y0 = origin.y + static_cast<float>(p / pages_per_line) * (cell + gap);
    const bool full = page.live_blocks == page.blocks;
    for (int c = 0; c < 64; ++c) {
      const bool live = (page.live_summary >> c & 1u) != 0;
      const ImU32 colour = live ? (full ? IM_COL32(60, 160, 230, 255) : live_colour) : free_colour;
      dl->AddRectFilled({x0 + static_cast<float>(c) * cell, y0}, {x0 + static_cast<float>(c + 1) * cell - gap, y0 + cell},
                        colour);
    }
  }
  const auto per_line = static_cast<std::size_t>(pages_per_line);
  const auto lines = (pool.pages.size() + per_line - 1) / per_line;
  ImGui::Dummy({avail, static_cast<float>(lines) * (cell + gap) + 2});
}

}  // namespace

PoolActions draw_pool_map(const Snapshot& s) {
  PoolActions actions;
  char a[32], b[32];
  for (std::size_t i = 0; i < s.pools.size(); ++i) {
    const PoolSnapshot& pool = s.pools[i];
    const SystemSnapshot& sys = s.systems[pool.system];
    ImGui::Text("%s: %llu-byte blocks, %u pages", sys.name.c_str(), static_cast<unsigned long long>(pool.block_size),
                pool.committed_pages);
    ImGui::Text("occupancy %.0f%%  page fragmentation %.0f%%", pool.occupancy * 100.0, pool.page_fragmentation * 100.0);
    ImGui::Text("releasable %s  free-list scatter %.2f", detail::format_bytes(a, static_cast<double>(pool.releasable_bytes)),
                pool.free_list_scatter);
    draw_page_cells(pool);
    if (pool.pages_truncated) {
      ImGui::TextColored(detail::dim, "(first %zu of %u pages; page size %s)", pool.pages.size(), pool.committed_pages,
                         detail::format_bytes(b, static_cast<double>(pool.page_bytes)));
    }
  }
  if (s.pools.empty()) ImGui::TextColored(detail::dim, "no pools registered");
  actions.compact_handles = ImGui::Button("Compact handles");
  ImGui::SameLine();
  actions.release_empty_pages = ImGui::Button("Release empty pages");
  return actions;
}

}  // namespace fm::overlay
