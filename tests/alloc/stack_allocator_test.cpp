// Specification of fm/alloc/stack_allocator.hpp.
#include "fm/alloc/stack_allocator.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "support.hpp"

namespace {

using fm::test::message_of;

TEST_CASE("stack frees the top block and rewinds to markers") {
  alignas(64) std::array<std::byte, 1024> buffer{};
  fm::StackAllocator stack{buffer, {.name = "scratch"}};
  void* a = stack.allocate(10, 8);
  const auto m = stack.mark();
  void* b = stack.allocate(20, 16);
  void* c = stack.allocate(30, 8);
  CHECK(b == buffer.data() + 16);
  CHECK(c == buffer.data() + 40);
  CHECK(stack.bytes_used() == 70);
  CHECK(stack.arena_stats().padding == 10);
  stack.deallocate(c, 30, 8);
  CHECK(stack.bytes_used() == 36);  // the padding in front of c is given back too
  stack.rewind(m);
  CHECK(stack.bytes_used() == 10);
  CHECK(stack.allocate(20, 16) == b);
  stack.reset();
  CHECK(stack.allocate(10, 8) == a);
  CHECK(stack.high_water() == 70);
  CHECK(stack.stats().deallocations == 4);  // c freed, b rewound, then a and the second b reset
}

TEST_CASE("stack stats count the blocks a rewind or reset unwinds as frees") {
  fm::StackAllocator stack{{.capacity = 1024}};
  const auto m = stack.mark();
  (void)stack.allocate(16, 8);
  (void)stack.allocate(16, 8);
  stack.rewind(m);
  (void)stack.allocate(16, 8);
  fm::AllocatorStats s = stack.stats();
  CHECK(s.allocations == 3);
  CHECK(s.deallocations == 2);
  CHECK(s.allocations - s.deallocations == 1);  // one live block
  CHECK(stack.try_rewind(m));
  CHECK(stack.stats().deallocations == 3);
  (void)stack.allocate(8, 8);
  (void)stack.allocate(8, 8);
  stack.reset();
  s = stack.stats();
  CHECK(s.allocations == 5);
  CHECK(s.deallocations == 5);
}

TEST_CASE("stack serves every power-of-two alignment up to 4096 for sizes up to 4 pages") {
  fm::StackAllocator stack{{.capacity = 256 * 1024}};
  fm::test::check_alignment_sweep(stack, [&] { CHECK(stack.bytes_used() == 0); });
}

TEST_CASE("a full stack throws out_of_memory naming itself and stays unchanged") {
  fm::StackAllocator stack{{.capacity = 128, .name = "scratch"}};
  (void)stack.allocate(100, 8);
  CHECK(message_of<fm::out_of_memory>([&] { (void)stack.allocate(64, 8); }) ==
        "out of memory in 'scratch': requested 64 bytes aligned to 8, capacity 128 bytes (stack full: 100 bytes in use)");
  CHECK(stack.try_allocate(64, 8) == nullptr);
  CHECK(message_of<fm::bad_alignment>([&] { (void)stack.allocate(8, 5); }) ==
        "bad alignment in 'scratch': 5 is not a power of two between 1 and 4096");
  CHECK(stack.bytes_used() == 100);
}

TEST_CASE("a marker is stale once the stack was unwound below it, even after it grew back") {
  fm::StackAllocator stack{{.capacity = 1024}};
  (void)stack.allocate(16, 8);
  const auto outer = stack.mark();
  (void)stack.allocate(16, 8);
  const auto inner = stack.mark();
  (void)stack.allocate(16, 8);
  stack.rewind(outer);
  (void)stack.allocate(64, 8);  // the top is above `inner` again
  CHECK_FALSE(stack.try_rewind(inner));
  CHECK(stack.bytes_used() == 80);
  CHECK(stack.try_rewind(outer));  // still valid: the stack never went below it
  CHECK(stack.bytes_used() == 16);
  const auto above = fm::StackAllocator::Marker{.offset = 512, .requested = 0, .depth = 9, .serial = 99};
  CHECK_FALSE(stack.try_rewind(above));
  stack.reset();
  CHECK_FALSE(stack.try_rewind(outer));
}

#if FM_CHECKED
TEST_CASE("checked stack: out-of-order free, foreign pointer and stale marker throw bad_free and change nothing") {
  alignas(64) std::array<std::byte, 256> buffer{};
  fm::StackAllocator stack{buffer, {.name = "scratch"}};
  void* a = stack.allocate(16, 8);
  const auto m = stack.mark();
  (void)stack.allocate(16, 8);
  CHECK(message_of<fm::bad_free>([&] { stack.deallocate(a, 16, 8); }) ==
        "out-of-order free in stack 'scratch': block at offset 0 (16 bytes) is not the top block; top is at offset 32");
  int local = 0;
  CHECK(message_of<fm::bad_free>([&] { stack.deallocate(&local, 4, 4); }) ==
        "foreign pointer in stack 'scratch': the block is not inside its 256-byte buffer");
  stack.rewind(m);
  (void)stack.allocate(8, 8);
  const auto stale = stack.mark();
  stack.reset();
  (void)stack.allocate(64, 8);
  CHECK(message_of<fm::bad_free>([&] { stack.rewind(stale); }) ==
        "rewind to a stale marker in stack 'scratch': marker at offset 24 is invalid because the stack was unwound "
        "below it after it was taken (top at offset 64)");
  stack.reset();
  CHECK(message_of<fm::bad_free>([&] { stack.rewind(stale); }) ==
        "rewind to a stale marker in stack 'scratch': marker at offset 24 is invalid because it is above the current "
        "top (top at offset 0)");
  CHECK(stack.bytes_used() == 0);
}
#endif

TEST_CASE("a marker stays stale however many times the stack moved down after it went below the marker") {
  alignas(64) static std::array<std::byte, 4096> buffer{};
  fm::StackAllocator stack{buffer, {.name = "scratch"}};
  (void)stack.allocate(64, 8);
  const auto stale = stack.mark();
  stack.reset();
  // Forty later drops, each above the last: more than a bounded history of drops can hold.
  for (int i = 0; i < 40; ++i) {
    (void)stack.allocate(16, 8);
    stack.deallocate(stack.allocate(8, 8), 8, 8);
  }
  const std::size_t top = stack.bytes_used();
  CHECK_FALSE(stack.try_rewind(stale));
  CHECK(stack.bytes_used() == top);
  CHECK(stack.allocate(16, 8) == buffer.data() + top);  // on top, not over a live block
}

#if FM_CHECKED
TEST_CASE("checked stack: a free of an interior pointer or with the wrong size of the top block is a bad_free") {
  alignas(64) std::array<std::byte, 256> buffer{};
  fm::StackAllocator stack{buffer, {.name = "scratch"}};
  auto* x = static_cast<std::byte*>(stack.allocate(64, 8));
  CHECK(message_of<fm::bad_free>([&] { stack.deallocate(x + 48, 16, 8); }) ==
        "out-of-order free in stack 'scratch': block at offset 48 (16 bytes) is not the top block; top is at offset 64");
  CHECK(stack.bytes_used() == 64);
  CHECK(message_of<fm::bad_free>([&] { stack.deallocate(x, 32, 8); }) ==
        "size mismatch in stack 'scratch': the top block at offset 0 is 64 bytes, freed as 32");
  CHECK(stack.bytes_used() == 64);
  stack.deallocate(x, 64, 8);
  CHECK(stack.bytes_used() == 0);
}

TEST_CASE("checked stack: a zero-size top block does not let the block below it be freed") {
  alignas(64) std::array<std::byte, 256> buffer{};
  fm::StackAllocator stack{buffer, {.name = "scratch"}};
  void* below = stack.allocate(16, 8);
  void* empty = stack.allocate(0, 8);
  CHECK(message_of<fm::bad_free>([&] { stack.deallocate(below, 16, 8); }) ==
        "out-of-order free in stack 'scratch': block at offset 0 (16 bytes) is not the top block; top is at offset 16");
  CHECK(stack.stats().deallocations == 0);
  stack.deallocate(empty, 0, 8);
  stack.deallocate(below, 16, 8);
  CHECK(stack.stats().deallocations == 2);
  CHECK(stack.bytes_used() == 0);
}
#endif

TEST_CASE("a non-strict stack ignores frees that are not on top until the next rewind") {
  fm::StackAllocator stack{{.capacity = 1024, .strict_lifo = false}};
  const auto m = stack.mark();
  void* a = stack.allocate(16, 8);
  (void)stack.allocate(16, 8);
  stack.deallocate(a, 16, 8);
  CHECK(stack.bytes_used() == 32);
  stack.rewind(m);
  CHECK(stack.bytes_used() == 0);
}

TEST_CASE("randomized stack matches a LIFO model with markers") {
  const unsigned seed = 777;
  CAPTURE(seed);
  std::mt19937 rng(seed);
  constexpr std::size_t capacity = 32 * 1024;
  fm::StackAllocator stack{{.capacity = capacity, .name = "model"}};
  auto* base = static_cast<std::byte*>(stack.allocate(0, 1));  // the buffer start, 64-byte aligned
  struct Block {
    std::size_t start;
    std::size_t size;
    std::size_t top_before;
  };
  struct Saved {
    fm::StackAllocator::Marker marker;
    std::size_t top;
    std::size_t blocks;
  };
  std::vector<Block> blocks;
  std::vector<Saved> markers;  // markers the model knows to be valid, oldest first
  std::size_t top = 0;
  std::size_t high = 0;
  for (int op = 0; op < 20000; ++op) {
    CAPTURE(op);
    const unsigned roll = rng() % 100;
    if (roll < 50) {
      const std::size_t size = rng() % 300;
      const std::size_t align = std::size_t{1} << (rng() % 7);
      const std::size_t start = fm::align_up(top, align);
      void* p = stack.try_allocate(size, align);
      if (start + size > capacity) {
        CHECK(p == nullptr);
        continue;
      }
      REQUIRE(p == base + start);
      blocks.push_back({start, size, top});
      top = start + size;
    } else if (roll < 75 && !blocks.empty()) {
      stack.deallocate(base + blocks.back().start, blocks.back().size, 1);
      top = blocks.back().top_before;
      blocks.pop_back();
      while (!markers.empty() && (markers.back().top > top || markers.back().blocks > blocks.size())) markers.pop_back();
    } else if (roll < 90) {
      markers.push_back({stack.mark(), top, blocks.size()});
    } else if (!markers.empty()) {
      const std::size_t k = rng() % markers.size();
      stack.rewind(markers[k].marker);
      top = markers[k].top;
      blocks.resize(markers[k].blocks);
      markers.resize(k + 1);
    }
    high = std::max(high, top);
    CHECK(stack.bytes_used() == top);
    CHECK(stack.high_water() == high);
  }
}

}  // namespace

