// Specification of fm/alloc/linear_arena.hpp.
#include "fm/alloc/linear_arena.hpp"

#include <doctest/doctest.h>

#include <array>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "support.hpp"

namespace {

using fm::test::message_of;

TEST_CASE("linear arena bumps aligned, disjoint blocks and counts padding") {
  alignas(64) std::array<std::byte, 256> buffer{};
  fm::LinearArena arena{buffer, {.name = "scratch"}};
  void* a = arena.allocate(1, 1);
  void* b = arena.allocate(8, 8);
  void* c = arena.allocate(3, 64);
  CHECK(a == buffer.data());
  CHECK(b == buffer.data() + 8);
  CHECK(c == buffer.data() + 64);
  const fm::ArenaStats s = arena.arena_stats();
  CHECK(s.bytes_used == 67);
  CHECK(s.padding == 67 - 12);
  CHECK(s.capacity == 256);
  CHECK(s.chunks == 1);
  CHECK(s.overflow_events == 0);
  CHECK(arena.stats().allocations == 3);
  CHECK(arena.owns(c));
  CHECK_FALSE(arena.owns(buffer.data() + 256));
  CHECK(arena.name() == "scratch");
}

TEST_CASE("linear arena serves every power-of-two alignment up to 4096 for sizes up to 4 pages") {
  fm::LinearArena arena{{.capacity = 64 * 1024, .overflow = fm::OverflowPolicy::grow}};
  fm::test::check_alignment_sweep(arena, [&] { arena.reset(); });
  CHECK(arena.bytes_used() == 0);
}

TEST_CASE("a full fixed arena throws out_of_memory naming itself and stays usable") {
  alignas(16) std::array<std::byte, 64> buffer{};
  fm::LinearArena arena{buffer, {.name = "scratch"}};
  (void)arena.allocate(40, 8);
  const fm::ArenaStats before = arena.arena_stats();
  CHECK(message_of<fm::out_of_memory>([&] { (void)arena.allocate(100, 8); }) ==
        "out of memory in 'scratch': requested 100 bytes aligned to 8, capacity 64 bytes "
        "(arena full, overflow policy is fail)");
  CHECK(arena.try_allocate(100, 8) == nullptr);
  CHECK(arena.arena_stats().bytes_used == before.bytes_used);
  CHECK(arena.allocate(24, 8) == buffer.data() + 40);
}

TEST_CASE("a linear arena rejects alignments that are not powers of two up to 4096") {
  fm::LinearArena arena{{.capacity = 1024, .name = "scratch"}};
  for (std::size_t bad : {0u, 3u, 24u, 8192u}) {
    CAPTURE(bad);
    CHECK(message_of<fm::bad_alignment>([&] { (void)arena.allocate(8, bad); }) ==
          "bad alignment in 'scratch': " + std::to_string(bad) + " is not a power of two between 1 and 4096");
    CHECK(arena.try_allocate(8, bad) == nullptr);
  }
  CHECK(arena.bytes_used() == 0);
}

TEST_CASE("grow policy chains a chunk, counts the overflow, and reuses chunks after reset") {
  fm::NewAllocator parent;
  fm::LinearArena arena{{.capacity = 1024, .overflow = fm::OverflowPolicy::grow, .name = "frame", .parent = parent}};
  CHECK(parent.stats().allocations == 1);
  for (int frame = 0; frame < 3; ++frame) {
    CAPTURE(frame);
    void* a = arena.allocate(800, 16);
    void* b = arena.allocate(800, 16);  // does not fit the first chunk
    CHECK(arena.owns(a));
    CHECK(arena.owns(b));
    CHECK(arena.arena_stats().chunks == 2);
    CHECK(arena.arena_stats().overflow_events == static_cast<std::uint64_t>(frame + 1));
    CHECK(arena.bytes_used() == 1600);
    arena.reset();
  }
  CHECK(parent.stats().allocations == 2);  // the first buffer and one chunk, nothing per frame
  CHECK(arena.high_water() == 1600);
  CHECK(arena.bytes_used() == 0);
}

TEST_CASE("a request larger than the chunk size gets a chunk of its own") {
  fm::LinearArena arena{{.capacity = 256, .overflow = fm::OverflowPolicy::grow}};
  void* p = arena.allocate(10000, 4096);
  CHECK(fm::is_aligned(p, 4096));
  CHECK(arena.capacity() >= 256 + 10000);
}

TEST_CASE("make runs non-trivial destructors in reverse order at reset") {
  std::vector<int> order;
  struct Noisy {
    std::vector<int>* log;
    int id;
    ~Noisy() { log->push_back(id); }
  };
  fm::LinearArena arena{{.capacity = 4096}};
  for (int i = 0; i < 3; ++i) CHECK(arena.make<Noisy>(&order, i)->id == i);
  auto* plain = arena.make<int>(7);
  CHECK(*plain == 7);
  CHECK(order.empty());
  arena.reset();
  CHECK(order == std::vector<int>{2, 1, 0});
  arena.reset();
  CHECK(order.size() == 3);
}

TEST_CASE("try_make returns null when the arena is full") {
  alignas(8) std::array<std::byte, 16> buffer{};
  fm::LinearArena arena{buffer};
  CHECK(arena.try_make<std::array<char, 32>>() == nullptr);
  CHECK(arena.try_make<double>(1.5) != nullptr);
}

TEST_CASE("try_make never throws: null and an unchanged arena when the finalizer does not fit or the constructor throws") {
  struct Finalized {
    int* destroyed;
    ~Finalized() { ++*destroyed; }
  };
  struct Refuses {
    Refuses() { throw std::runtime_error("refused"); }
    ~Refuses() {}  // non-trivial: a finalizer node is needed too
  };
  int destroyed = 0;
  alignas(64) std::array<std::byte, 24> small{};
  fm::LinearArena arena{small, {.name = "scratch"}};
  CHECK(noexcept(arena.try_make<Finalized>(&destroyed)));
  Finalized* object = nullptr;
  CHECK_NOTHROW(object = arena.try_make<Finalized>(&destroyed));  // the object fits, its finalizer node does not
  CHECK(object == nullptr);
  CHECK(arena.bytes_used() == 0);
  CHECK(arena.stats().allocations == 0);
  arena.reset();
  CHECK(destroyed == 0);

  alignas(64) std::array<std::byte, 256> roomy{};
  fm::LinearArena other{roomy, {.name = "roomy"}};
  Refuses* refused = nullptr;
  CHECK_NOTHROW(refused = other.try_make<Refuses>());
  CHECK(refused == nullptr);
  CHECK(other.bytes_used() == 0);
  CHECK(other.stats().allocations == 0);
}

TEST_CASE("randomized linear arena matches a bump-pointer model") {
  const unsigned seed = 20261124;
  CAPTURE(seed);
  std::mt19937 rng(seed);
  alignas(4096) static std::array<std::byte, 64 * 1024> buffer;
  fm::LinearArena arena{buffer, {.name = "model"}};
  fm::test::LiveBlocks live;
  std::size_t offset = 0;
  std::size_t requested = 0;
  std::size_t high_water = 0;
  for (int op = 0; op < 20000; ++op) {
    CAPTURE(op);
    if (rng() % 200 == 0) {
      arena.reset();
      live.clear();
      offset = requested = 0;
      continue;
    }
    const std::size_t align = std::size_t{1} << (rng() % 13);
    const std::size_t size = rng() % 3 == 0 ? rng() % 2048 : rng() % 64;
    const std::size_t start = fm::align_up(offset, align);
    void* p = arena.try_allocate(size, align);
    if (start + size > buffer.size()) {
      CHECK(p == nullptr);
      continue;
    }
    REQUIRE(p == buffer.data() + start);
    live.insert(p, size);
    offset = start + size;
    requested += size;
    high_water = std::max(high_water, offset);
    const fm::ArenaStats s = arena.arena_stats();
    CHECK(s.bytes_used == offset);
    CHECK(s.padding == offset - requested);
    CHECK(s.high_water == high_water);
  }
}

// Moving: an arena is returned from a factory and kept in a growing std::vector like any value.
static_assert(std::is_nothrow_move_constructible_v<fm::LinearArena> &&
              std::is_nothrow_move_assignable_v<fm::LinearArena>);
static_assert(!std::is_copy_constructible_v<fm::LinearArena> && !std::is_copy_assignable_v<fm::LinearArena>);

// Counts its destructor runs, so a test sees each arena object finalized exactly once.
struct Finalized {
  int* runs;
  int value;
  ~Finalized() { ++*runs; }
};

// An arena of 256-byte chunks holding `objects` Finalized objects with values 0.. (more than one chunk from 4 on).
fm::LinearArena arena_with(std::string_view name, int objects, int& runs, fm::AllocatorRef parent = {}) {
  fm::LinearArena arena{{.capacity = 256, .overflow = fm::OverflowPolicy::grow, .name = name, .parent = parent}};
  for (int i = 0; i < objects; ++i) (void)arena.make<Finalized>(&runs, i);
  return arena;
}

TEST_CASE("an arena returned from a factory keeps bumping in its chunk and finalizes once at reset") {
  int runs = 0;
  fm::LinearArena arena = arena_with("made", 1, runs);  // still in its first chunk
  CHECK(arena.arena_stats().chunks == 1);
  const std::size_t used = arena.bytes_used();
  void* p = arena.allocate(16, 16);
  CHECK(arena.owns(p));
  CHECK(arena.bytes_used() >= used + 16);
  CHECK(arena.arena_stats().chunks == 1);  // the bump continued in the chunk the factory's arena was in
  arena.reset();
  CHECK(runs == 1);
  CHECK(arena.bytes_used() == 0);
}

TEST_CASE("arenas in a reallocating vector keep their chunks, objects and stats") {
  std::vector<int> runs(30, 0);
  std::vector<fm::LinearArena> arenas;
  std::vector<std::vector<Finalized*>> objects(30);
  for (int i = 0; i < 30; ++i) {
    arenas.push_back(arena_with("arena " + std::to_string(i), 0, runs[i]));
    for (int k = 0; k < i % 7; ++k) objects[i].push_back(arenas.back().make<Finalized>(&runs[i], 100 * i + k));
  }
  for (int i = 0; i < 30; ++i) {
    fm::LinearArena& arena = arenas[i];
    CAPTURE(i);
    CHECK(runs[i] == 0);
    CHECK(arena.name() == "arena " + std::to_string(i));
    CHECK(arena.stats().allocations == objects[i].size());
    for (std::size_t k = 0; k < objects[i].size(); ++k) {
      CHECK(objects[i][k]->value == 100 * i + static_cast<int>(k));
      CHECK(arena.owns(objects[i][k]));
    }
    Finalized* more = arena.make<Finalized>(&runs[i], -1);
    CHECK(arena.owns(more));
    arena.reset();
    CHECK(runs[i] == static_cast<int>(objects[i].size()) + 1);
  }
  arenas.clear();
  CHECK(runs[29] == 29 % 7 + 1);  // the destructors ran at reset, not again at destruction
}

TEST_CASE("move-assigning over an arena finalizes its objects and gives its chunks back first; self-move is harmless") {
  fm::NewAllocator heap;
  int a_runs = 0;
  int b_runs = 0;
  fm::LinearArena a = arena_with("a", 12, a_runs, heap);  // several chunks
  const std::size_t a_bytes = heap.stats().bytes_used;
  fm::LinearArena b = arena_with("b", 2, b_runs, heap);
  const std::size_t b_bytes = heap.stats().bytes_used - a_bytes;
  REQUIRE(a.arena_stats().chunks > 1);
  a = std::move(b);
  CHECK(a_runs == 12);
  CHECK(heap.stats().bytes_used == b_bytes);
  CHECK(a.name() == "b");
  CHECK(a.stats().allocations == 2);
  fm::LinearArena& same = a;
  a = std::move(same);
  CHECK(b_runs == 0);
  CHECK(a.stats().allocations == 2);
  a.reset();
  CHECK(b_runs == 2);
}

TEST_CASE("a moved-from arena is empty, can be destroyed, reset, and works again once assigned") {
  int runs = 0;
  auto source = std::make_unique<fm::LinearArena>(arena_with("source", 5, runs));
  fm::LinearArena target = std::move(*source);
  CHECK(source->capacity() == 0);
  CHECK(source->bytes_used() == 0);
  CHECK(source->stats().allocations == 0);
  source->reset();
  CHECK(runs == 0);  // the objects moved with their arena
  *source = fm::LinearArena{{.capacity = 128, .name = "again"}};
  void* p = source->allocate(64, 8);
  CHECK(source->owns(p));
  CHECK_FALSE(target.owns(p));
  CHECK_THROWS_AS((void)source->allocate(128, 8), fm::out_of_memory);  // a fixed arena still refuses overflow
  source.reset();
  CHECK(runs == 0);
  target.reset();
  CHECK(runs == 5);
}

}  // namespace

#if FM_HAS_ASAN
#include <sanitizer/asan_interface.h>

namespace {

TEST_CASE("the unused arena tail and reset memory are poisoned for AddressSanitizer") {
  fm::LinearArena arena{{.capacity = 4096}};
  auto* p = static_cast<char*>(arena.allocate(64, 64));
  CHECK_FALSE(__asan_address_is_poisoned(p + 63));
  CHECK(__asan_address_is_poisoned(p + 64));
  arena.reset();
  CHECK(__asan_address_is_poisoned(p));
  CHECK(arena.allocate(64, 64) == p);
  CHECK_FALSE(__asan_address_is_poisoned(p));
}

}  // namespace
#endif
