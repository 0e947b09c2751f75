// Specification of fm/system/view_pages.hpp on hand-made pools: the occupancy map's page rows and the
// address map's gap compression.
#include "fm/system/view_pages.hpp"

#include <doctest/doctest.h>

#include <vector>

namespace {

fm::PoolSnapshot pool_of(const std::vector<fm::PageSnapshot>& pages, std::uint64_t page_bytes) {
  fm::PoolSnapshot p;
  p.page_bytes = page_bytes;
  p.pages = pages;
  p.committed_pages = static_cast<std::uint32_t>(pages.size());
  p.address_begin = pages.front().address;
  p.address_end = pages.back().address + page_bytes;
  return p;
}

}  // namespace

TEST_CASE("the address map draws adjacent pages and gaps up to a page to scale") {
  constexpr std::uint64_t page = 0x2000;
  const std::vector<fm::PageSnapshot> pages{{0x100000, 0, 8, 0}, {0x102000, 0, 8, 0}, {0x105000, 0, 8, 0}};
  std::vector<fm::AddressMapPage> rows;
  const fm::AddressMapSummary s = fm::address_map_view(pool_of(pages, page), rows);
  REQUIRE(rows.size() == 3);
  // Units of one page: [0,1] [1,2], a gap of half a page, [2.5,3.5].
  CHECK(rows[0].x0 == doctest::Approx(0.0));
  CHECK(rows[0].x1 == doctest::Approx(1 / 3.5));
  CHECK(rows[1].x0 == doctest::Approx(1 / 3.5));
  CHECK(rows[1].gap_bytes == 0);
  CHECK(rows[2].gap_bytes == 0x1000);
  CHECK_FALSE(rows[2].break_before);
  CHECK(rows[2].x0 == doctest::Approx(2.5 / 3.5));
  CHECK(rows[2].x1 == doctest::Approx(1.0));
  CHECK(s.breaks == 0);
  CHECK(s.span_bytes == 0x7000);
}

TEST_CASE("the address map compresses gaps longer than a page, so pages spread over terabytes stay visible") {
  constexpr std::uint64_t page = 0x10000;
  const std::vector<fm::PageSnapshot> pages{
      {0x10000000, 0, 8, 0}, {0x10010000, 0, 8, 0}, {0x7f0000000000, 0, 8, 0}, {0x7f0000030000, 0, 8, 0}};
  std::vector<fm::AddressMapPage> rows;
  const fm::AddressMapSummary s = fm::address_map_view(pool_of(pages, page), rows);
  REQUIRE(rows.size() == 4);
  // [0,1] [1,2], a break of 0.25, [2.25,3.25], a break of 0.25 (two pages skipped), [3.5,4.5].
  const double total = 4.5;
  CHECK(rows[2].break_before);
  CHECK(rows[2].gap_bytes == 0x7f0000000000 - 0x10020000);
  CHECK(rows[2].x0 == doctest::Approx(2.25 / total));
  CHECK(rows[3].break_before);
  CHECK(rows[3].gap_bytes == 0x20000);
  CHECK(rows[3].x0 == doctest::Approx(3.5 / total));
  CHECK(rows[3].x1 == doctest::Approx(1.0));
  CHECK(s.breaks == 2);
  CHECK(s.skipped_bytes == rows[2].gap_bytes + rows[3].gap_bytes);
  CHECK(s.span_bytes == 0x7f0000040000 - 0x10000000);
  // Drawn to scale, each page would be under a millionth of the strip.
  for (const auto& r : rows) CHECK(r.x1 - r.x0 == doctest::Approx(1 / total));
}

TEST_CASE("the address map of a pool without pages is empty and reuses the caller's rows") {
  fm::PoolSnapshot empty;
  std::vector<fm::AddressMapPage> rows(3);
  const fm::AddressMapSummary s = fm::address_map_view(empty, rows);
  CHECK(rows.empty());
  CHECK(s.breaks == 0);
  CHECK(s.span_bytes == 0);
}

TEST_CASE("an occupancy-map page row says which 64ths are live and whether the page is empty, partial or full") {
  const std::vector<fm::PageSnapshot> pages{{0x4000, 0, 16, 0}, {0x8000, 4, 16, 0b1111}, {0xc000, 16, 16, ~0ull}};
  const fm::PoolSnapshot pool = pool_of(pages, 0x4000);
  const fm::PageCells a = fm::page_cells(pool, 0);
  CHECK(a.fill == fm::PageFill::empty);
  CHECK(a.occupancy == 0.0);
  const fm::PageCells b = fm::page_cells(pool, 1);
  CHECK(b.fill == fm::PageFill::partial);
  CHECK(b.address == 0x8000);
  CHECK(b.live_blocks == 4);
  CHECK(b.blocks == 16);
  CHECK(b.occupancy == doctest::Approx(0.25));
  CHECK(b.live_cells == 0b1111);
  const fm::PageCells c = fm::page_cells(pool, 2);
  CHECK(c.fill == fm::PageFill::full);
  CHECK(c.occupancy == 1.0);
}
