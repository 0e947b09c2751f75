// Specification of fm/system/memory_system.hpp: registry, scopes and roll-up, budgets, end-of-frame
// callbacks, the snapshot ring, and no global heap traffic per frame (measured with fm::new_counter).
#include "fm/system/memory_system.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#if defined(__linux__)
#include <unistd.h>
#endif

#include "fm/alloc/linear_arena.hpp"
#include "fm/debug/heap_counter.hpp"
#include "fm/system/snapshot_json.hpp"
#include "fm/system/usage_report.hpp"
#include "system/support.hpp"

namespace {

using fm::test::error_of;
using fm::test::row;

}  // namespace

TEST_CASE("systems report their own usage and per-frame allocation counts in the snapshot") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_system("scripts", heap, "heap", 1 << 20);
  CHECK(ms.system("scripts") == fm::AllocatorRef(heap));

  ms.begin_frame();
  void* a = ms.system("scripts").allocate(100);
  void* b = ms.system("scripts").allocate(28);
  ms.end_frame();
  const fm::SystemSnapshot& s1 = row(ms.latest(), "scripts");
  CHECK(ms.latest().frame == 1);
  CHECK(s1.kind.view() == "heap");
  CHECK(s1.has_allocator);
  CHECK(s1.bytes_used == 128);
  CHECK(s1.allocations_this_frame == 2);
  CHECK(s1.frees_this_frame == 0);
  CHECK(s1.budget == 1 << 20);
  CHECK_FALSE(s1.over_budget);

  ms.begin_frame();
  heap.deallocate(a, 100);
  ms.end_frame();
  const fm::SystemSnapshot& s2 = row(ms.latest(), "scripts");
  CHECK(s2.bytes_used == 28);
  CHECK(s2.bytes_peak == 128);
  CHECK(s2.allocations_this_frame == 0);
  CHECK(s2.frees_this_frame == 1);
  CHECK(s2.allocations_total == 2);
  heap.deallocate(b, 28);
}

TEST_CASE("child scopes roll their usage up into their parents, whose budget covers them") {
  fm::MemorySystem ms;
  fm::NewAllocator ai_heap, nav_heap;
  ms.add_system("entities/ai", ai_heap, "heap");
  ms.add_system("entities/nav", nav_heap, "heap");
  ms.add_scope("audio");
  void* p = ai_heap.allocate(300);
  void* q = nav_heap.allocate(200);
  ms.begin_frame();
  ms.end_frame();
  const fm::Snapshot& s = ms.latest();
  const fm::SystemSnapshot& entities = row(s, "entities");
  CHECK(entities.kind.view() == "scope");
  CHECK_FALSE(entities.has_allocator);
  CHECK(entities.bytes_used == 0);
  CHECK(entities.total_bytes_used == 500);
  CHECK(entities.depth == 0);
  const fm::SystemSnapshot& ai = row(s, "entities/ai");
  CHECK(ai.depth == 1);
  CHECK(s.systems[static_cast<std::size_t>(ai.parent)].name.view() == "entities");
  CHECK(ai.total_bytes_used == 300);
  CHECK(row(s, "audio").total_bytes_used == 0);
  CHECK(error_of([&] { (void)ms.system("entities"); }) ==
        "memory system: 'entities' is a scope without an allocator of its own");
  ai_heap.deallocate(p, 300);
  nav_heap.deallocate(q, 200);
}

TEST_CASE("going over budget counts one overrun and calls back once per crossing") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_scope("level", 1000);
  ms.add_system("level/props", heap, "heap");
  std::vector<std::string> reported;
  ms.on_budget_overrun([&](const fm::SystemSnapshot& s) {
    reported.push_back(std::string(s.name.view()) + " " + std::to_string(s.total_bytes_used) + "/" +
                       std::to_string(s.budget));
  });
  void* big = heap.allocate(1500);
  for (int frame = 0; frame < 3; ++frame) {
    ms.begin_frame();
    ms.end_frame();
  }
  CHECK(reported == std::vector<std::string>{"level 1500/1000"});
  CHECK(ms.budget_overruns() == 1);
  CHECK(row(ms.latest(), "level").over_budget);
  CHECK(row(ms.latest(), "level").budget_overruns == 1);
  CHECK(ms.latest().budget_overruns == 1);

  heap.deallocate(big, 1500);
  ms.begin_frame();
  ms.end_frame();
  CHECK_FALSE(row(ms.latest(), "level").over_budget);
  void* again = heap.allocate(1001);
  ms.begin_frame();
  ms.end_frame();
  CHECK(ms.budget_overruns() == 2);
  CHECK(reported.size() == 2);
  heap.deallocate(again, 1001);
}

