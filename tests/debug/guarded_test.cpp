// Specification of fm/debug/guarded.hpp and fm/debug/filled.hpp: guard bytes, fill patterns, composition.
#include "fm/debug/guarded.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "fm/alloc/pool.hpp"
#include "fm/debug/filled.hpp"
#include "fm/debug/tracking.hpp"

namespace {

std::string guard_message(auto&& call) {
  try {
    call();
  } catch (const fm::guard_overwritten& e) {
    return e.what();
  }
  return "no fm::guard_overwritten thrown";
}

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
