// Specification of fm/alloc/pool.hpp.
#include "fm/alloc/pool.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#if !defined(_WIN32)
#include <sys/mman.h>  // mprotect for the statistics test below (POSIX only)
#endif

#include "debug/child_process.hpp"
#include "fm/alloc/linear_arena.hpp"
#include "model/ledger_allocator.hpp"
#include "support.hpp"

#if FM_HAS_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace {

using fm::test::message_of;

TEST_CASE("pool geometry: blocks hold a pointer, pages are a power of two aligned to their size") {
  fm::Pool tiny{1, 1};
  CHECK(tiny.block_size() == sizeof(void*));
  CHECK(tiny.block_align() == alignof(void*));
  CHECK(tiny.page_bytes() == 4096);
  CHECK(tiny.blocks_per_page() >= 8);

  fm::Pool pool{24, 8, {.blocks_per_page = 100}};
  CHECK(pool.blocks_per_page() >= 100);
  CHECK(fm::is_pow2(pool.page_bytes()));
  void* p = pool.allocate(24, 8);
  CHECK(pool.page_count() == 1);
  const fm::PageInfo info = pool.page_info(0);
  CHECK(fm::is_aligned(info.page, pool.page_bytes()));
  CHECK(info.stride == 24);
  CHECK(info.first_block == p);  // blocks are handed out in address order
  CHECK(info.first_block + info.blocks * info.stride <= info.page + pool.page_bytes());
}

TEST_CASE("pool blocks are reused, tracked in the bitmap and counted per page") {
  fm::Pool pool{32, 16, {.name = "bullets"}};
  std::vector<void*> blocks;
  for (int i = 0; i < 5; ++i) blocks.push_back(pool.allocate(32, 16));
  fm::PageInfo info = pool.page_info(0);
  CHECK(info.live == 5);
  for (std::size_t i = 0; i < 5; ++i) CHECK(info.is_live(i));
  CHECK_FALSE(info.is_live(5));
  pool.deallocate(blocks[2], 32, 16);
  info = pool.page_info(0);
  CHECK(info.live == 4);
  CHECK_FALSE(info.is_live(2));
  CHECK_FALSE(pool.is_live(blocks[2]));
  CHECK(pool.owns(blocks[2]));
  CHECK(pool.allocate(32, 16) == blocks[2]);  // last freed, first reused
  const fm::AllocatorStats s = pool.stats();
  CHECK(s.bytes_used == 5 * 32);
  CHECK(s.allocations == 6);
  CHECK(s.deallocations == 1);
  CHECK(s.bytes_reserved == pool.page_bytes());
}

TEST_CASE("pool serves every power-of-two alignment up to 4096 for sizes up to 4 pages") {
  // Requests that fit a block come from pages; larger or more aligned ones go to the parent.
  fm::Pool pool{64, 64};
  fm::test::check_alignment_sweep(pool, [] {});
  CHECK(pool.stats().bytes_used == 0);
  CHECK(pool.pool_stats().oversize_bytes == 0);
}

TEST_CASE("a pool over budget throws out_of_memory naming pool, request and budget") {
  fm::Pool pool{32, 8, {.budget = 4096, .name = "bullets"}};
  while (pool.try_allocate(32, 8) != nullptr) {
  }
  const std::size_t live = pool.live_blocks();
  CHECK(live == pool.blocks_per_page());
  CHECK(message_of<fm::out_of_memory>([&] { (void)pool.allocate(32, 8); }) ==
        "out of memory in 'bullets': requested 32 bytes aligned to 8, capacity 4096 bytes "
        "(budget exhausted: 4096 bytes taken, a new page needs 4096 more)");
  CHECK(message_of<fm::out_of_memory>([&] { (void)pool.allocate(100, 8); }) ==
        "out of memory in 'bullets': requested 100 bytes aligned to 8, capacity 4096 bytes "
        "(budget exhausted: 4096 bytes taken, this request needs 100 more)");
  CHECK(pool.live_blocks() == live);
  CHECK(pool.page_count() == 1);
}