TEST_CASE("end-of-frame callbacks run in registration order before the snapshot is taken") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_system("bullets", heap, "heap");
  std::vector<void*> deferred;
  std::string order;
  ms.on_end_frame([&] {
    order += "flush;";
    for (void* p : deferred) heap.deallocate(p, 64);
    deferred.clear();
  });
  ms.on_end_frame([&] { order += "second;"; });
  ms.begin_frame();
  deferred.push_back(heap.allocate(64));
  deferred.push_back(heap.allocate(64));
  ms.end_frame();
  CHECK(order == "flush;second;");
  CHECK(row(ms.latest(), "bullets").bytes_used == 0);
  CHECK(row(ms.latest(), "bullets").frees_this_frame == 2);
}

TEST_CASE("a pool is snapshotted with occupancy, fragmentation and a page map") {
  fm::MemorySystem ms;
  fm::Pool pool(32, 16, {.blocks_per_page = 64, .name = "particles"});
  ms.add_pool("particles", pool, 1 << 20);
  std::vector<void*> blocks;
  for (int i = 0; i < 128; ++i) blocks.push_back(pool.allocate(32, 16));
  for (int i = 0; i < 64; i += 2) pool.deallocate(blocks[static_cast<std::size_t>(i)], 32, 16);  // half of page 0
  ms.begin_frame();
  ms.end_frame();
  const fm::Snapshot& s = ms.latest();
  REQUIRE(s.pools.size() == 1);
  const fm::SystemSnapshot& sys = row(s, "particles");
  CHECK(sys.kind.view() == "pool");
  REQUIRE(sys.pool == 0);
  const fm::PoolSnapshot& p = s.pools[0];
  const fm::PoolStats st = pool.pool_stats();
  CHECK(s.systems[p.system].name.view() == "particles");
  CHECK(p.live_blocks == 96);
  CHECK(p.committed_blocks == st.committed_blocks);
  CHECK(p.occupancy == doctest::Approx(fm::metrics::occupancy(96, st.committed_blocks)));
  CHECK(p.page_fragmentation == doctest::Approx(st.page_fragmentation));
  CHECK(p.free_list_scatter == doctest::Approx(st.free_list_scatter));
  CHECK(p.releasable_bytes == st.releasable_bytes);
  CHECK(sys.overhead == doctest::Approx(fm::metrics::overhead(sys.bytes_reserved, sys.bytes_used)));
  CHECK(sys.overhead > 0);  // a quarter of the blocks are free
  CHECK(p.committed_pages == pool.page_count());
  REQUIRE(p.pages.size() == pool.page_count());
  CHECK_FALSE(p.pages_truncated);
  std::uint32_t live = 0;
  for (std::uint32_t i = 0; i < p.pages.size(); ++i) {
    const fm::PageInfo info = pool.page_info(i);
    CHECK(p.pages[i].address == reinterpret_cast<std::uint64_t>(info.page));
    CHECK(p.pages[i].live_blocks == info.live);
    CHECK(p.pages[i].address >= p.address_begin);
    CHECK(p.pages[i].address + p.page_bytes <= p.address_end);
    live += p.pages[i].live_blocks;
    if (info.live == info.blocks && info.blocks == 64) CHECK(p.pages[i].live_summary == ~std::uint64_t{0});
    if (info.live == 0) CHECK(p.pages[i].live_summary == 0);
  }
  CHECK(live == 96);
  for (std::size_t i = 1; i < blocks.size(); i += 2) pool.deallocate(blocks[i], 32, 16);
  for (std::size_t i = 64; i < blocks.size(); i += 2) pool.deallocate(blocks[i], 32, 16);
}

