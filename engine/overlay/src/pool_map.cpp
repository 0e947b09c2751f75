// Panel 3: the occupancy map of the shown frame. Each pool's figures (fm::pool_map_view), then each page
// as a row of 64 cells (fm::page_cells): green when live, blue when the page is full, dark when free.
// The two actions sit underneath.
#include <cstdio>

#include "fm/system/view_pages.hpp"
#include "widgets.hpp"

namespace fm::overlay {

namespace {

ImU32 cell_colour(const PageCells& page, int cell) {
  if ((page.live_cells >> cell & 1u) == 0) return IM_COL32(45, 50, 60, 255);
  return page.fill == PageFill::full ? IM_COL32(60, 160, 230, 255) : IM_COL32(90, 200, 120, 255);
}

void draw_page_cells(const PoolSnapshot& pool) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cell = 4.0f;
  const float gap = 1.0f;
  const float row_width = 64 * cell;
  const float avail = ImGui::GetContentRegionAvail().x;
  const int pages_per_line = avail > 2 * row_width + 8 ? 2 : 1;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  for (std::size_t p = 0; p < pool.pages.size(); ++p) {
    const PageCells page = page_cells(pool, p);
    const float x0 = origin.x + static_cast<float>(p % pages_per_line) * (row_width + 8);
    const float y0 = origin.y + static_cast<float>(p / pages_per_line) * (cell + gap);
    for (int c = 0; c < 64; ++c) {
      dl->AddRectFilled({x0 + static_cast<float>(c) * cell, y0}, {x0 + static_cast<float>(c + 1) * cell - gap, y0 + cell},
                        cell_colour(page, c));
    }
  }
  const auto per_line = static_cast<std::size_t>(pages_per_line);
  const auto lines = (pool.pages.size() + per_line - 1) / per_line;
  ImGui::Dummy({avail, static_cast<float>(lines) * (cell + gap) + 2});
}

void draw_pool(const Snapshot& s, std::size_t i) {
  const PoolMapView v = pool_map_view(s, i);
  const int n = static_cast<int>(v.name.size());
  char a[32], b[32];
  if (v.pages == 0) {
    ImGui::TextColored(detail::dim, "%.*s: %s blocks, no pages", n, v.name.data(),
                       detail::format_bytes(a, static_cast<double>(v.block_size)));
    return;
  }
  ImGui::Text("%.*s: %s blocks, %u pages of %s", n, v.name.data(), detail::format_bytes(a, static_cast<double>(v.block_size)),
              v.pages, detail::format_bytes(b, static_cast<double>(v.page_bytes)));
  ImGui::Text("occupancy %.0f%% (%llu of %llu)  page fragmentation %.0f%%", v.occupancy * 100.0,
              static_cast<unsigned long long>(v.live_blocks), static_cast<unsigned long long>(v.committed_blocks),
              v.page_fragmentation * 100.0);
  ImGui::Text("releasable %s  free-list scatter %.2f", detail::format_bytes(a, static_cast<double>(v.releasable_bytes)),
              v.free_list_scatter);
  draw_page_cells(s.pools[i]);
  if (v.truncated) ImGui::TextColored(detail::dim, "(first %u of %u pages)", v.pages_shown, v.pages);
}

}  // namespace

PoolActions draw_pool_map(const Snapshot& s) {
  PoolActions actions;
  for (std::size_t i = 0; i < s.pools.size(); ++i) draw_pool(s, i);
  if (s.pools.empty()) ImGui::TextColored(detail::dim, "no pools registered");
  actions.compact_handles = ImGui::Button("Compact handles");
  ImGui::SameLine();
  actions.release_empty_pages = ImGui::Button("Release empty pages");
  return actions;
}

}  // namespace fm::overlay
