// The truth test: a scripted workload whose answers are known frame by frame (bytes per system, budgets
// and overruns, pages and their occupancy, fragmentation, frame-arena use, heap traffic), checked against
// every row of every panel's view model, for the live frame and for each frame of the history the
// timeline scrubs back to. What the overlay draws is these rows and nothing else.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "fm/alloc/pool.hpp"
#include "fm/system/frame_diff.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/timeline.hpp"
#include "fm/system/view.hpp"
#include "fm/system/view_cache.hpp"
#include "fm/system/view_frame.hpp"
#include "fm/system/view_pages.hpp"

namespace {

// What a known frame must show.
struct Expected {
  std::uint64_t frame;
  std::uint64_t bullets_live;      // live bullet blocks
  std::uint32_t pages;             // bullet pool pages
  std::uint32_t full, partial, empty;
  std::uint64_t arena_this_frame, arena_held, arena_high_water;
  std::uint64_t audio_used;
};

// Blocks of `blocks` in page `page` (in address order) and the cells they light up: bit block * 64 /
// blocks_per_page (the live-summary definition).
struct PageUse {
  std::uint32_t live = 0;
  std::uint64_t cells = 0;
};

PageUse use_of(const fm::Pool& pool, std::size_t page, const std::vector<void*>& blocks) {
  const fm::PageInfo info = pool.page_info(page);
  PageUse use;
  for (void* p : blocks) {
    const auto* b = static_cast<const std::byte*>(p);
    if (b < info.first_block || b >= info.first_block + info.blocks * info.stride) continue;
    const auto index = static_cast<std::size_t>(b - info.first_block) / info.stride;
    use.cells |= std::uint64_t{1} << (index * 64 / info.blocks);
    ++use.live;
  }
  return use;
}

struct Workload {
  fm::MemorySystem ms{{.frame_arena = {.capacity = 4096}, .history = 4}};
  fm::Pool bullets{64, 16, {.blocks_per_page = 64, .name = "bullets"}};
  fm::NewAllocator audio;
  std::size_t per_page = 0;
  std::uint64_t page_bytes = 0;
  std::vector<void*> first, second;  // bullets in the first and the second page
  void* sound = nullptr;

  Workload() {
    ms.add_scope("combat", 64 * 1024);
    ms.add_pool("combat/bullets", bullets);
    ms.add_system("audio", audio, "heap", 1000);
    per_page = bullets.pool_stats().blocks_per_page;
    page_bytes = bullets.pool_stats().page_bytes;
    first.reserve(per_page);
    second.reserve(per_page);
  }

  void arena(std::size_t bytes) {
    for (std::size_t i = 0; i < bytes / 64; ++i) (void)ms.frame_arena().allocate(64, 8);
  }

  // Frame 1: one full page of bullets; 640 arena bytes.
  // Frame 2: half a second page; 320 arena bytes.
  // Frame 3: audio allocates 1280 bytes on the heap, over its 1000-byte budget; nothing else.
  // Frame 4: the second page's bullets and the sound are freed.
  void run() {
    ms.begin_frame();
    for (std::size_t i = 0; i < per_page; ++i) first.push_back(bullets.allocate(64, 16));
    arena(640);
    ms.end_frame();
    ms.begin_frame();
    for (std::size_t i = 0; i < per_page / 2; ++i) second.push_back(bullets.allocate(64, 16));
    arena(320);
    ms.end_frame();
    ms.begin_frame();
    sound = audio.allocate(1280);
    ms.end_frame();
    ms.begin_frame();
    for (void* p : second) bullets.deallocate(p, 64, 16);
    audio.deallocate(sound, 1280);
    ms.end_frame();
  }
};

const fm::SystemRow row_named(const fm::Snapshot& s, std::string_view name) {
  for (std::size_t i = 0; i < s.systems.size(); ++i) {
    if (s.systems[i].name.view() == name) return fm::system_row(s, i);
  }
  FAIL("no system ", name);
  return {};
}

void check_frame(const fm::Timeline& t, const Expected& e, const Workload& w) {
  INFO("frame ", e.frame);
  const fm::Snapshot& s = t.shown();
  REQUIRE(s.frame == e.frame);

  // Frame panel.
  const fm::FrameView f = fm::frame_view(s);
  CHECK(f.frame == e.frame);
  CHECK(f.heap_available);
  CHECK(f.frame_ms >= 0);
  CHECK(f.fps == doctest::Approx(f.interval_ms > 0 ? 1000.0 / f.interval_ms : 0.0));

  // Systems table: hierarchy, used bytes, budgets.
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < s.systems.size(); ++i) {
    const fm::SystemRow r = fm::system_row(s, i);
    shown.push_back(std::string(2 * r.indent, ' ') + std::string(r.label));
  }
  CHECK(shown == std::vector<std::string>{"frame", "combat", "  bullets", "audio"});
  const std::uint64_t bullet_bytes = e.bullets_live * 64;
  const fm::SystemRow bullets = row_named(s, "combat/bullets");
  CHECK(bullets.figures.total_bytes_used == bullet_bytes);
  CHECK(bullets.kind == "pool");
  CHECK(bullets.figures.total_bytes_reserved == e.pages * w.page_bytes);
  const fm::SystemRow combat = row_named(s, "combat");
  CHECK(combat.figures.total_bytes_used == bullet_bytes);
  CHECK(combat.figures.budget == 64 * 1024);
  CHECK(combat.budget_use == doctest::Approx(static_cast<double>(bullet_bytes) / (64 * 1024)));
  CHECK_FALSE(combat.figures.over_budget);
  CHECK_FALSE(combat.figures.has_allocator);
  const fm::SystemRow audio = row_named(s, "audio");
  CHECK(audio.figures.total_bytes_used == e.audio_used);
  CHECK(audio.budget_use == doctest::Approx(static_cast<double>(e.audio_used) / 1000));
  CHECK(audio.figures.over_budget == (e.audio_used > 1000));
  CHECK(fm::any_over_budget(s) == (e.audio_used > 1000));
  CHECK(row_named(s, "frame").figures.total_bytes_used == e.arena_held);