TEST_CASE("a pool over the global heap refuses an oversize request that cannot be aligned") {
  fm::Pool pool{32, 8, {.name = "bullets"}};
  volatile std::size_t opaque = SIZE_MAX;  // a run-time size, as a game's would be
  const std::size_t huge = opaque - 8;
  CHECK(pool.try_allocate(huge, 64) == nullptr);
  CHECK_THROWS_AS((void)pool.allocate(huge, 64), fm::out_of_memory);
  CHECK(pool.stats().bytes_used == 0);
  CHECK(pool.stats().allocations == 0);
}

TEST_CASE("a pool rejects bad alignments with its name") {
  CHECK(message_of<fm::bad_alignment>([] { fm::Pool bad{16, 12, {.name = "odd"}}; }) ==
        "bad alignment in 'odd': 12 is not a power of two between 1 and 4096");
  fm::Pool pool{16, 8, {.name = "p"}};
  CHECK(message_of<fm::bad_alignment>([&] { (void)pool.allocate(8, 6); }) ==
        "bad alignment in 'p': 6 is not a power of two between 1 and 4096");
  CHECK(pool.try_allocate(8, 0) == nullptr);
  CHECK(pool.live_blocks() == 0);
}

TEST_CASE("a pool refuses blocks over 1 GiB") {
  CHECK(message_of<std::invalid_argument>([] { fm::Pool huge{(std::size_t{1} << 30) + 1, 8, {.name = "huge"}}; }) ==
        "pool 'huge': block size 1073741825 exceeds the 1 GiB limit");
}

#if FM_CHECKED
TEST_CASE("checked pool: double free and foreign pointers throw bad_free and change nothing") {
  fm::Pool pool{16, 8, {.name = "bullets"}};
  void* a = pool.allocate(16, 8);
  void* b = pool.allocate(16, 8);
  pool.deallocate(a, 16, 8);
  const fm::AllocatorStats before = pool.stats();
  const std::string double_free = message_of<fm::bad_free>([&] { pool.deallocate(a, 16, 8); });
  CHECK(double_free.starts_with("double free in pool 'bullets': block 0x"));
  CHECK(double_free.ends_with(" is already free"));
  // Block-sized, so g++ -O3 does not warn about the free-list write on the path that treats it as a block.
  alignas(16) unsigned char local[16] = {};
  const std::string foreign = message_of<fm::bad_free>([&] { pool.deallocate(local, 16, 8); });
  CHECK(foreign.starts_with("foreign pointer in pool 'bullets': 0x"));
  CHECK(foreign.ends_with(" is not a block of this pool (block 16 bytes)"));
  CHECK(message_of<fm::bad_free>([&] { pool.deallocate(static_cast<char*>(b) + 8, 16, 8); })
            .starts_with("foreign pointer in pool 'bullets'"));
  CHECK(pool.stats().deallocations == before.deallocations);
  CHECK(pool.live_blocks() == 1);
  CHECK(pool.allocate(16, 8) == a);
}
#endif

#if FM_CHECKED
TEST_CASE("checked pool: a block freed with a size larger than a block is a bad_free naming the pool and stays live") {
  // The ledger parent turns a pool block wrongly passed up to the parent into an error instead of heap corruption.
  fm::model::LedgerAllocator parent;
  fm::Pool pool{16, 8, {.name = "bullets", .parent = parent}};
  void* a = pool.allocate(16, 8);
  const std::string message = message_of<fm::bad_free>([&] { pool.deallocate(a, 1000, 8); });
  CHECK(message.starts_with("size mismatch in pool 'bullets': block 0x"));
  CHECK(message.ends_with(" freed as 1000 bytes aligned to 8, but blocks are 16 bytes aligned to 8"));
  CHECK(message_of<fm::bad_free>([&] { pool.check_free(a, 1000, 8); }) == message);
  CHECK(pool.is_live(a));
  CHECK(pool.stats().deallocations == 0);
  CHECK(parent.live_blocks() == 1);  // the page, and nothing given back
  pool.deallocate(a, 16, 8);
  CHECK(pool.live_blocks() == 0);
}
#endif

