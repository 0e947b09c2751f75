// The examples of docs/allocators.md, verbatim, so the user guide cannot drift from the headers.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <memory_resource>
#include <string>
#include <vector>

#include "fm/alloc/frame_arena.hpp"
#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/memory_resource.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/alloc/std_allocator.hpp"
#include "fm/alloc/typed_pool.hpp"
#include "fm/core/layout.hpp"

namespace {

struct Hit {
  float x, y;
};
struct Bullet {
  float x, y, vx, vy;
  int owner;
};

TEST_CASE("guide: a fixed arena, and out_of_memory when it runs out") {
  // --- guide: linear ---
  fm::LinearArena arena{{.capacity = 4096, .name = "level-load"}};
  auto* table = static_cast<int*>(arena.allocate(256 * sizeof(int), alignof(int)));
  table[0] = 1;
  try {
    (void)arena.allocate(8192, 16);
  } catch (const fm::out_of_memory& e) {
    std::printf("%s\n", e.what());
    // out of memory in 'level-load': requested 8192 bytes aligned to 16, capacity 4096 bytes
    // (arena full, overflow policy is fail)
  }
  void* maybe = arena.try_allocate(8192, 16);  // the try_ twin: nullptr instead of an exception
  arena.reset();                               // everything at once; destructors of make<T>() objects run
  // --- end ---
  CHECK(maybe == nullptr);
  CHECK(arena.bytes_used() == 0);
  CHECK(arena.high_water() == 1024);
}

TEST_CASE("guide: frame scratch") {
  // --- guide: frame ---
  fm::FrameArena frame{{.capacity = 256 * 1024, .buffers = 2, .overflow = fm::OverflowPolicy::grow}};
  for (int f = 0; f < 3; ++f) {                        // the game loop
    std::pmr::vector<Hit> hits{&frame.resource()};     // any thread: its own buffer, no lock
    hits.push_back({1.0f, 2.0f});
    auto* name = frame.make<std::string>("temporary"); // destroyed when this buffer is recycled
    fm::LinearArena& mine = frame.local();             // hot loops: look the thread's buffer up once
    auto* ids = static_cast<int*>(mine.allocate(64 * sizeof(int), alignof(int)));
    ids[0] = static_cast<int>(name->size());
    frame.next_frame();                                // frame end (fm::MemorySystem calls this)
  }
  const fm::ArenaStats s = frame.arena_stats();        // bytes_used, padding, high_water, overflow_events
  // --- end ---
  CHECK(s.bytes_used == 0);
  CHECK(s.high_water > 0);
  CHECK(s.overflow_events == 0);
}

TEST_CASE("guide: stack with markers") {
  // --- guide: stack ---
  fm::StackAllocator stack{{.capacity = 64 * 1024, .name = "ai-scratch"}};
  const auto before_path = stack.mark();
  void* open_set = stack.allocate(1024, 16);
  void* closed_set = stack.allocate(2048, 16);
  stack.deallocate(closed_set, 2048, 16);  // LIFO frees are fine...
  // stack.deallocate(open_set, ...) before closed_set would throw fm::bad_free in a checked build
  stack.rewind(before_path);               // ...or drop everything since the marker at once
  // --- end ---
  CHECK(open_set != nullptr);
  CHECK(stack.bytes_used() == 0);
}

TEST_CASE("guide: pools") {
  // --- guide: pool ---
  fm::Pool bullets{sizeof(Bullet), alignof(Bullet), {.budget = 4 << 20, .name = "bullets"}};
  void* b = bullets.allocate(sizeof(Bullet), alignof(Bullet));
  bullets.deallocate(b, sizeof(Bullet), alignof(Bullet));

  fm::TypedPool<Bullet> typed{{.budget = 1 << 20, .name = "typed-bullets"}};
  Bullet* shot = typed.create(Bullet{0, 0, 1, 0, 7});  // placement new in a pool block
  typed.destroy(shot);                                 // runs ~Bullet, frees the block

  const fm::PoolStats ps = bullets.pool_stats();       // occupancy, page_fragmentation, free_list_scatter, ...
  bullets.for_each_page([](const fm::PageInfo& page) { (void)page.occupancy(); });  // no allocation
  bullets.release_empty_pages();                       // give empty pages back to the parent
  // --- end ---
  CHECK(ps.live_blocks == 0);
  CHECK(ps.releasable_bytes == ps.page_bytes);
  CHECK(bullets.page_count() == 0);
}

TEST_CASE("guide: standard containers and pmr") {
  // --- guide: adapters ---
  fm::Pool pool{sizeof(int), alignof(int), {.name = "ints"}};
  std::vector<int, fm::StdAllocator<int, fm::Pool>> v{fm::StdAllocator<int, fm::Pool>(pool)};
  v.assign({3, 1, 2});  // n > 1 ints do not fit one block: the pool serves them from its parent

  fm::LinearArena arena{{.capacity = 64 * 1024, .name = "tables"}};
  using Entry = std::pair<const int, float>;
  std::map<int, float, std::less<>, fm::StdAllocator<Entry, fm::LinearArena>> m{
      fm::StdAllocator<Entry, fm::LinearArena>(arena)};
  m[7] = 0.5f;

  fm::MemoryResource resource(arena);  // any framemem allocator as a std::pmr::memory_resource
  std::pmr::vector<std::pmr::string> names{&resource};
  names.emplace_back("strings inside the vector use the same resource");
  // --- end ---
  CHECK(v.size() == 3);
  CHECK(arena.owns(names.back().data()));
  CHECK(m.at(7) == 0.5f);
}

TEST_CASE("guide: layout inspector") {
  // --- guide: layout ---
  struct Data {
    char a;
    int b;
    char c;
  };
  const auto layout =
      fm::inspect_layout(fm::field("a", &Data::a), fm::field("b", &Data::b), fm::field("c", &Data::c));
  // layout.size == 12, layout.padding == 6, layout.reordered_size == 8 (b, a, c)
  for (const fm::FieldLayout& f : layout.fields) std::printf("%.*s at %zu\n", int(f.name.size()), f.name.data(), f.offset);
  // --- end ---
  CHECK(layout.size == 12);
  CHECK(layout.padding == 6);
  CHECK(layout.reordered_size == 8);
}

}  // namespace