TEST_CASE("the frame arena is a system of its own and flips at end_frame") {
  fm::MemorySystem ms({.frame_arena = {.capacity = 4096}});
  CHECK(ms.system("frame") == fm::AllocatorRef(ms.frame_arena()));
  ms.begin_frame();
  (void)ms.frame_arena().allocate(1000, 8);
  (void)ms.frame_arena().allocate(1, 64);
  ms.end_frame();
  const fm::FrameArenaSnapshot& a = ms.latest().frame_arena;
  CHECK(a.available);
  CHECK(a.bytes_this_frame >= 1001);
  CHECK(a.high_water >= a.bytes_this_frame);
  CHECK(row(ms.latest(), "frame").kind.view() == "frame arena");
  ms.begin_frame();
  ms.end_frame();
  ms.begin_frame();
  ms.end_frame();
  CHECK(ms.latest().frame_arena.bytes_this_frame == 0);
  CHECK(ms.latest().frame_arena.high_water >= 1001);
}

TEST_CASE("bad registrations are rejected with the reason and change nothing") {
  fm::MemorySystem ms({.max_systems = 32, .max_pools = 2, .max_name = 20});
  fm::NewAllocator heap;
  ms.add_system("ai", heap, "heap");
  const std::size_t before = ms.system_count();
  CHECK(error_of([&] { ms.add_system("ai", heap, "heap"); }) ==
        "memory system: cannot add system 'ai': a system of that name exists");
  CHECK(error_of([&] { ms.add_system("a//b", heap, "heap"); }) ==
        "memory system: cannot add system 'a//b': a name is non-empty parts separated by single '/'");
  CHECK(error_of([&] { ms.add_system(std::string(21, 'n'), heap, "heap"); }) ==
        "memory system: cannot add system 'nnnnnnnnnnnnnnnnnnnnn': names are at most 20 bytes "
        "(MemorySystemOptions::max_name)");
  CHECK(error_of([&] { ms.add_system("k", heap, std::string(21, 'k')); })
            .ends_with("kinds are at most 20 bytes (MemorySystemOptions::max_name)"));
  CHECK(error_of([&] { (void)ms.system("nobody"); }) == "memory system: no system named 'nobody'");
  CHECK_FALSE(ms.try_add_system("", heap, "heap"));
  CHECK_FALSE(ms.try_add_scope("/x"));
  CHECK(ms.try_system("nobody") == fm::AllocatorRef{});
  CHECK(ms.system_count() == before);
  fm::Pool p1(16, 8, {.name = "p1"}), p2(16, 8, {.name = "p2"}), p3(16, 8, {.name = "p3"});
  ms.add_pool("p1", p1);
  ms.add_pool("p2", p2);
  CHECK(error_of([&] { ms.add_pool("p3", p3); }) ==
        "memory system: cannot add system 'p3': at most 2 pools (MemorySystemOptions::max_pools)");
  for (int i = 0; ms.system_count() < 32; ++i) {
    // append, not "s" + string: g++ 12 at -O3 reports a false -Wrestrict inside the inlined string insert.
    REQUIRE(ms.try_add_system(std::string("s").append(std::to_string(i)), heap, "heap"));
  }
  CHECK(error_of([&] { ms.add_scope("one/more"); }) ==
        "memory system: cannot add system 'one/more': at most 32 systems, scopes included "
        "(MemorySystemOptions::max_systems)");
}

TEST_CASE("the ring keeps the last frames, newest first") {
  fm::MemorySystem ms({.history = 4});
  CHECK(ms.history_size() == 0);
  CHECK(ms.latest().frame == 0);
  for (int i = 0; i < 6; ++i) {
    ms.begin_frame();
    ms.end_frame();
  }
  CHECK(ms.history_capacity() == 4);
  CHECK(ms.history_size() == 4);
  CHECK(ms.latest().frame == 6);
  CHECK(ms.history(1).frame == 5);
  CHECK(ms.history(3).frame == 3);
  CHECK(ms.latest().interval_seconds >= 0);
  CHECK(ms.latest().frame_seconds >= 0);
}

