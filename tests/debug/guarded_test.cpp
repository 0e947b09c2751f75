// Specification of fm/debug/guarded.hpp and fm/debug/filled.hpp: guard bytes, fill patterns, composition.
#include "fm/debug/guarded.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <string>

#include "debug/child_process.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/debug/filled.hpp"
#include "fm/debug/tracking.hpp"
#include "support/error_message.hpp"

namespace {

std::string guard_message(auto&& call) { return fm::test::message_of<fm::guard_overwritten>(call); }

}  // namespace

TEST_CASE("guarded blocks keep the requested alignment and are surrounded by guard bytes") {
  fm::Guarded<fm::NewAllocator> heap;
  for (std::size_t align = 1; align <= 4096; align *= 2) {
    auto* p = static_cast<unsigned char*>(heap.allocate(40, align));
    CHECK(fm::is_aligned(p, align));
    for (std::size_t i = 1; i <= heap.guard_bytes; ++i) CHECK(p[-static_cast<std::ptrdiff_t>(i)] == fm::fill::guard);
    for (std::size_t i = 0; i < heap.guard_bytes; ++i) CHECK(p[40 + i] == fm::fill::guard);
    std::memset(p, 0x11, 40);  // the whole block is the user's
    heap.verify();
    heap.deallocate(p, 40, align);
  }
  CHECK(heap.live_blocks() == 0);
  CHECK(heap.inner().stats().bytes_used == 0);
}

TEST_CASE("an overrun after the end is reported on free with block, side and offset, and the block stays live") {
  fm::Guarded<fm::NewAllocator> heap;
  void* first = heap.allocate(8);
  auto* p = static_cast<unsigned char*>(heap.allocate(24));
  p[24] = 0x41;
  const std::string msg = guard_message([&] { heap.deallocate(p, 24); });
  CHECK(msg == "guard overwritten in 'new': block #2 (24 bytes at " + fm::debug::describe_address(p) +
                   ") overrun after its end at offset 24: found 0x41, expected 0xFD");
  CHECK(heap.live_blocks() == 2);
  p[24] = fm::fill::guard;
  heap.deallocate(p, 24);
  heap.deallocate(first, 8);
}

TEST_CASE("an underrun before the start is found by verify() and try_verify() names the side") {
  fm::Guarded<fm::NewAllocator> heap;
  auto* p = static_cast<unsigned char*>(heap.allocate(16));
  CHECK_FALSE(heap.try_verify().has_value());
  p[-3] = 0x00;
  const auto v = heap.try_verify();
  REQUIRE(v.has_value());
  CHECK(v->side == fm::GuardViolation::Side::before);
  CHECK(v->offset == -3);
  CHECK(v->found == 0x00);
  CHECK(v->block == p);
  CHECK(v->serial == 1);
  const std::string msg = guard_message([&] { heap.verify(); });
  CHECK(msg.ends_with(") underrun before its start at offset -3: found 0x00, expected 0xFD"));
  p[-3] = fm::fill::guard;
  heap.deallocate(p, 16);
}

TEST_CASE("a guarded free with the wrong size is rejected before anything is freed") {
  fm::Guarded<fm::NewAllocator> heap;
  void* p = heap.allocate(32);
  CHECK_THROWS_AS(heap.deallocate(p, 16), fm::bad_free);
  CHECK(heap.live_blocks() == 1);
  heap.deallocate(p, 32);
}

// Hands out one buffer and never reuses it, so the test can look at a block after it was freed.
struct KeepingAllocator {
  alignas(64) unsigned char buffer[256]{};
  void* allocate(std::size_t, std::size_t) { return buffer; }
  void deallocate(void*, std::size_t, std::size_t) noexcept {}
};

TEST_CASE("fill patterns mark fresh blocks 0xCD and freed blocks 0xDD") {
  fm::Filled<KeepingAllocator> filled;
  auto* p = static_cast<unsigned char*>(filled.allocate(32));
  for (int i = 0; i < 32; ++i) CHECK(p[i] == 0xCD);
  CHECK(p[32] == 0);
  std::memset(p, 0x22, 32);
  filled.deallocate(p, 32);
  for (int i = 0; i < 32; ++i) CHECK(filled.inner().buffer[i] == 0xDD);
  CHECK(filled.inner().buffer[32] == 0);
}