// Pages are a power of two aligned to their size; a parent that cannot align that far still serves them.
void check_big_pages_over(fm::AllocatorRef parent) {
  fm::Pool pool{600, 8, {.name = "big", .parent = parent}};
  CHECK(pool.page_bytes() > parent.max_alignment());
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < 3 * pool.blocks_per_page(); ++i) blocks.push_back(pool.allocate(600, 8));
  CHECK(pool.page_count() == 3);
  for (std::size_t i = 0; i < pool.page_count(); ++i) CHECK(fm::is_aligned(pool.page_info(i).page, pool.page_bytes()));
  fm::test::LiveBlocks live;
  for (void* p : blocks) {
    CHECK(pool.is_live(p));
    live.insert(p, 600);
  }
  for (void* p : blocks) pool.deallocate(p, 600, 8);
  CHECK(pool.release_empty_pages() > 0);
  CHECK(pool.page_count() == 0);
  CHECK(pool.stats().bytes_reserved == 0);
}

TEST_CASE("a pool with pages larger than its parent's largest alignment works over any fm allocator") {
  fm::NewAllocator heap;
  check_big_pages_over(heap);
  CHECK(heap.stats().bytes_used == 0);  // every page went back whole
  fm::LinearArena arena{{.capacity = 256 * 1024, .overflow = fm::OverflowPolicy::grow, .name = "pages"}};
  check_big_pages_over(arena);
  fm::model::LedgerAllocator ledger{1024};  // gives back exactly what was handed out, or throws
  check_big_pages_over(ledger);
  CHECK(ledger.live_blocks() == 0);
}

TEST_CASE("release_empty_pages gives back exactly the empty pages and keeps the rest usable") {
  fm::NewAllocator parent;
  fm::Pool pool{64, 8, {.blocks_per_page = 8, .parent = parent}};
  const std::size_t per_page = pool.blocks_per_page();
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < 3 * per_page; ++i) blocks.push_back(pool.allocate(64, 8));
  CHECK(pool.page_count() == 3);
  // Empty the page holding the middle blocks (pages are sorted by address, blocks come page by page).
  std::vector<void*> middle;
  for (void* p : blocks) {
    if (pool.page_info(1).page <= p && p < pool.page_info(1).page + pool.page_bytes()) middle.push_back(p);
  }
  REQUIRE(middle.size() == per_page);
  for (void* p : middle) pool.deallocate(p, 64, 8);
  void* lone = *std::find_if(blocks.begin(), blocks.end(),
                             [&](void* p) { return std::find(middle.begin(), middle.end(), p) == middle.end(); });
  pool.deallocate(lone, 64, 8);
  fm::PoolStats s = pool.pool_stats();
  CHECK(s.empty_pages == 1);
  CHECK(s.partial_pages == 1);
  CHECK(s.full_pages == 1);
  CHECK(s.releasable_bytes == pool.page_bytes());
  CHECK(s.page_fragmentation == doctest::Approx(1.0 / 3));

  CHECK(pool.release_empty_pages() == pool.page_bytes());
  CHECK(pool.page_count() == 2);
  CHECK(parent.stats().bytes_used == 2 * pool.page_bytes());
  CHECK(pool.pool_stats().releasable_bytes == 0);
  // The free list only holds the one block left in the surviving pages.
  CHECK(pool.allocate(64, 8) == lone);
  CHECK(pool.page_count() == 2);
  (void)pool.allocate(64, 8);
  CHECK(pool.page_count() == 3);
}

#if FM_CHECKED
TEST_CASE("checked pool: a block of a page given back to the parent is a foreign pointer, not a double free") {
  // The parent keeps the page's bytes as they were (an arena frees nothing), so only the pool's own
  // bookkeeping can tell that the page is no longer its.
  fm::LinearArena parent{{.capacity = 64 * 1024}};
  fm::Pool pool{64, 8, {.name = "bullets", .parent = parent}};
  void* block = pool.allocate(64, 8);
  pool.deallocate(block, 64, 8);
  REQUIRE(pool.release_empty_pages() > 0);
  CHECK_FALSE(pool.owns(block));
  CHECK(message_of<fm::bad_free>([&] { pool.deallocate(block, 64, 8); }).starts_with("foreign pointer in pool 'bullets'"));
}
#endif

