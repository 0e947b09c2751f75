// Specification of what fm::overlay::Dashboard shows in its default layout over the demo's display: the
// text of its panels, and that no table cuts off a header or a cell (overlay/imgui_frame.hpp).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fm/alloc/pool.hpp"
#include "fm/overlay/dashboard.hpp"
#include "fm/system/memory_system.hpp"
#include "overlay/imgui_frame.hpp"

namespace {

// The demo's memory systems: scopes with budgets, pools (two of them debug layers' pools without pages),
// a heap, and the frame arena, with the demo's 200,000 particles allocated over a few frames, so the
// figures are as wide as the demo's.
struct DemoLikeSystems {
  fm::MemorySystem ms;
  fm::Pool particle_pool{64, 16, {.name = "particles/pool"}};
  fm::Pool particle_debug_pool{144, 16, {.name = "particles/debug-pool"}};
  fm::NewAllocator columns;
  fm::Pool entity_pages{16 << 10, 64, {.name = "entities/pages"}};
  fm::Pool entity_debug_pages{(16 << 10) + 64, 64, {.name = "entities/debug-pages"}};
  std::vector<void*> particles;

  DemoLikeSystems() {
    ms.add_scope("particles", 512u << 20);
    ms.add_pool("particles/pool", particle_pool);
    ms.add_pool("particles/debug-pool", particle_debug_pool);
    ms.add_system("particles/columns", columns, "heap");
    ms.add_scope("entities", 64u << 20);
    ms.add_pool("entities/pages", entity_pages);
    ms.add_pool("entities/debug-pages", entity_debug_pages);
  }
  DemoLikeSystems(const DemoLikeSystems&) = delete;
  DemoLikeSystems& operator=(const DemoLikeSystems&) = delete;
  ~DemoLikeSystems() {
    for (void* p : particles) particle_pool.deallocate(p, 64, 16);
  }

  void run_frame() {
    ms.begin_frame();
    for (int i = 0; i < 70'000; ++i) particles.push_back(particle_pool.allocate(64, 16));  // 12.8 MiB in 3 frames
    (void)ms.frame_arena().allocate(4096, 16);
    ms.end_frame();
  }
};

}  // namespace

TEST_CASE("no table of the dashboard cuts off a header or a cell in the default layout over a 1600x900 display") {
  DemoLikeSystems systems;
  fm::overlay::Dashboard dashboard(systems.ms, {.game_slot_height = 300});
  fm::test::ImGuiFrames imgui;
  for (int frame = 0; frame < 3; ++frame) systems.run_frame();
  // Two ImGui frames: columns that fit their contents take their width from the frame before.
  for (int frame = 0; frame < 2; ++frame) imgui.frame([&] { (void)dashboard.draw(); });
  const std::vector<std::string> clipped = imgui.clipped_columns();
  std::string all;
  for (const std::string& c : clipped) all += c + "\n";
  INFO(all);
  CHECK(clipped.empty());
}