// Moving: a stack is returned from a factory and kept in a growing std::vector like any value.
static_assert(std::is_nothrow_move_constructible_v<fm::StackAllocator> &&
              std::is_nothrow_move_assignable_v<fm::StackAllocator>);
static_assert(!std::is_copy_constructible_v<fm::StackAllocator> && !std::is_copy_assignable_v<fm::StackAllocator>);

// A 1 KiB stack holding `blocks` blocks of 16 bytes, block k filled with fill + k; returned by value.
fm::StackAllocator stack_with(std::string_view name, int fill, int blocks, std::vector<void*>& out,
                              fm::AllocatorRef parent = {}) {
  fm::StackAllocator stack{{.capacity = 1024, .name = name, .parent = parent}};
  for (int k = 0; k < blocks; ++k) {
    void* p = stack.allocate(16, 8);
    std::memset(p, fill + k, 16);
    out.push_back(p);
  }
  return stack;
}

bool filled_with(const void* p, int fill) {
  const auto* bytes = static_cast<const unsigned char*>(p);
  return std::all_of(bytes, bytes + 16, [&](unsigned char b) { return b == static_cast<unsigned char>(fill); });
}

TEST_CASE("stacks in a reallocating vector keep their blocks, LIFO checks and stats") {
  std::vector<fm::StackAllocator> stacks;
  std::vector<std::vector<void*>> blocks(30);
  for (int i = 0; i < 30; ++i) stacks.push_back(stack_with("stack " + std::to_string(i), i, 1 + i % 5, blocks[i]));
  for (int i = 0; i < 30; ++i) {
    fm::StackAllocator& stack = stacks[i];
    CAPTURE(i);
    CHECK(stack.name() == "stack " + std::to_string(i));
    CHECK(stack.bytes_used() == 16 * blocks[i].size());
    for (std::size_t k = 0; k < blocks[i].size(); ++k) {
      CHECK(stack.owns(blocks[i][k]));
      CHECK(filled_with(blocks[i][k], i + static_cast<int>(k)));
    }
    CHECK_FALSE(stack.owns(blocks[(i + 1) % 30].front()));
#if FM_CHECKED
    if (blocks[i].size() > 1) CHECK_THROWS_AS(stack.deallocate(blocks[i].front(), 16, 8), fm::bad_free);
#endif
    const auto m = stack.mark();
    void* top = stack.allocate(32, 8);
    CHECK(top == static_cast<char*>(blocks[i].back()) + 16);
    stack.rewind(m);
    for (auto k = blocks[i].size(); k-- > 0;) stack.deallocate(blocks[i][k], 16, 8);
    CHECK(stack.bytes_used() == 0);
    CHECK(stack.stats().deallocations == blocks[i].size() + 1);
  }
}