TEST_CASE("pool metrics follow the design's formulas") {
  fm::Pool pool{16, 8, {.blocks_per_page = 8}};
  const std::size_t n = pool.blocks_per_page();
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < n; ++i) blocks.push_back(pool.allocate(16, 8));
  fm::PoolStats s = pool.pool_stats();
  CHECK(s.occupancy == 1.0);
  CHECK(s.full_pages == 1);
  CHECK(s.free_list_scatter == 0.0);
  // Free blocks 0, 2, 4, 6: the free list is 6 -> 4 -> 2 -> 0, every link jumps one block.
  for (std::size_t i = 0; i < 8; i += 2) pool.deallocate(blocks[i], 16, 8);
  s = pool.pool_stats();
  CHECK(s.live_blocks == n - 4);
  CHECK(s.occupancy == doctest::Approx(static_cast<double>(n - 4) / static_cast<double>(n)));
  CHECK(s.free_list_scatter == 1.0);
  CHECK(s.page_fragmentation == 1.0);
  // Freeing 5 on top gives 5 -> 6 -> 4 -> 2 -> 0: one adjacent link of four.
  pool.deallocate(blocks[5], 16, 8);
  s = pool.pool_stats();
  CHECK(s.free_list_scatter == doctest::Approx(3.0 / 4.0));
}

// Taking access away from memory needs mprotect and a forked child: POSIX only, like the fork tests of
// tests/heap (Windows has no fork, and a child-process test there runs in the test's own process).
#if !defined(_WIN32)
// Pages from an mmap'd arena, so a test can take away access to the pool's block memory.
struct MappedPages {
  static constexpr std::size_t bytes = std::size_t{4} << 20;
  struct Mapping {
    std::byte* base = static_cast<std::byte*>(
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ~Mapping() { ::munmap(base, bytes); }
  } mapping;  // declared first: unmapped after the arena is gone
  std::byte* base = mapping.base;
  fm::LinearArena arena{std::span<std::byte>(base, bytes), {.name = "mapped"}};
};

TEST_CASE("pool stats are read from counters: they touch no free block, however many are free") {
  MappedPages mapped;
  REQUIRE(mapped.base != MAP_FAILED);
  // Large pages, so everything past a page's first 4 KiB (its header and bitmap) is block memory.
  fm::Pool pool{64, 8, {.blocks_per_page = 1024, .parent = mapped.arena}};
  REQUIRE(pool.page_bytes() > 4096);
  const std::size_t per_page = pool.blocks_per_page();
  std::vector<void*> blocks(4 * per_page);
  for (void*& p : blocks) p = pool.allocate(64, 8);
  REQUIRE(pool.page_count() == 4);
  // Free every other block in shuffled order: half free, no two free blocks neighbours, every link a jump.
  std::vector<std::size_t> odd;
  for (std::size_t i = 1; i < blocks.size(); i += 2) odd.push_back(i);
  std::shuffle(odd.begin(), odd.end(), std::mt19937(5));
  for (std::size_t i : odd) pool.deallocate(blocks[i], 64, 8);
  const std::size_t live = blocks.size() - odd.size();

  const int rc = fm::test::run_in_child([&] {
    for (std::size_t i = 0; i < pool.page_count(); ++i) {
      auto* page = const_cast<std::byte*>(pool.page_info(i).page);
      if (::mprotect(page + 4096, pool.page_bytes() - 4096, PROT_NONE) != 0) return 2;
    }
    const fm::PoolStats s = pool.pool_stats();
    const bool right = s.live_blocks == live && s.partial_pages == 4 && s.empty_pages == 0 && s.full_pages == 0 &&
                       s.free_list_scatter == 1.0;
    return right ? 0 : 1;
  });
  CHECK(rc == 0);  // 139 (SIGSEGV) when the statistics walk the free list
}
#endif

TEST_CASE("pool pages stay in address order when the parent hands them out downwards") {
  // Plain memory (no arena over it, so nothing is poisoned): the parent below hands it out.
  constexpr std::size_t bytes = std::size_t{4} << 20;
  const auto memory = std::make_unique<std::byte[]>(bytes);
  // A parent that gives each page below the previous one, as mmap-backed heaps often do.
  struct Downwards {
    std::byte* top;
    void* allocate(std::size_t size, std::size_t align) {
      top = reinterpret_cast<std::byte*>(fm::align_down(reinterpret_cast<std::uintptr_t>(top) - size, align));
      return top;
    }
    void deallocate(void*, std::size_t, std::size_t) noexcept {}
    [[nodiscard]] std::size_t max_alignment() const noexcept { return fm::max_alignment; }
  } parent{memory.get() + bytes};
  fm::Pool pool{64, 8, {.parent = parent}};
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < 20 * pool.blocks_per_page(); ++i) blocks.push_back(pool.allocate(64, 8));
  REQUIRE(pool.page_count() == 20);
  for (std::size_t i = 1; i < pool.page_count(); ++i) CHECK(pool.page_info(i - 1).page < pool.page_info(i).page);
  for (void* p : blocks) CHECK(pool.owns(p));
  // Iteration in address order: every live block, each after the one before it.
  std::vector<void*> seen;
  pool.for_each_live_block([&](void* p) { seen.push_back(p); });
  CHECK(seen.size() == blocks.size());
  CHECK(std::is_sorted(seen.begin(), seen.end(), std::less<>{}));
  // Releasing some pages keeps the rest in order.
  for (std::size_t i = 0; i < pool.blocks_per_page(); ++i) pool.deallocate(blocks[i], 64, 8);
  CHECK(pool.release_empty_pages() > 0);
  REQUIRE(pool.page_count() == 19);
  for (std::size_t i = 1; i < pool.page_count(); ++i) CHECK(pool.page_info(i - 1).page < pool.page_info(i).page);
}

