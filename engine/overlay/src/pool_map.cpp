// Panel 3: the occupancy map of the shown frame. Each pool's figures (fm::pool_map_view), then each page
// as a row of 64 cells (fm::page_cells): green when live, blue when the page is full, dark when free.
// The two actions sit underneath.
#include <algorithm>
#include <cstdio>

#include "fm/system/view_pages.hpp"
#include "widgets.hpp"

namespace fm::overlay {

namespace {

ImU32 cell_colour(const PageCells& page, int cell) {
  if ((page.live_cells >> cell & 1u) == 0) return IM_COL32(45, 50, 60, 255);
  return page.fill == PageFill::full ? IM_COL32(60, 160, 230, 255) : IM_COL32(90, 200, 120, 255);
}

// Cells as large as fit: the largest cell size (4 px down to 1) whose page rows, several per line when
// there is room, stay within `max_height`, so a pool of hundreds of pages leaves room for the next pool.
struct CellLayout {
  float cell = 4;
  std::size_t per_line = 1;
  std::size_t lines = 0;
  [[nodiscard]] float height() const { return static_cast<float>(lines) * (cell + 1); }
};

CellLayout cell_layout(std::size_t pages, float avail, float max_height) {
  constexpr float page_gap = 6;
  CellLayout l;
  for (float cell = 4; cell >= 1; cell -= 1) {
    l.cell = cell;
    l.per_line = std::max<std::size_t>(1, static_cast<std::size_t>((avail + page_gap) / (64 * cell + page_gap)));
    l.lines = (pages + l.per_line - 1) / l.per_line;
    if (l.height() <= max_height) break;
  }
  return l;
}

void draw_page_cells(const PoolSnapshot& pool) {
  constexpr float page_gap = 6;
  constexpr float max_height = 90;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float avail = ImGui::GetContentRegionAvail().x;
  const CellLayout l = cell_layout(pool.pages.size(), avail, max_height);
  const float gap = l.cell > 2 ? 1.0f : 0.0f;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  for (std::size_t p = 0; p < pool.pages.size(); ++p) {
    const PageCells page = page_cells(pool, p);
    const float x0 = origin.x + static_cast<float>(p % l.per_line) * (64 * l.cell + page_gap);
    const float y0 = origin.y + static_cast<float>(p / l.per_line) * (l.cell + 1);
    for (int c = 0; c < 64; ++c) {
      const float cx = x0 + static_cast<float>(c) * l.cell;
      dl->AddRectFilled({cx, y0}, {cx + l.cell - gap, y0 + l.cell}, cell_colour(page, c));
    }
  }
  ImGui::Dummy({avail, l.height() + 2});
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