  // Pool occupancy map.
  REQUIRE(s.pools.size() == 1);
  const fm::PoolMapView p = fm::pool_map_view(s, 0);
  CHECK(p.name == "combat/bullets");
  CHECK(p.block_size == 64);
  CHECK(p.page_bytes == w.page_bytes);
  CHECK(p.pages == e.pages);
  CHECK(p.pages_shown == e.pages);
  CHECK_FALSE(p.truncated);
  CHECK(p.full_pages == e.full);
  CHECK(p.partial_pages == e.partial);
  CHECK(p.empty_pages == e.empty);
  CHECK(p.live_blocks == e.bullets_live);
  CHECK(p.committed_blocks == e.pages * w.per_page);
  CHECK(p.occupancy == doctest::Approx(static_cast<double>(e.bullets_live) / static_cast<double>(e.pages * w.per_page)));
  CHECK(p.page_fragmentation == doctest::Approx(static_cast<double>(e.partial) / e.pages));
  CHECK(p.releasable_bytes == e.empty * w.page_bytes);
  std::vector<void*> live(w.first);
  if (e.bullets_live > w.per_page) live.insert(live.end(), w.second.begin(), w.second.end());
  for (std::size_t page = 0; page < e.pages; ++page) {
    INFO("page ", page);
    const fm::PageCells c = fm::page_cells(s.pools[0], page);
    // The pool's page at that address now (pages keep their addresses; their index may have changed since).
    std::size_t now = 0;
    while (now < w.bullets.page_count() && reinterpret_cast<std::uintptr_t>(w.bullets.page_info(now).page) != c.address) ++now;
    REQUIRE(now < w.bullets.page_count());
    const PageUse use = use_of(w.bullets, now, live);
    CHECK(c.live_cells == use.cells);
    CHECK(c.live_blocks == use.live);
    CHECK(c.fill == (use.live == 0 ? fm::PageFill::empty : use.live == w.per_page ? fm::PageFill::full : fm::PageFill::partial));
  }

  // Address map: the pool's pages in address order, each a page wide, gaps compressed past one page.
  std::vector<fm::AddressMapPage> rows;
  const fm::AddressMapSummary a = fm::address_map_view(s.pools[0], rows);
  REQUIRE(rows.size() == e.pages);
  CHECK(rows.back().x1 == doctest::Approx(1.0));
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::uint64_t gap = s.pools[0].pages[i].address - (s.pools[0].pages[i - 1].address + w.page_bytes);
    CHECK(rows[i].gap_bytes == gap);
    CHECK(rows[i].break_before == (gap > w.page_bytes));
  }
  CHECK(a.span_bytes == s.pools[0].address_end - s.pools[0].address_begin);

  // Frame arena panel.
  const fm::FrameArenaView arena = fm::frame_arena_view(s);
  CHECK(arena.figures[0].value == e.arena_this_frame);
  CHECK(arena.figures[1].value == e.arena_held);
  CHECK(arena.figures[2].value == 4096);
  CHECK(arena.figures[3].value == e.arena_high_water);
  CHECK(arena.figures[5].value == 0);
}

}  // namespace