TEST_CASE("a live snapshot writes as JSON with every system") {
  fm::MemorySystem ms;
  fm::Pool pool(16, 8, {.name = "p"});
  ms.add_pool("p", pool);
  void* x = pool.allocate(16, 8);
  ms.begin_frame();
  ms.end_frame();
  const auto j = nlohmann::json::parse(fm::to_json(ms.latest()));
  CHECK(j["systems"].size() == 2);
  CHECK(j["systems"][1]["name"] == "p");
  CHECK(j["pools"][0]["live_blocks"] == 1);
  CHECK(j["heap"]["available"] == true);
  pool.deallocate(x, 16, 8);
}

TEST_CASE("10,000 frames with allocations in every system take nothing from the global heap after warm-up") {
  REQUIRE(fm::heap_counter::installed());
  fm::MemorySystem ms({.frame_arena = {.capacity = 64 * 1024}});
  fm::Pool particles(64, 16, {.blocks_per_page = 256, .name = "particles"});
  fm::Pool ai(48, 8, {.name = "ai"});
  fm::LinearArena level({.capacity = 64 * 1024, .name = "level"});
  ms.add_pool("particles", particles, 1 << 20);
  ms.add_pool("entities/ai", ai, 1 << 16);
  ms.add_system("level", level, "linear arena", 1 << 16);
  std::vector<void*> live;
  live.reserve(512);
  ms.on_end_frame([&] {  // a deferred destroy: free what this frame made
    for (void* p : live) particles.deallocate(p, 64, 16);
    live.clear();
  });
  ms.on_budget_overrun([](const fm::SystemSnapshot&) {});

  auto run_frame = [&](int frame) {
    ms.begin_frame();
    for (int i = 0; i < 100 + frame % 200; ++i) live.push_back(particles.allocate(64, 16));
    void* brain = ai.allocate(48, 8);
    (void)ms.frame_arena().allocate(1000 + static_cast<std::size_t>(frame % 7) * 100, 16);
    (void)level.allocate(32, 8);
    ai.deallocate(brain, 48, 8);
    if (frame % 100 == 99) level.reset();
    ms.end_frame();
  };
  for (int frame = 0; frame < 300; ++frame) run_frame(frame);  // warm-up: pages, buffers, first ring pass

  const auto before = fm::heap_counter::read();
  std::uint64_t worst_frame = 0;
  std::uint64_t particle_allocations = 0;
  for (int frame = 300; frame < 10'300; ++frame) {
    run_frame(frame);
    const fm::Snapshot& s = ms.latest();
    worst_frame = std::max(worst_frame, s.heap.allocations_this_frame);
    particle_allocations += s.systems[1].allocations_this_frame;
  }
  const auto after = fm::heap_counter::read();
  CHECK(after.allocations - before.allocations == 0);
  CHECK(after.bytes - before.bytes == 0);
  CHECK(worst_frame == 0);
  CHECK(particle_allocations > 1'000'000);  // the frames did allocate, from framemem
  CHECK(ms.latest().heap.available);
  CHECK(ms.latest().frame == 10'300);
}

namespace {

std::vector<std::string> names_in_order(const fm::Snapshot& s) {
  std::vector<std::string> names;
  for (const fm::SystemSnapshot& sys : s.systems) names.emplace_back(sys.name.view());
  return names;
}

}  // namespace

TEST_CASE("children are listed under their parent whatever order they were registered in") {
  fm::MemorySystem ms;
  fm::NewAllocator ai, audio, late, particles;
  ms.add_scope("entities");
  ms.add_system("entities/ai", ai, "heap");
  ms.add_system("audio", audio, "heap");
  ms.add_system("entities/late", late, "heap");  // a child registered after an unrelated system
  ms.add_system("fx/particles", particles, "heap");
  ms.begin_frame();
  ms.end_frame();
  const fm::Snapshot& s = ms.latest();
  CHECK(names_in_order(s) == std::vector<std::string>{"frame", "entities", "entities/ai", "entities/late", "audio",
                                                      "fx", "fx/particles"});
  for (std::size_t i = 0; i < s.systems.size(); ++i) {  // every parent precedes its children, one level up
    const fm::SystemSnapshot& sys = s.systems[i];
    if (sys.parent < 0) continue;
    REQUIRE(static_cast<std::size_t>(sys.parent) < i);
    CHECK(s.systems[static_cast<std::size_t>(sys.parent)].depth + 1 == sys.depth);
  }
  CHECK(fm::usage_report(s).find("entities/late") < fm::usage_report(s).find("audio"));
}

TEST_CASE("a scope created implicitly by a child takes a budget or an allocator registered later") {
  fm::MemorySystem ms;
  fm::Pool bullets(64, 16, {.name = "bullets"});
  ms.add_pool("combat/bullets", bullets);
  ms.add_scope("combat", 1000);  // registration order must not matter
  fm::NewAllocator props, level;
  ms.add_system("level/props", props, "heap");
  ms.add_system("level", level, "heap", 5000);
  std::vector<void*> live;
  for (int i = 0; i < 20; ++i) live.push_back(bullets.allocate(64, 16));  // 1280 B > 1000
  void* a = props.allocate(300);
  void* b = level.allocate(200);
  ms.begin_frame();
  ms.end_frame();
  const fm::Snapshot& s = ms.latest();
  CHECK(names_in_order(s) == std::vector<std::string>{"frame", "combat", "combat/bullets", "level", "level/props"});
  const fm::SystemSnapshot& combat = row(s, "combat");
  CHECK(combat.kind.view() == "scope");
  CHECK(combat.budget == 1000);
  CHECK(combat.total_bytes_used == 1280);
  CHECK(combat.over_budget);
  CHECK(ms.budget_overruns() == 1);
  const fm::SystemSnapshot& lv = row(s, "level");
  CHECK(lv.kind.view() == "heap");
  CHECK(lv.has_allocator);
  CHECK(lv.bytes_used == 200);
  CHECK(lv.total_bytes_used == 500);
  CHECK(lv.budget == 5000);
  CHECK(ms.system("level") == fm::AllocatorRef(level));
  // A name registered explicitly is still registered once.
  CHECK(error_of([&] { ms.add_scope("combat"); }) ==
        "memory system: cannot add system 'combat': a system of that name exists");
  CHECK(error_of([&] { ms.add_system("level", props, "heap"); }) ==
        "memory system: cannot add system 'level': a system of that name exists");
  for (void* p : live) bullets.deallocate(p, 64, 16);
  props.deallocate(a, 300);
  level.deallocate(b, 200);
}

namespace {

// "<prefix><i>" padded with '.' to `length` characters.
std::string long_name(std::string prefix, std::size_t i, std::size_t length) {
  prefix.append(std::to_string(i));
  prefix.resize(length, '.');
  return prefix;
}

}  // namespace

TEST_CASE("an engine-sized registry: 200 systems and 60 pools with 60-character names, frames without heap traffic") {
  fm::MemorySystem ms;
  std::vector<fm::NewAllocator> heaps(140);  // never resized: the memory system keeps references
  std::deque<fm::Pool> pools;
  std::vector<std::vector<void*>> blocks(60);
  for (std::size_t i = 0; i < heaps.size(); ++i) ms.add_system(long_name("heap_", i, 60), heaps[i], "heap");
  for (std::size_t i = 0; i < 60; ++i) {
    pools.emplace_back(32, 16, fm::PoolOptions{.blocks_per_page = 64, .name = "pool"});
    ms.add_pool(long_name("group" + std::to_string(i % 6) + "/pool_", i, 60), pools.back(), 1 << 20);
  }
  CHECK(ms.system_count() == 1 + 140 + 60 + 6);  // "frame", the systems, and the implicit scopes group0..group5
  std::vector<void*> bytes;
  for (std::size_t i = 0; i < heaps.size(); ++i) bytes.push_back(heaps[i].allocate(8 * (i + 1)));
  for (std::size_t i = 0; i < 60; ++i) {
    for (std::size_t b = 0; b <= i * 3; ++b) blocks[i].push_back(pools[i].allocate(32, 16));  // up to 178 blocks
  }
  for (int frame = 0; frame < 3; ++frame) {  // warm-up: the ring's first slots
    ms.begin_frame();
    ms.end_frame();
  }
  const auto before = fm::heap_counter::read();
  for (int frame = 0; frame < 600; ++frame) {  // more than the ring holds
    ms.begin_frame();
    ms.end_frame();
  }
  const auto after = fm::heap_counter::read();
  CHECK(after.allocations - before.allocations == 0);

  const fm::Snapshot& s = ms.latest();
  REQUIRE(s.systems.size() == 207);
  REQUIRE(s.pools.size() == 60);
  std::size_t pool_rows = 0;
  for (const fm::SystemSnapshot& sys : s.systems) {
    const std::string_view name = sys.name.view();
    if (!sys.has_allocator || name == "frame") continue;
    CHECK(name.size() == 60);
    if (sys.pool < 0) {
      const std::size_t i = std::stoul(std::string(name.substr(5)));
      CHECK(sys.bytes_used == 8 * (i + 1));
      continue;
    }
    ++pool_rows;
    const fm::PoolSnapshot& p = s.pools[static_cast<std::size_t>(sys.pool)];
    CHECK(&s.systems[p.system] == &sys);
    const std::size_t i = std::stoul(std::string(name.substr(name.find('_') + 1)));
    CHECK(p.live_blocks == i * 3 + 1);
    CHECK(p.pages.size() == pools[i].page_count());
    CHECK_FALSE(p.pages_truncated);
    CHECK(sys.total_bytes_used == 32 * (i * 3 + 1));
    CHECK(s.systems[static_cast<std::size_t>(sys.parent)].name.view() == "group" + std::to_string(i % 6));
  }
  CHECK(pool_rows == 60);
  CHECK(row(s, "group0").total_bytes_used == 32 * (1 + 19 + 37 + 55 + 73 + 91 + 109 + 127 + 145 + 163));
  CHECK(nlohmann::json::parse(fm::to_json(s))["systems"].size() == 207);
  for (std::size_t i = 0; i < heaps.size(); ++i) heaps[i].deallocate(bytes[i], 8 * (i + 1));
  for (std::size_t i = 0; i < 60; ++i) {
    for (void* b : blocks[i]) pools[i].deallocate(b, 32, 16);
  }
}

TEST_CASE("a pool's page map is cut at the snapshot's page room, and says so") {
  fm::MemorySystem ms({.max_pages = 3});
  fm::Pool a(32, 16, {.blocks_per_page = 64, .name = "a"}), b(32, 16, {.blocks_per_page = 64, .name = "b"});
  ms.add_pool("a", a);
  ms.add_pool("b", b);
  std::vector<void*> live;
  for (int i = 0; i < 64 * 2; ++i) live.push_back(a.allocate(32, 16));
  for (int i = 0; i < 64 * 2; ++i) live.push_back(b.allocate(32, 16));
  ms.begin_frame();
  ms.end_frame();
  const fm::Snapshot& s = ms.latest();
  CHECK(s.pools[0].pages.size() == 2);
  CHECK_FALSE(s.pools[0].pages_truncated);
  CHECK(s.pools[1].pages.size() == 1);  // the room is shared: one row left
  CHECK(s.pools[1].pages_truncated);
  CHECK(s.pools[1].committed_pages == 2);
  for (std::size_t i = 0; i < live.size(); ++i) (i < 128 ? a : b).deallocate(live[i], 32, 16);
}

#if defined(__linux__)
namespace {

// AddressSanitizer's shadow memory and allocator metadata add to every resident figure.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool address_sanitizer = true;
#elif defined(__has_feature)
constexpr bool address_sanitizer = __has_feature(address_sanitizer);
#else
constexpr bool address_sanitizer = false;
#endif

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total = 0, resident = 0;
  statm >> total >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("a default memory system costs at most 2 MiB of resident memory, with its whole history filled") {
  const std::size_t before = resident_bytes();
  auto ms = std::make_unique<fm::MemorySystem>();
  const std::size_t constructed = resident_bytes();
  for (std::size_t i = 0; i < ms->history_capacity(); ++i) {
    ms->begin_frame();
    ms->end_frame();
  }
  const std::size_t filled = resident_bytes();
  MESSAGE("resident cost of a default MemorySystem: ", (constructed - before) / 1024, " KiB constructed, ",
          (filled - before) / 1024, " KiB after ", ms->history_capacity(), " frames");
  if (!address_sanitizer) CHECK(filled - before <= std::size_t{2} << 20);
}
#endif
