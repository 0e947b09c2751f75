// Specification of fm/system/frame_diff.hpp: a scripted workload whose changes between two frames are
// known, diffed per system and pool, sorted by growth.
#include "fm/system/frame_diff.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fm/alloc/pool.hpp"
#include "fm/system/memory_system.hpp"

namespace {

std::vector<void*> fill(fm::Pool& pool, std::size_t blocks) {
  std::vector<void*> out;
  for (std::size_t i = 0; i < blocks; ++i) out.push_back(pool.allocate(32, 16));
  return out;
}

}  // namespace

TEST_CASE("a frame diff gives each system's change in bytes, calls, pages and fragmentation, largest growth first") {
  fm::MemorySystem ms;
  fm::Pool particles(32, 16, {.name = "particles"});
  fm::Pool debris(32, 16, {.name = "debris"});
  fm::NewAllocator scripts, audio;
  ms.add_pool("particles", particles);
  ms.add_system("scripts", scripts, "heap");
  void* first = particles.allocate(32, 16);
  const std::size_t per_page = particles.page_info(0).blocks;
  std::vector<void*> live = fill(particles, 2 * per_page - 1);  // two full pages
  live.push_back(first);
  void* s1 = scripts.allocate(100);
  ms.begin_frame();
  ms.end_frame();

  // The next frame: a new pool registered under "particles" (rows after it move down), a new system,
  // holes punched into the first page of particles, scripts grows.
  ms.add_pool("particles/debris", debris);
  ms.add_system("audio", audio, "heap");
  std::vector<void*> page0;
  const auto* page = particles.page_info(0).page;
  for (void* p : live) {
    const auto* b = static_cast<const std::byte*>(p);
    if (page <= b && b < page + particles.page_bytes()) page0.push_back(p);
  }
  REQUIRE(page0.size() == per_page);
  for (std::size_t i = 0; i < per_page; i += 2) particles.deallocate(page0[i], 32, 16);
  const std::size_t freed = (per_page + 1) / 2;
  std::vector<void*> rubble = fill(debris, per_page + 1);  // one page full, one started
  void* s2 = scripts.allocate(400);
  void* a1 = audio.allocate(50);
  ms.begin_frame();
  ms.end_frame();

  std::vector<fm::SystemDelta> diff;
  fm::frame_diff(ms.history(1), ms.latest(), diff);
  std::vector<std::string> order;
  for (const auto& d : diff) order.emplace_back(d.name);
  const auto debris_bytes = static_cast<std::int64_t>(32 * (per_page + 1));
  const auto particle_bytes = -static_cast<std::int64_t>(32 * freed);
  REQUIRE(order == std::vector<std::string>{"particles/debris", "particles", "scripts", "audio", "frame"});

  const fm::SystemDelta& d = diff[0];
  CHECK(d.presence == fm::SystemDelta::Presence::added);
  CHECK(d.bytes == debris_bytes);
  CHECK(d.allocations == static_cast<std::int64_t>(per_page + 1));
  CHECK(d.pool);
  CHECK(d.pages == 2);
  CHECK(d.fragmentation == doctest::Approx(0.5));  // one of two pages partial
  CHECK(d.fragmentation_rose);

  const fm::SystemDelta& p = diff[1];
  CHECK(p.presence == fm::SystemDelta::Presence::both);
  CHECK(p.bytes == particle_bytes + debris_bytes);  // rolled up: its child's growth is its growth
  CHECK(p.allocations == 0);
  CHECK(p.frees == static_cast<std::int64_t>(freed));
  CHECK(p.pages == 0);
  CHECK(p.fragmentation == doctest::Approx(0.5));  // the first page went from full to partial
  CHECK(p.fragmentation_rose);

  CHECK(diff[2].bytes == 400);
  CHECK(diff[2].allocations == 1);
  CHECK_FALSE(diff[2].pool);
  CHECK(diff[3].presence == fm::SystemDelta::Presence::added);
  CHECK(diff[3].bytes == 50);
  CHECK(diff[4].bytes == 0);

  // Backwards, growth becomes shrinkage and the new systems are the removed ones.
  fm::frame_diff(ms.latest(), ms.history(1), diff);
  CHECK(diff.back().name == "particles/debris");
  CHECK(diff.back().presence == fm::SystemDelta::Presence::removed);
  CHECK(diff.back().bytes == -debris_bytes);
  CHECK(diff.back().pages == -2);
  CHECK_FALSE(diff.back().fragmentation_rose);

  for (std::size_t i = 1; i < per_page; i += 2) particles.deallocate(page0[i], 32, 16);
  for (void* b : live) {
    if (std::find(page0.begin(), page0.end(), b) == page0.end()) particles.deallocate(b, 32, 16);
  }
  for (void* b : rubble) debris.deallocate(b, 32, 16);
  scripts.deallocate(s1, 100);
  scripts.deallocate(s2, 400);
  audio.deallocate(a1, 50);
}

TEST_CASE("a frame diff reuses the caller's rows: no allocation once they have room") {
  fm::MemorySystem ms;
  ms.begin_frame();
  ms.end_frame();
  ms.begin_frame();
  ms.end_frame();
  std::vector<fm::SystemDelta> diff;
  diff.reserve(8);
  const auto* data = diff.data();
  fm::frame_diff(ms.history(1), ms.latest(), diff);
  CHECK(diff.size() == 1);
  CHECK(diff.data() == data);
}