TEST_CASE("truth: every panel's rows carry the known figures of each frame, live and scrubbed back") {
  Workload w;
  REQUIRE(w.per_page >= 64);
  w.run();
  // Pages are in address order, which need not be the order they were added in.
  const std::size_t first_page = use_of(w.bullets, 0, w.first).live == w.per_page ? 0 : 1;
  const std::size_t second_page = 1 - first_page;
  const std::uint64_t second_cells = use_of(w.bullets, second_page, w.second).cells;
  const std::uint64_t full = w.per_page, half = w.per_page / 2;
  const Expected frames[] = {
      {1, full, 1, 1, 0, 0, 640, 640, 640, 0},
      {2, full + half, 2, 1, 1, 0, 320, 960, 640, 0},
      {3, full + half, 2, 1, 1, 0, 0, 320, 640, 1280},
      {4, full, 2, 1, 0, 1, 0, 0, 640, 0},
  };
  fm::Timeline t(w.ms);
  SUBCASE("live") { check_frame(t, frames[3], w); }
  SUBCASE("scrubbed back frame by frame") {
    for (int k = 3; k >= 0; --k) {
      check_frame(t, frames[k], w);
      t.step(-1);
    }
  }
  SUBCASE("the last frame over budget") {
    REQUIRE(t.show_last_overrun());
    check_frame(t, frames[2], w);
  }

  // Heap traffic of the frame panel: frame 3 made exactly one 1280-byte heap allocation, frame 4 none.
  t.show_frame(3);
  const fm::FrameView f3 = fm::frame_view(t.shown());
  CHECK(f3.heap[0].value == 1);
  CHECK(f3.heap[0].alert);
  CHECK(f3.heap[2].value == 1280);
  t.show_frame(4);
  const fm::FrameView f4 = fm::frame_view(t.shown());
  CHECK(f4.heap[0].value == 0);
  CHECK(f4.heap[1].value == 1);
  CHECK_FALSE(f4.heap[0].alert);

  // Cell ages up to the shown frame: the first page has been live since frame 1, the second page's half
  // since frame 2 (and nothing of it after frame 4's frees).
  std::uint8_t ages[64];
  t.show_frame(2);
  fm::cell_ages(t, 0, first_page, 60, ages);
  CHECK(std::vector<int>(std::begin(ages), std::end(ages)) == std::vector<int>(64, 2));
  fm::cell_ages(t, 0, second_page, 60, ages);
  for (int c = 0; c < 64; ++c) CHECK(ages[c] == ((second_cells >> c & 1u) != 0 ? 1 : 0));
  t.show_frame(4);
  fm::cell_ages(t, 0, first_page, 60, ages);
  CHECK(ages[0] == 4);
  CHECK(ages[63] == 4);
  fm::cell_ages(t, 0, first_page, 3, ages);
  CHECK(ages[0] == 3);  // capped at max_age
  fm::cell_ages(t, 0, second_page, 60, ages);
  CHECK(std::vector<int>(std::begin(ages), std::end(ages)) == std::vector<int>(64, 0));

  // Frame diff from frame 1 to frame 2: half a page of bullets, one page more, fragmentation rose.
  std::vector<fm::SystemDelta> diff;
  fm::frame_diff(w.ms.history(3), w.ms.history(2), diff);
  REQUIRE(diff.size() == 4);
  CHECK(diff[0].name == "combat");
  CHECK(diff[0].bytes == static_cast<std::int64_t>(half * 64));
  CHECK(diff[1].name == "combat/bullets");
  CHECK(diff[1].bytes == static_cast<std::int64_t>(half * 64));
  CHECK(diff[1].allocations == static_cast<std::int64_t>(half));
  CHECK(diff[1].pages == 1);
  CHECK(diff[1].fragmentation == doctest::Approx(0.5));
  CHECK(diff[1].fragmentation_rose);
  CHECK(diff[2].name == "frame");
  CHECK(diff[2].bytes == 320);
  CHECK(diff[3].name == "audio");
  CHECK(diff[3].bytes == 0);

  // One frame more: frame 1 leaves the four-frame ring; a timeline paused there shows the oldest kept.
  t.show_frame(1);
  w.ms.begin_frame();
  w.ms.end_frame();
  CHECK(t.shown_expired());
  check_frame(t, frames[1], w);
  for (void* p : w.first) w.bullets.deallocate(p, 64, 16);
}

TEST_CASE("truth: the cache panel shows measured figures with how they were obtained, and missing ones as unavailable") {
  const fm::CacheFigure measured{"L1d miss rate", 12.5, true, "%", "simulated LRU, 48 KiB 12-way"};
  const fm::CacheFigure missing{"L1d miss rate (hardware)", 0, false, "%", "perf_event_open"};
  const fm::CacheRow a = fm::cache_row(measured);
  CHECK(a.label == "L1d miss rate");
  CHECK(a.available);
  CHECK(a.value == 12.5);
  CHECK(a.unit == "%");
  CHECK(a.note == "simulated LRU, 48 KiB 12-way");
  CHECK_FALSE(a.alert);
  const fm::CacheRow b = fm::cache_row(missing);
  CHECK(b.label == "L1d miss rate (hardware)");
  CHECK_FALSE(b.available);
  CHECK(b.note == "unavailable on this machine");
  CHECK(b.alert);
}