TEST_CASE("a pool serves larger requests from its parent within the budget") {
  fm::NewAllocator parent;
  fm::Pool pool{16, 8, {.budget = 8192, .parent = parent}};
  void* big = pool.allocate(1000, 8);
  CHECK_FALSE(pool.owns(big));
  CHECK(pool.pool_stats().oversize_bytes == 1000);
  CHECK(pool.stats().bytes_used == 1000);
  CHECK(parent.stats().bytes_used == 1000);
  pool.deallocate(big, 1000, 8);
  CHECK(parent.stats().bytes_used == 0);
  CHECK(pool.stats().bytes_used == 0);
}

TEST_CASE("randomized pool matches a set-of-live-blocks model") {
  const unsigned seed = 4242;
  CAPTURE(seed);
  std::mt19937 rng(seed);
  fm::Pool pool{40, 8, {.blocks_per_page = 16, .budget = 64 * 4096}};
  std::vector<void*> live;
  fm::test::LiveBlocks tracker;
  std::size_t peak = 0;
  for (int op = 0; op < 20000; ++op) {
    CAPTURE(op);
    const unsigned roll = rng() % 100;
    if (roll < 55 || live.empty()) {
      void* p = pool.allocate(40, 8);
      CHECK(fm::is_aligned(p, 8));
      CHECK(pool.owns(p));
      tracker.insert(p, 40);
      live.push_back(p);
      peak = std::max(peak, live.size());
    } else if (roll < 99) {
      const std::size_t i = rng() % live.size();
      pool.deallocate(live[i], 40, 8);
      CHECK_FALSE(pool.is_live(live[i]));
      tracker.erase(live[i]);
      live[i] = live.back();
      live.pop_back();
    } else {
      (void)pool.release_empty_pages();
      CHECK(pool.pool_stats().empty_pages == 0);
    }
    if (op % 97 == 0) {
      const fm::PoolStats s = pool.pool_stats();
      CHECK(s.live_blocks == live.size());
      std::size_t bitmap_live = 0;
      pool.for_each_page([&](const fm::PageInfo& page) {
        std::size_t bits = 0;
        for (std::size_t b = 0; b < page.blocks; ++b) bits += page.is_live(b) ? 1 : 0;
        CHECK(bits == page.live);
        bitmap_live += bits;
      });
      CHECK(bitmap_live == live.size());
      CHECK(s.occupancy == doctest::Approx(fm::metrics::occupancy(live.size(), s.committed_blocks)));
      CHECK(pool.stats().bytes_peak == peak * 40);
      std::set<void*> seen;
      pool.for_each_live_block([&](void* p) { seen.insert(p); });
      CHECK(seen == std::set<void*>(live.begin(), live.end()));
    }
  }
}

// Moving: a pool is returned from a factory and kept in a growing std::vector like any value.
static_assert(std::is_nothrow_move_constructible_v<fm::Pool> && std::is_nothrow_move_assignable_v<fm::Pool>);
static_assert(!std::is_copy_constructible_v<fm::Pool> && !std::is_copy_assignable_v<fm::Pool>);

