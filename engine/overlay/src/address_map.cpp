// Panel 7: each pool's pages of the shown frame along its address range (fm::address_map_view): gaps of
// more than a page between pages are compressed into a marked break, so pages spread over a large range
// stay readable. A live cell is coloured by how many frames it has stayed live up to the shown frame
// (fm::cell_ages: young = bright, old = deep blue). Age comes from the history, so the panel keeps no state.
#include <algorithm>

#include "fm/system/view_pages.hpp"
#include "widgets.hpp"

namespace fm::overlay {

namespace {

constexpr std::size_t max_age = 60;  // frames looked back

ImU32 age_colour(std::size_t age) {
  const float t = static_cast<float>(age) / static_cast<float>(max_age);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(1.0f - 0.8f * t, 0.9f - 0.5f * t, 0.4f + 0.6f * t, 1.0f));
}

void draw_strip(const History& history, std::size_t pool, std::span<const AddressMapPage> rows) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float width = ImGui::GetContentRegionAvail().x;
  const float strip_h = 10.0f;
  const ImVec2 o = ImGui::GetCursorScreenPos();
  dl->AddRectFilled(o, {o.x + width, o.y + strip_h}, IM_COL32(30, 32, 40, 255));
  for (const AddressMapPage& row : rows) {
    const auto x0 = static_cast<float>(row.x0 * width);
    const auto x1 = static_cast<float>(row.x1 * width);
    if (row.break_before) {
      dl->AddLine({o.x + x0 - 2, o.y - 1}, {o.x + x0 - 4, o.y + strip_h + 1}, IM_COL32(230, 200, 80, 255), 1.5f);
    }
    dl->AddRectFilled({o.x + x0, o.y}, {o.x + x1, o.y + strip_h}, IM_COL32(50, 55, 70, 255));
    std::uint8_t ages[64];
    cell_ages(history.timeline(), pool, row.page, max_age, ages);
    const float w_cell = (x1 - x0) / 64.0f;
    for (int c = 0; c < 64; ++c) {
      if (ages[c] == 0) continue;
      const float c0 = x0 + w_cell * static_cast<float>(c);
      dl->AddRectFilled({o.x + c0, o.y}, {o.x + std::max(c0 + 1.0f, c0 + w_cell), o.y + strip_h}, age_colour(ages[c]));
    }
  }
  ImGui::Dummy({width, strip_h + 2});
}

}  // namespace

void draw_address_map(const History& history, std::vector<AddressMapPage>& rows) {
  if (history.empty()) return;
  const Snapshot& s = history.shown();
  char a[32], b[32];
  for (std::size_t i = 0; i < s.pools.size(); ++i) {
    const PoolSnapshot& pool = s.pools[i];
    const char* name = s.systems[pool.system].name.c_str();
    if (pool.pages.empty()) {
      ImGui::TextColored(detail::dim, "%s: no pages", name);
      continue;
    }
    const AddressMapSummary summary = address_map_view(pool, rows);
    ImGui::Text("%s: %zu pages over %s", name, pool.pages.size(), detail::format_bytes(a, static_cast<double>(summary.span_bytes)));
    if (summary.breaks > 0) {
      ImGui::SameLine();
      ImGui::TextColored(detail::amber, "%zu gaps cut (%s)", summary.breaks,
                         detail::format_bytes(b, static_cast<double>(summary.skipped_bytes)));
    }
    if (ImGui::IsItemHovered()) {
      ImGui::SetTooltip("[0x%llx .. 0x%llx)", static_cast<unsigned long long>(pool.address_begin),
                        static_cast<unsigned long long>(pool.address_end));
    }
    draw_strip(history, i, rows);
  }
  if (s.pools.empty()) ImGui::TextColored(detail::dim, "no pools registered");
  ImGui::TextColored(detail::dim, "bright: live < 1 s, blue: live %zu+ frames, yellow: gap", max_age);
}

}  // namespace fm::overlay