TEST_CASE("decorators compose: tracking over guarded over filled reports every misuse") {
  fm::Tracking<fm::Guarded<fm::Filled<fm::NewAllocator>>> heap;
  auto* p = static_cast<unsigned char*>(heap.allocate(20, 4));
  CHECK(p[0] == fm::fill::allocated);
  CHECK(p[19] == fm::fill::allocated);
  p[20] = 'x';
  CHECK_THROWS_AS(heap.deallocate(p, 20, 4), fm::guard_overwritten);
  CHECK(heap.live_allocations() == 1);
  CHECK(p[0] == fm::fill::allocated);  // a rejected free changes nothing
  p[20] = fm::fill::guard;
  heap.deallocate(p, 20, 4);
  CHECK_THROWS_WITH_AS(heap.deallocate(p, 20, 4), doctest::Contains("double free in 'new'"), fm::bad_free);
  CHECK(heap.inner().live_blocks() == 0);
}

TEST_CASE("a fill layer over a pool leaves a foreign block unpainted and lets the pool reject it") {
  fm::Filled<fm::Pool> pool(32, 8, fm::PoolOptions{.name = "filled"});
  alignas(8) unsigned char foreign[32] = {};
  CHECK_THROWS_AS(pool.deallocate(foreign, 32, 8), fm::bad_free);
  for (const unsigned char b : foreign) CHECK(b == 0);
  auto* p = static_cast<unsigned char*>(pool.allocate(32, 8));
  CHECK(p[31] == fm::fill::allocated);
  pool.deallocate(p, 32, 8);
}

TEST_CASE("a guard layer over a pool rejects a foreign pointer before reading any header") {
  fm::Guarded<fm::Pool> pool(fm::Guarded<fm::Pool>::inner_size(24, 8), 8, fm::PoolOptions{.name = "guarded"});
  alignas(8) unsigned char foreign[64] = {};
  CHECK_THROWS_WITH_AS(pool.deallocate(foreign + 32, 24, 8),
                       ("foreign pointer in 'guarded': " + fm::debug::describe_address(foreign + 32) +
                        " was not allocated by this allocator")
                           .c_str(),
                       fm::bad_free);
  void* p = pool.allocate(24, 8);
  CHECK(pool.live_blocks() == 1);
  pool.deallocate(p, 24, 8);
  CHECK(pool.live_blocks() == 0);
}

TEST_CASE("a fill layer over a pool rejects a double free before painting, and the pool keeps working") {
  fm::Pool pool(32, 8, fm::PoolOptions{.name = "filled"});
  fm::Filled<fm::Pool&> filled(pool);
  void* kept = filled.allocate(32, 8);
  void* freed = filled.allocate(32, 8);
  filled.deallocate(freed, 32, 8);
  CHECK_THROWS_WITH_AS(filled.deallocate(freed, 32, 8), doctest::Contains("double free in pool 'filled'"),
                       fm::bad_free);
  CHECK(pool.live_blocks() == 1);
  // The free-list link inside the freed block must have survived: the next two allocations walk it (in a
  // child, because a painted link is dereferenced there).
  const int status = fm::test::run_in_child([&] {
    void* again = filled.allocate(32, 8);
    void* next = filled.allocate(32, 8);
    return again == freed && next != kept && pool.is_live(next) ? 0 : 1;
  });
  CHECK(status == 0);
  filled.deallocate(kept, 32, 8);
}

TEST_CASE("a guarded double free over the global heap is rejected without touching the freed block") {
  // In a child: the unchecked code unlinks a header that lies in freed memory.
  const int status = fm::test::run_in_child([] {
    fm::Guarded<fm::NewAllocator> heap;
    void* kept = heap.allocate(24);
    void* p = heap.allocate(24);
    heap.deallocate(p, 24);
    try {
      heap.deallocate(p, 24);
      return 1;
    } catch (const fm::bad_free&) {
    }
    if (heap.live_blocks() != 1 || heap.inner().stats().deallocations != 1) return 2;
    heap.verify();
    heap.deallocate(kept, 24);
    return heap.live_blocks() == 0 ? 0 : 3;
  });
  CHECK(status == 0);
}