// A pool of 32-byte blocks holding `blocks` live blocks, each filled with `fill`; returned by value.
fm::Pool filled_pool(std::string_view name, int fill, std::size_t blocks, std::vector<void*>& out,
                     fm::AllocatorRef parent = {}) {
  fm::Pool pool{32, 8, {.name = name, .parent = parent}};
  for (std::size_t i = 0; i < blocks; ++i) {
    void* p = pool.allocate(32, 8);
    std::memset(p, fill, 32);
    out.push_back(p);
  }
  return pool;
}

bool holds(const void* p, int fill) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  return std::all_of(bytes, bytes + 32, [&](unsigned char b) { return b == static_cast<unsigned char>(fill); });
}

TEST_CASE("a pool returned from a factory keeps its blocks, frees them and grows") {
  std::vector<void*> blocks;
  fm::Pool pool = filled_pool("made", 7, 300, blocks);  // several pages
  REQUIRE(pool.page_count() > 1);
  CHECK(pool.live_blocks() == 300);
  CHECK(pool.name() == "made");
  for (void* p : blocks) CHECK((pool.is_live(p) && holds(p, 7)));
  for (void* p : blocks) pool.deallocate(p, 32, 8);
  CHECK(pool.live_blocks() == 0);
  CHECK(pool.pool_stats().empty_pages == pool.page_count());
  CHECK(pool.release_empty_pages() > 0);
  CHECK(pool.page_count() == 0);
  void* again = pool.allocate(32, 8);
  CHECK(pool.is_live(again));
  pool.deallocate(again, 32, 8);
}

TEST_CASE("pools in a reallocating vector keep their blocks, stats and misuse checks") {
  std::vector<fm::Pool> pools;
  std::vector<std::vector<void*>> blocks(40);
  for (int i = 0; i < 40; ++i) pools.push_back(filled_pool("pool " + std::to_string(i), i, 20 + i, blocks[i]));
  for (int i = 0; i < 40; ++i) {
    fm::Pool& pool = pools[i];
    CAPTURE(i);
    CHECK(pool.name() == "pool " + std::to_string(i));
    CHECK(pool.live_blocks() == blocks[i].size());
    CHECK(pool.stats().allocations == blocks[i].size());
    std::set<void*> seen;
    pool.for_each_live_block([&](void* p) { seen.insert(p); });
    CHECK(seen == std::set<void*>(blocks[i].begin(), blocks[i].end()));
    for (void* p : blocks[i]) CHECK((pool.owns(p) && holds(p, i)));
    CHECK_FALSE(pool.owns(blocks[(i + 1) % 40].front()));
#if FM_CHECKED
    CHECK(message_of<fm::bad_free>([&] { pool.deallocate(blocks[(i + 1) % 40].front(), 32, 8); })
              .starts_with("foreign pointer in pool 'pool " + std::to_string(i) + "'"));
#endif
    void* first = blocks[i].front();
    pool.deallocate(first, 32, 8);
#if FM_CHECKED
    CHECK(message_of<fm::bad_free>([&] { pool.deallocate(first, 32, 8); }).starts_with("double free in pool"));
#endif
    CHECK(pool.allocate(32, 8) == first);
    for (void* p : blocks[i]) pool.deallocate(p, 32, 8);
    CHECK(pool.live_blocks() == 0);
    CHECK(pool.stats().deallocations == blocks[i].size() + 1);
  }
}

TEST_CASE("move-assigning over a pool gives its pages back first; self-move changes nothing") {
  fm::NewAllocator heap;
  std::vector<void*> a_blocks;
  std::vector<void*> b_blocks;
  fm::Pool a = filled_pool("a", 1, 200, a_blocks, heap);
  const std::size_t a_bytes = heap.stats().bytes_used;
  fm::Pool b = filled_pool("b", 2, 10, b_blocks, heap);
  const std::size_t b_bytes = heap.stats().bytes_used - a_bytes;
  a = std::move(b);
  CHECK(heap.stats().bytes_used == b_bytes);  // a's pages went back to the parent
  CHECK(a.name() == "b");
  CHECK(a.live_blocks() == 10);
  for (void* p : b_blocks) CHECK((a.is_live(p) && holds(p, 2)));
  fm::Pool& same = a;
  a = std::move(same);
  CHECK(a.live_blocks() == 10);
  CHECK(heap.stats().bytes_used == b_bytes);
  for (void* p : b_blocks) a.deallocate(p, 32, 8);
  CHECK(a.release_empty_pages() == b_bytes);
  CHECK(heap.stats().bytes_used == 0);
}

