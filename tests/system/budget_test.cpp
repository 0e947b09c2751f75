// Specification of fm/system/budget.hpp as the memory system keeps it: soft budgets warn, hard budgets
// refuse allocations through MemorySystem::system(name) (also for child systems), per-frame allocation
// budgets report or fail the frame, and every snapshot row says which budget was not kept.
#include "fm/system/budget.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fm/alloc/pool.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/view.hpp"
#include "system/support.hpp"

namespace {

using fm::test::error_of;
using fm::test::row;

void frame(fm::MemorySystem& ms) {
  ms.begin_frame();
  ms.end_frame();
}

}  // namespace

TEST_CASE("a plain-number budget is the soft budget: over it the row is red and the callback runs, nothing is refused") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_system("audio", heap, "heap", 100);
  std::vector<std::string> calls;
  ms.on_budget_overrun([&](const fm::SystemSnapshot& s) { calls.emplace_back(s.name.view()); });
  CHECK(ms.system("audio") == fm::AllocatorRef(heap));  // no hard budget: the registered allocator itself
  void* p = ms.system("audio").allocate(150);
  frame(ms);
  const fm::SystemSnapshot& s = row(ms.latest(), "audio");
  CHECK(s.budget == 100);
  CHECK(s.hard_budget == 0);
  CHECK(s.over_soft_budget);
  CHECK_FALSE(s.over_hard_budget);
  CHECK_FALSE(s.over_frame_budget);
  CHECK(s.over_budget);
  CHECK(fm::system_row(ms.latest(), 1).figures.over_budget);
  CHECK(calls == std::vector<std::string>{"audio"});
  ms.system("audio").deallocate(p, 150);
}

TEST_CASE("a hard budget refuses the allocation that would pass it, naming the system and its budget, and changes nothing") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_system("net", heap, "heap", fm::Budget{.soft = 50, .hard = 100});
  fm::AllocatorRef net = ms.system("net");
  CHECK_FALSE(net == fm::AllocatorRef(heap));  // the memory system's checking allocator in front of it
  void* a = net.allocate(60);
  void* b = net.allocate(40);  // exactly at the budget: allowed
  const fm::AllocatorStats before = heap.stats();
  CHECK(error_of([&] { (void)net.allocate(1); }) ==
        "out of memory in 'net': requested 1 bytes aligned to 16, capacity 100 bytes (over the hard budget of "
        "system 'net': 100 of 100 bytes used)");
  CHECK(net.try_allocate(1) == nullptr);
  CHECK(heap.stats().allocations == before.allocations);
  CHECK(heap.stats().bytes_used == 100);
  frame(ms);
  const fm::SystemSnapshot& s = row(ms.latest(), "net");
  CHECK(s.hard_budget == 100);
  CHECK(s.allocations_refused_this_frame == 2);
  CHECK(s.allocations_refused == 2);
  CHECK(s.over_hard_budget);  // refused in this frame, though the used bytes are within the budget
  CHECK(s.over_soft_budget);
  CHECK(s.over_budget);
  net.deallocate(b, 40);
  CHECK(net.try_allocate(41) == nullptr);
  void* c = net.allocate(40);  // room again after the free
  frame(ms);
  CHECK(row(ms.latest(), "net").allocations_refused_this_frame == 1);
  frame(ms);
  CHECK_FALSE(row(ms.latest(), "net").over_hard_budget);
  CHECK(row(ms.latest(), "net").allocations_refused == 3);
  net.deallocate(c, 40);
  net.deallocate(a, 60);
}

TEST_CASE("a scope's hard budget covers its children, whatever order they were registered in") {
  fm::MemorySystem ms;
  fm::NewAllocator bullets, decals;
  ms.add_system("combat/bullets", bullets, "heap");
  ms.add_scope("combat", fm::Budget{.hard = 1000});  // completes the implicit scope
  ms.add_system("combat/decals", decals, "heap");
  void* a = ms.system("combat/bullets").allocate(700);
  CHECK(error_of([&] { (void)ms.system("combat/decals").allocate(301, 8); }) ==
        "out of memory in 'combat/decals': requested 301 bytes aligned to 8, capacity 1000 bytes (over the hard "
        "budget of system 'combat': 700 of 1000 bytes used)");
  void* b = ms.system("combat/decals").allocate(300, 8);
  frame(ms);
  CHECK(row(ms.latest(), "combat").allocations_refused_this_frame == 1);  // counted where the budget is
  CHECK(row(ms.latest(), "combat").over_hard_budget);
  CHECK(row(ms.latest(), "combat/decals").allocations_refused == 0);
  CHECK_FALSE(row(ms.latest(), "combat/decals").over_budget);
  ms.system("combat/decals").deallocate(b, 300, 8);
  ms.system("combat/bullets").deallocate(a, 700);
}