TEST_CASE("a guarded double free over a pool is rejected and every live count stays") {
  using Guarded = fm::Guarded<fm::Pool&>;
  fm::Pool pool(Guarded::inner_size(24, 8), 8, fm::PoolOptions{.name = "guarded"});
  Guarded guarded(pool);
  void* kept = guarded.allocate(24, 8);
  void* p = guarded.allocate(24, 8);
  guarded.deallocate(p, 24, 8);
  CHECK_THROWS_AS(guarded.deallocate(p, 24, 8), fm::bad_free);
  CHECK(guarded.live_blocks() == 1);
  CHECK(pool.live_blocks() == 1);
  CHECK_NOTHROW(guarded.verify());
  // A live block freed too large for a pool block: the pool refuses it, and the message has the user's sizes.
  const std::string mismatch = "size mismatch in 'guarded': block #1 at " + fm::debug::describe_address(kept) +
                               " freed as 200 bytes aligned to 8, allocated as 24 bytes aligned to 8";
  CHECK_THROWS_WITH_AS(guarded.deallocate(kept, 200, 8), mismatch.c_str(), fm::bad_free);
  CHECK(guarded.live_blocks() == 1);
  guarded.deallocate(kept, 24, 8);
  CHECK(guarded.live_blocks() == 0);
  CHECK(pool.live_blocks() == 0);
}

TEST_CASE("a guard layer over a pool frees a larger block that the pool's parent served") {
  using Guarded = fm::Guarded<fm::Pool&>;
  fm::Pool pool(Guarded::inner_size(24, 8), 8, fm::PoolOptions{.name = "guarded"});
  Guarded guarded(pool);
  void* three = guarded.allocate(3 * 24, 8);  // like std::vector's n > 1: too big for one block
  CHECK(pool.live_blocks() == 0);
  CHECK(pool.stats().bytes_used == Guarded::inner_size(3 * 24, 8));
  CHECK_NOTHROW(guarded.deallocate(three, 3 * 24, 8));
  CHECK(guarded.live_blocks() == 0);
  CHECK(pool.stats().bytes_used == 0);
}

TEST_CASE("a guarded request whose size overflows with the guard bytes fails instead of returning a small block") {
  fm::Guarded<fm::NewAllocator> heap;
  const std::size_t huge = std::numeric_limits<std::size_t>::max() - 8;
  CHECK(heap.try_allocate(huge) == nullptr);
  const std::string asked = "out of memory in 'new': requested " + std::to_string(huge) + " bytes aligned to 16";
  CHECK_THROWS_WITH_AS((void)heap.allocate(huge, 16), doctest::Contains(asked.c_str()), fm::out_of_memory);
  CHECK(fm::Guarded<fm::NewAllocator>::inner_size(huge, 16) == std::numeric_limits<std::size_t>::max());
  CHECK(heap.inner().stats().allocations == 0);
  CHECK(heap.live_blocks() == 0);
}

TEST_CASE("a guarded free that the allocator below refuses leaves the block live and checked") {
  fm::StackAllocator stack(fm::StackAllocatorOptions{.capacity = 4096, .name = "strict"});
  fm::Guarded<fm::StackAllocator&> guarded(stack);
  void* below = guarded.allocate(16, 8);
  void* top = guarded.allocate(16, 8);
  CHECK_THROWS_AS(guarded.deallocate(below, 16, 8), fm::bad_free);  // out of order on a strict stack
  CHECK(guarded.live_blocks() == 2);
  static_cast<unsigned char*>(below)[16] = 0;  // still guarded: verify() must see this overrun
  CHECK_THROWS_AS(guarded.verify(), fm::guard_overwritten);
  static_cast<unsigned char*>(below)[16] = fm::fill::guard;
  guarded.deallocate(top, 16, 8);
  guarded.deallocate(below, 16, 8);
  CHECK(guarded.live_blocks() == 0);
  CHECK(stack.bytes_used() == 0);
}