TEST_CASE("a moved-from pool is empty, can be destroyed, and works again once assigned") {
  fm::NewAllocator heap;
  std::vector<void*> blocks;
  auto source = std::make_unique<fm::Pool>(filled_pool("source", 3, 50, blocks, heap));
  fm::Pool target = std::move(*source);
  CHECK(source->page_count() == 0);
  CHECK(source->live_blocks() == 0);
  CHECK(source->stats().bytes_reserved == 0);
  CHECK(source->pool_stats().committed_blocks == 0);
  *source = fm::Pool{64, 16, {.name = "again"}};
  void* p = source->allocate(64, 16);
  CHECK(source->is_live(p));
  CHECK_FALSE(target.owns(p));
  source->deallocate(p, 64, 16);
  source.reset();  // destroying the reassigned pool leaves the target's pages alone
  for (void* b : blocks) CHECK((target.is_live(b) && holds(b, 3)));
  for (void* b : blocks) target.deallocate(b, 32, 8);
  CHECK(target.live_blocks() == 0);
}

}  // namespace

namespace fm::testing {
// Sets a pool's change stamp, so a test reaches the 2^32 wrap without 2^32 rounds of the change log.
struct PoolProbe {
  static void set_change_stamp(fm::Pool& pool, std::uint32_t stamp) { pool.change_stamp_ = stamp; }
};
}  // namespace fm::testing

namespace {

// A reader of a pool's change log as the memory system is one: a copy of every page's live blocks, refreshed
// from the pages logged since its own position, or from every page when the epoch is not the one it read.
struct LogReader {
  fm::Pool::ChangeLogPosition at;
  std::vector<std::size_t> live;       // by page index
  std::set<const std::byte*> reread;   // pages the last read read again
  bool followed = false;               // the last read used the log
  std::size_t pages_read = 0;          // over all reads

  void read(fm::Pool& pool) {
    reread.clear();
    followed = pool.change_epoch() == at.epoch && live.size() == pool.page_count();
    if (followed) {
      for (const std::byte* page : pool.changed_pages().subspan(at.logged)) {
        live[pool.page_index(page)] = pool.page_info(pool.page_index(page)).live;
        reread.insert(page);
        ++pages_read;
      }
    } else {
      live.assign(pool.page_count(), 0);
      for (std::size_t i = 0; i < pool.page_count(); ++i) {
        live[i] = pool.page_info(i).live;
        reread.insert(pool.page_info(i).page);
        ++pages_read;
      }
    }
    at = pool.mark_changes_read();
  }
  [[nodiscard]] bool current(const fm::Pool& pool) const {
    if (live.size() != pool.page_count()) return false;
    for (std::size_t i = 0; i < live.size(); ++i) {
      if (live[i] != pool.page_info(i).live) return false;
    }
    return true;
  }
};

TEST_CASE("two readers follow one pool's change log, each from its own position, without a new epoch") {
  // Enough pages that 12 rounds of two changed pages each fit the log (room for about three rounds of all).
  fm::Pool pool{64, 16, {.blocks_per_page = 8, .initial_pages = 32}};
  const auto page_of = [&](const void* p) {
    return reinterpret_cast<const std::byte*>(reinterpret_cast<std::uintptr_t>(p) & ~(pool.page_bytes() - 1));
  };
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < 32 * pool.blocks_per_page(); ++i) blocks.push_back(pool.allocate(64, 16));
  LogReader a;
  LogReader b;
  a.read(pool);
  b.read(pool);
  CHECK(a.pages_read == 32);
  CHECK(b.pages_read == 32);
  std::size_t pages_changed = 0;  // what a and b each saw change, summed over their reads
  for (std::size_t round = 0; round < 12; ++round) {
    CAPTURE(round);
    void* const x = blocks[round];
    void* const y = blocks[(round * 37 + 100) % blocks.size()];
    REQUIRE(page_of(x) != page_of(y));
    pool.deallocate(x, 64, 16);
    a.read(pool);
    CHECK(a.followed);
    CHECK(a.reread == std::set<const std::byte*>{page_of(x)});
    pool.deallocate(y, 64, 16);
    b.read(pool);
    CHECK(b.followed);
    CHECK(b.reread == std::set<const std::byte*>{page_of(x), page_of(y)});  // b last read before both frees
    a.read(pool);
    CHECK(a.followed);
    CHECK(a.reread == std::set<const std::byte*>{page_of(y)});
    CHECK(pool.allocate(64, 16) == y);
    CHECK(pool.allocate(64, 16) == x);
    for (LogReader* r : {&a, &b}) {
      r->read(pool);
      CHECK(r->followed);
      CHECK(r->reread == std::set<const std::byte*>{page_of(x), page_of(y)});
      CHECK(r->current(pool));
    }
    pages_changed += 2;
  }
  // Each read cost the pages changed since that reader's own last read: a saw x, y, then x and y again each
  // round (4 pages), b saw x and y twice (4 pages); no read of every page after the first.
  CHECK(a.pages_read == 32 + 2 * pages_changed);
  CHECK(b.pages_read == 32 + 2 * pages_changed);
  CHECK(a.current(pool));
  CHECK(b.current(pool));
}