TEST_CASE("an allocator taken before its scope's hard budget was registered checks that budget") {
  fm::MemorySystem ms;
  fm::NewAllocator bullets;
  ms.add_system("combat/bullets", bullets, "heap");  // scope "combat" exists only implicitly
  fm::AllocatorRef early = ms.system("combat/bullets");
  ms.add_scope("combat", fm::Budget{.hard = 1000});
  void* a = early.allocate(700);
  const fm::AllocatorStats before = bullets.stats();
  CHECK(error_of([&] { (void)early.allocate(301, 8); }) ==
        "out of memory in 'combat/bullets': requested 301 bytes aligned to 8, capacity 1000 bytes (over the hard "
        "budget of system 'combat': 700 of 1000 bytes used)");
  CHECK(early.try_allocate(301, 8) == nullptr);
  CHECK(bullets.stats().allocations == before.allocations);
  CHECK(bullets.stats().bytes_used == 700);
  frame(ms);
  CHECK(row(ms.latest(), "combat").allocations_refused_this_frame == 2);
  early.deallocate(a, 700);
}

TEST_CASE("a top-level system without a hard budget is handed out as its registered allocator") {
  fm::MemorySystem ms;
  fm::NewAllocator heap, voices;
  ms.add_system("audio", heap, "heap", 100);
  ms.add_system("audio/voices", voices, "heap");  // "audio" is registered: no hard budget can come later
  CHECK(ms.system("audio") == fm::AllocatorRef(heap));
  CHECK(ms.system("audio/voices") == fm::AllocatorRef(voices));
  CHECK(ms.system("frame") == fm::AllocatorRef(ms.frame_arena()));
}

TEST_CASE("a pool under a hard budget is charged whole blocks") {
  fm::MemorySystem ms;
  fm::Pool pool(64, 16, {.name = "sparks"});
  ms.add_pool("sparks", pool, fm::Budget{.hard = 3 * 64 + 10});
  std::vector<void*> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(ms.system("sparks").allocate(10, 8));  // 64 bytes used each
  CHECK(ms.system("sparks").try_allocate(10, 8) == nullptr);  // 10 more bytes would fit, a block does not
  CHECK(pool.live_blocks() == 3);
  frame(ms);
  CHECK(row(ms.latest(), "sparks").total_bytes_used == 3 * 64);
  CHECK(row(ms.latest(), "sparks").over_hard_budget);
  for (void* p : blocks) ms.system("sparks").deallocate(p, 10, 8);
}

TEST_CASE("bytes allocated around the memory system can pass a hard budget, and the row says so") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_system("ui", heap, "heap", fm::Budget{.hard = 100});
  void* p = heap.allocate(150);  // straight from the allocator: nothing checks it
  frame(ms);
  CHECK(row(ms.latest(), "ui").over_hard_budget);
  CHECK(row(ms.latest(), "ui").allocations_refused_this_frame == 0);
  CHECK(ms.system("ui").try_allocate(1) == nullptr);
  heap.deallocate(p, 150);
}

TEST_CASE("a per-frame allocation budget counts every allocation of the system and its children in the frame") {
  fm::MemorySystem ms;
  fm::NewAllocator ai, paths;
  ms.add_scope("ai", fm::Budget{.per_frame_allocations = 2});
  ms.add_system("ai/paths", paths, "heap");
  ms.add_system("ai/brains", ai, "heap");
  int overruns = 0;
  ms.on_budget_overrun([&](const fm::SystemSnapshot& s) { overruns += s.name.view() == "ai" ? 1 : 0; });
  std::vector<void*> blocks;
  ms.begin_frame();
  blocks.push_back(paths.allocate(8));  // around the memory system: counted all the same
  blocks.push_back(ms.system("ai/brains").allocate(8));
  ms.end_frame();
  CHECK(row(ms.latest(), "ai").total_allocations_this_frame == 2);
  CHECK(row(ms.latest(), "ai").frame_allocation_budget == 2u);
  CHECK_FALSE(row(ms.latest(), "ai").over_budget);
  ms.begin_frame();
  for (int i = 0; i < 3; ++i) blocks.push_back(paths.allocate(8));
  ms.end_frame();
  const fm::SystemSnapshot& over = row(ms.latest(), "ai");
  CHECK(over.total_allocations_this_frame == 3);
  CHECK(over.over_frame_budget);
  CHECK(over.over_budget);
  CHECK_FALSE(over.over_soft_budget);
  CHECK(overruns == 1);
  frame(ms);  // a frame without allocations keeps the budget again
  CHECK_FALSE(row(ms.latest(), "ai").over_budget);
  for (std::size_t i = 0; i < blocks.size(); ++i) (i == 1 ? ai : paths).deallocate(blocks[i], 8);
}

TEST_CASE("in fail mode a system that allocates in a steady frame fails end_frame, naming the system and the frame") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_system("physics", heap, "heap",
                fm::Budget{.per_frame_allocations = 0, .per_frame_check = fm::FrameBudgetCheck::fail});
  for (int i = 0; i < 3; ++i) CHECK_NOTHROW(frame(ms));
  ms.begin_frame();
  void* p = heap.allocate(32);
  CHECK(error_of([&] { ms.end_frame(); }) ==
        "memory system: system 'physics' is over its per-frame budget in frame 4: allocations 1, budget 0 "
        "(Budget::per_frame_allocations)");
  CHECK(ms.latest().frame == 4);  // the frame was completed before the failure
  CHECK(row(ms.latest(), "physics").over_frame_budget);
  CHECK_NOTHROW(frame(ms));
  heap.deallocate(p, 32);
}