TEST_CASE("a marker taken before a move is refused by the moved stack as another stack's") {
  std::vector<void*> blocks;
  fm::StackAllocator before = stack_with("before", 1, 2, blocks);
  const auto m = before.mark();
  fm::StackAllocator after = std::move(before);
  CHECK_FALSE(after.try_rewind(m));
  CHECK(after.bytes_used() == 32);
#if FM_CHECKED
  CHECK(message_of<fm::bad_free>([&] { after.rewind(m); }).find("it was taken on another stack") != std::string::npos);
#endif
  CHECK(after.try_rewind(fm::StackAllocator::Marker{}) == false);
  after.rewind(after.mark());
  CHECK(after.bytes_used() == 32);
}

TEST_CASE("move-assigning over a stack gives its buffer back first; self-move changes nothing") {
  fm::NewAllocator heap;
  std::vector<void*> a_blocks;
  std::vector<void*> b_blocks;
  fm::StackAllocator a = stack_with("a", 1, 3, a_blocks, heap);
  fm::StackAllocator b = stack_with("b", 50, 2, b_blocks, heap);
  a = std::move(b);
  CHECK(heap.stats().bytes_used == 1024);  // one buffer left: b's, now a's
  CHECK(a.name() == "b");
  CHECK(a.bytes_used() == 32);
  fm::StackAllocator& same = a;
  a = std::move(same);
  CHECK(a.bytes_used() == 32);
  CHECK(filled_with(b_blocks[1], 51));
  a.deallocate(b_blocks[1], 16, 8);
  CHECK(a.bytes_used() == 16);
}

