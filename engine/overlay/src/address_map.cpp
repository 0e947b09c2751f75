// Panel 7: each pool's address range as a strip, in address order, one cell per 64th of a page; a live
// cell is coloured by how many recent frames it has stayed live (young = bright, old = deep blue), gaps
// between pages show as breaks. Age comes from the snapshot history, so the panel keeps no state.
#include <algorithm>

#include "widgets.hpp"

namespace fm::overlay {

namespace {

constexpr std::size_t max_age = 60;  // frames looked back

// Live summary of the page at `address` in pool `pool` of `s` (0 when the page is not there). Pages keep
// their index while nothing is released, so the same index is tried first.
std::uint64_t summary_at(const Snapshot& s, std::size_t pool, std::size_t hint, std::uint64_t address) {
  if (pool >= s.pools.size()) return 0;
  const PoolSnapshot& p = s.pools[pool];
  if (hint < p.pages.size() && p.pages[hint].address == address) return p.pages[hint].live_summary;
  for (const PageSnapshot& page : p.pages) {
    if (page.address == address) return page.live_summary;
  }
  return 0;
}

// For each of the page's 64 cells, the number of recent frames (up to max_age) it has stayed live.
void cell_ages(const History& history, std::size_t pool, std::size_t page, std::uint8_t (&ages)[64]) {
  const std::uint64_t address = history.latest().pools[pool].pages[page].address;
  std::uint64_t still = ~std::uint64_t{0};
  std::fill(std::begin(ages), std::end(ages), std::uint8_t{0});
  const std::size_t depth = std::min(history.size(), max_age);
  for (std::size_t back = 0; back < depth && still != 0; ++back) {
    still &= summary_at(history.at(back), pool, page, address);
    for (std::uint64_t bits = still; bits != 0; bits &= bits - 1) ++ages[__builtin_ctzll(bits)];
  }
}

ImU32 age_colour(std::size_t age) {
  const float t = static_cast<float>(age) / static_cast<float>(max_age);
  return ImGui::ColorConvertFloat4ToU32(ImVec4(1.0f - 0.8f * t, 0.9f - 0.5f * t, 0.4f + 0.6f * t, 1.0f));
}

}  // namespace

void draw_address_map(const History& history) {
  if (history.empty()) return;
  const Snapshot& s = history.latest();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float width = ImGui::GetContentRegionAvail().x;
  const float strip_h = 10.0f;
  for (std::size_t i = 0; i < s.pools.size(); ++i) {
    const PoolSnapshot& pool = s.pools[i];
    if (pool.pages.empty()) {
      ImGui::TextColored(detail::dim, "%s: no pages", s.systems[pool.system].name.c_str());
      continue;
    }
    ImGui::Text("%s  [0x%llx .. 0x%llx)", s.systems[pool.system].name.c_str(),
                static_cast<unsigned long long>(pool.address_begin), static_cast<unsigned long long>(pool.address_end));
    const ImVec2 o = ImGui::GetCursorScreenPos();
    dl->AddRectFilled(o, {o.x + width, o.y + strip_h}, IM_COL32(30, 32, 40, 255));
    const double span = static_cast<double>(pool.address_end - pool.address_begin);
    for (std::size_t p = 0; p < pool.pages.size() && span > 0; ++p) {
      const PageSnapshot& page = pool.pages[p];
      const double x_page = static_cast<double>(page.address - pool.address_begin) / span * width;
      const double w_cell = static_cast<double>(pool.page_bytes) / span * width / 64.0;
      std::uint8_t ages[64];
      cell_ages(history, i, p, ages);
      for (int c = 0; c < 64; ++c) {
        if (ages[c] == 0) continue;
        const auto x0 = static_cast<float>(x_page + w_cell * c);
        const auto x1 = std::max(x0 + 1.0f, static_cast<float>(x_page + w_cell * (c + 1)));
        dl->AddRectFilled({o.x + x0, o.y}, {o.x + x1, o.y + strip_h}, age_colour(ages[c]));
      }
    }
    ImGui::Dummy({width, strip_h + 2});
  }
  if (s.pools.empty()) ImGui::TextColored(detail::dim, "no pools registered");
  ImGui::TextColored(detail::dim, "bright: live < 1 s   blue: live %zu+ frames", max_age);
}

}  // namespace fm::overlay