TEST_CASE("the change stamps wrap after 2^32 rounds without losing a change") {
  fm::Pool pool{64, 16, {.blocks_per_page = 8, .initial_pages = 3}};
  const auto page_of = [&](const void* p) {
    return reinterpret_cast<const std::byte*>(reinterpret_cast<std::uintptr_t>(p) & ~(pool.page_bytes() - 1));
  };
  // Every block, grouped by page; all three pages keep the stamp they were added with (round 1) until touched.
  std::vector<std::vector<void*>> by_page;
  for (std::size_t i = 0; i < 3 * pool.blocks_per_page(); ++i) {
    void* const p = pool.allocate(64, 16);
    if (by_page.empty() || page_of(by_page.back().front()) != page_of(p)) by_page.emplace_back();
    by_page.back().push_back(p);
  }
  REQUIRE(by_page.size() == 3);
  const auto logged_since = [&](const fm::Pool::ChangeLogPosition& at, const void* p) {
    REQUIRE(pool.change_epoch() == at.epoch);
    const auto changed = pool.changed_pages().subspan(at.logged);
    return std::find(changed.begin(), changed.end(), page_of(p)) != changed.end();
  };
  (void)pool.mark_changes_read();  // round 2
  fm::testing::PoolProbe::set_change_stamp(pool, 0xFFFFFFFEu);
  void* const q = by_page[0].front();
  pool.deallocate(q, 64, 16);  // q's page logged in round 2^32 - 2
  auto at = pool.mark_changes_read();
  CHECK(pool.allocate(64, 16) == q);  // logged again in round 2^32 - 1
  CHECK(logged_since(at, q));
  // The stamps wrap; in each of the next two rounds a page untouched since round 1 changes and must be logged.
  for (std::size_t page = 1; page < 3; ++page) {
    CAPTURE(page);
    at = pool.mark_changes_read();
    pool.deallocate(by_page[page].front(), 64, 16);
    CHECK(logged_since(at, by_page[page].front()));
  }
  // A reader that follows the log across rounds after the wrap still has every page right.
  LogReader reader;
  reader.read(pool);
  CHECK(pool.allocate(64, 16) == by_page[2].front());
  CHECK(pool.allocate(64, 16) == by_page[1].front());
  reader.read(pool);
  CHECK(reader.followed);
  CHECK(reader.current(pool));
  pool.deallocate(by_page[2].back(), 64, 16);
  pool.deallocate(by_page[1].back(), 64, 16);
  reader.read(pool);
  CHECK(reader.followed);
  CHECK(reader.current(pool));
}

#if FM_HAS_ASAN
TEST_CASE("free pool blocks are poisoned for AddressSanitizer, live ones are not") {
  fm::Pool pool{32, 8};
  void* a = pool.allocate(32, 8);
  void* b = pool.allocate(32, 8);
  CHECK_FALSE(__asan_address_is_poisoned(a));
  CHECK(__asan_address_is_poisoned(static_cast<char*>(b) + 32));  // the next, still free block
  pool.deallocate(a, 32, 8);
  CHECK(__asan_address_is_poisoned(a));
  CHECK(__asan_address_is_poisoned(static_cast<char*>(a) + 31));
  CHECK(pool.allocate(32, 8) == a);
  CHECK_FALSE(__asan_address_is_poisoned(static_cast<char*>(a) + 31));
}
#endif

}  // namespace