TEST_CASE("a moved-from stack is empty, can be destroyed, and works again once assigned") {
  fm::NewAllocator heap;
  std::vector<void*> blocks;
  auto source = std::make_unique<fm::StackAllocator>(stack_with("source", 9, 4, blocks, heap));
  fm::StackAllocator target = std::move(*source);
  CHECK(source->capacity() == 0);
  CHECK(source->bytes_used() == 0);
  CHECK(source->try_allocate(1, 1) == nullptr);
  source->reset();
  *source = fm::StackAllocator{{.capacity = 256, .name = "again", .parent = heap}};
  void* p = source->allocate(64, 8);
  CHECK(source->owns(p));
  CHECK_FALSE(target.owns(p));
  source.reset();
  CHECK(heap.stats().bytes_used == 1024);
  CHECK(filled_with(blocks[3], 12));
  target.reset();
  CHECK(target.bytes_used() == 0);
}

#if FM_HAS_ASAN
#include <sanitizer/asan_interface.h>

namespace {

TEST_CASE("freed and rewound stack memory is poisoned for AddressSanitizer") {
  fm::StackAllocator stack{{.capacity = 1024}};
  auto* a = static_cast<char*>(stack.allocate(32, 8));
  const auto m = stack.mark();
  auto* b = static_cast<char*>(stack.allocate(32, 8));
  CHECK_FALSE(__asan_address_is_poisoned(b));
  CHECK(__asan_address_is_poisoned(b + 32));
  stack.rewind(m);
  CHECK(__asan_address_is_poisoned(b));
  stack.deallocate(a, 32, 8);
  CHECK(__asan_address_is_poisoned(a));
}

}  // namespace
#endif
