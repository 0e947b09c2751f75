// Specification of fm/alloc/frame_arena.hpp (single thread; see frame_arena_threads_test.cpp for threads).
#include "fm/alloc/frame_arena.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support.hpp"

namespace {

using fm::test::message_of;

TEST_CASE("memory from frame F stays intact through F+N-1 and is recycled at F+N") {
  for (std::size_t buffers : {1u, 2u, 3u}) {
    CAPTURE(buffers);
    fm::FrameArena frame{{.capacity = 4096, .buffers = buffers}};
    auto* first = static_cast<char*>(frame.allocate(64, 8));
    std::memset(first, 'x', 64);
    for (std::size_t f = 1; f < buffers; ++f) {
      frame.next_frame();
      auto* other = static_cast<char*>(frame.allocate(64, 8));
      std::memset(other, 'y', 64);
      CHECK(std::string(first, 64) == std::string(64, 'x'));
    }
    frame.next_frame();
    CHECK(frame.frame() == buffers);
    CHECK(frame.allocate(64, 8) == first);  // the buffer of frame 0 came back
  }
}

TEST_CASE("frame arena serves every power-of-two alignment up to 4096 for sizes up to 4 pages") {
  fm::FrameArena frame{{.capacity = 16 * 1024}};
  fm::test::check_alignment_sweep(frame, [&] { frame.next_frame(); });
}

TEST_CASE("objects made in a frame are destroyed newest first when their buffer is recycled") {
  std::vector<int> order;
  struct Noisy {
    std::vector<int>* log;
    int id;
    ~Noisy() { log->push_back(id); }
  };
  fm::FrameArena frame{{.capacity = 4096}};
  (void)frame.make<Noisy>(&order, 1);
  (void)frame.make<Noisy>(&order, 2);
  frame.next_frame();
  CHECK(order.empty());  // still valid during the next frame
  (void)frame.make<Noisy>(&order, 3);
  frame.next_frame();
  CHECK(order == std::vector<int>{2, 1});
  frame.next_frame();
  CHECK(order == std::vector<int>{2, 1, 3});
}

TEST_CASE("the destructor of a frame arena destroys what is still alive") {
  int destroyed = 0;
  struct Counted {
    int* count;
    ~Counted() { ++*count; }
  };
  {
    fm::FrameArena frame{{.capacity = 4096}};
    (void)frame.make<Counted>(&destroyed);
    frame.next_frame();
    (void)frame.make<Counted>(&destroyed);
  }
  CHECK(destroyed == 2);
}

TEST_CASE("pmr containers allocate from the calling thread's current buffer") {
  fm::FrameArena frame{{.capacity = 64 * 1024, .overflow = fm::OverflowPolicy::fail}};
  std::pmr::vector<int> v{&frame.resource()};
  for (int i = 0; i < 1000; ++i) v.push_back(i);
  CHECK(frame.owns(v.data()));
  CHECK(v[999] == 999);
  std::pmr::string s{"a string long enough to leave the small buffer", &frame.resource()};
  CHECK(frame.owns(s.data()));
  CHECK(frame.resource().is_equal(frame.resource()));
  fm::FrameArena other;
  CHECK_FALSE(frame.resource().is_equal(other.resource()));
}

TEST_CASE("a frame arena with policy fail throws out_of_memory naming itself") {
  fm::FrameArena frame{{.capacity = 1024, .overflow = fm::OverflowPolicy::fail, .name = "render-scratch"}};
  (void)frame.allocate(1000, 8);
  CHECK(message_of<fm::out_of_memory>([&] { (void)frame.allocate(100, 16); }) ==
        "out of memory in 'render-scratch': requested 100 bytes aligned to 16, capacity 1024 bytes "
        "(arena full, overflow policy is fail)");
  CHECK(frame.try_allocate(100, 16) == nullptr);
  CHECK(frame.try_make<std::array<double, 8>>() == nullptr);
  CHECK(frame.arena_stats().bytes_used == 1000);
  frame.next_frame();
  CHECK(frame.try_allocate(100, 16) != nullptr);  // the other buffer is empty
}

TEST_CASE("a frame arena with policy grow counts overflows but allocates nothing per frame in steady state") {
  fm::NewAllocator parent;
  fm::FrameArena frame{{.capacity = 1024, .overflow = fm::OverflowPolicy::grow, .parent = parent}};
  std::uint64_t parent_allocations_after_warmup = 0;
  for (int f = 0; f < 10; ++f) {
    CAPTURE(f);
    for (int i = 0; i < 5; ++i) (void)frame.allocate(504, 8);
    if (f == 1) parent_allocations_after_warmup = parent.stats().allocations;
    frame.next_frame();
  }
  CHECK(parent.stats().allocations == parent_allocations_after_warmup);
  CHECK(frame.arena_stats().overflow_events == 10 * 2);  // 5 x 504 bytes need 3 chunks of 1024 each frame
  CHECK(frame.arena_stats().high_water == 5 * 504);
}

TEST_CASE("frame arena stats describe the frame being built") {
  fm::FrameArena frame{{.capacity = 4096}};
  (void)frame.allocate(100, 1);
  (void)frame.allocate(10, 64);
  fm::ArenaStats s = frame.arena_stats();
  CHECK(s.bytes_used == 138);
  CHECK(s.padding == 28);
  CHECK(s.capacity == 4096);
  frame.next_frame();
  (void)frame.allocate(50, 1);
  s = frame.arena_stats();
  CHECK(s.bytes_used == 50);
  CHECK(s.high_water == 138);
  CHECK(frame.stats().bytes_used == 188);  // both live buffers
  CHECK(frame.stats().bytes_reserved == 2 * 4096);
  CHECK(frame.stats().allocations == 3);
  CHECK(frame.thread_count() == 1);
}

TEST_CASE("a frame arena needs at least one buffer") {
  CHECK(message_of<std::invalid_argument>([] { fm::FrameArena bad{{.buffers = 0, .name = "frame"}}; }) ==
        "frame arena 'frame': needs at least one buffer, got 0");
}

TEST_CASE("a frame arena rejects bad alignments with its name") {
  fm::FrameArena frame{{.name = "frame"}};
  CHECK(message_of<fm::bad_alignment>([&] { (void)frame.allocate(8, 48); }) ==
        "bad alignment in 'frame': 48 is not a power of two between 1 and 4096");
}

}  // namespace

#if FM_HAS_ASAN
#include <sanitizer/asan_interface.h>

namespace {

TEST_CASE("a recycled frame buffer is poisoned for AddressSanitizer until reused") {
  fm::FrameArena frame{{.capacity = 4096}};
  auto* p = static_cast<char*>(frame.allocate(64, 64));
  frame.next_frame();
  CHECK_FALSE(__asan_address_is_poisoned(p));  // still valid during the next frame
  frame.next_frame();
  CHECK(__asan_address_is_poisoned(p));
}

}  // namespace
#endif

namespace {

TEST_CASE("a thread alternating between many frame arenas takes each arena's lock only on first use") {
  // Sixteen arenas: more than any small per-thread cache of lookups, so their ids collide in it.
  std::vector<std::unique_ptr<fm::FrameArena>> arenas;
  for (int i = 0; i < 16; ++i) arenas.push_back(std::make_unique<fm::FrameArena>(fm::FrameArenaOptions{.capacity = 64 * 1024}));
  for (int round = 0; round < 100; ++round) {
    for (auto& arena : arenas) (void)arena->allocate(16, 8);
  }
  for (auto& arena : arenas) {
    CHECK(arena->locked_lookups() == 1);
    CHECK(arena->stats().allocations == 100);
  }
}

TEST_CASE("a thread's cached buffer never serves another arena, a later frame or an arena built in a dead one's place") {
  std::optional<fm::FrameArena> slot;
  slot.emplace(fm::FrameArenaOptions{.capacity = 4096, .buffers = 2});
  fm::FrameArena other{{.capacity = 4096}};
  CHECK(slot->owns(slot->allocate(64, 8)));
  CHECK(other.owns(other.allocate(64, 8)));  // the thread's cache now holds `other`
  (void)slot->allocate(64, 8);  // the cache holds `slot` again
  slot->next_frame();           // the next allocation must come from the frame's other buffer
  (void)slot->allocate(64, 8);
  CHECK(slot->arena_stats().bytes_used == 64);
  // A new arena at the address of a destroyed one, used right after it: its own buffer, its own counts.
  (void)slot->allocate(64, 8);
  slot.reset();
  slot.emplace(fm::FrameArenaOptions{.capacity = 4096});
  void* fresh = slot->allocate(32, 8);
  CHECK(slot->owns(fresh));
  CHECK(slot->stats().allocations == 1);
  CHECK(slot->arena_stats().bytes_used == 32);
}

}  // namespace

namespace {

TEST_CASE("a frame arena's check_free accepts what its deallocate accepts, and it aligns up to 4096") {
  fm::FrameArena frame{{.capacity = 4096}};
  void* p = frame.allocate(32, 16);
  int elsewhere = 0;
  CHECK_NOTHROW(fm::check_free(frame, p, 32, 16));
  CHECK_NOTHROW(fm::check_free(frame, &elsewhere, sizeof elsewhere, alignof(int)));  // deallocate ignores it too
  CHECK(fm::max_alignment_of(frame) == 4096);
  CHECK(fm::AllocatorRef(frame).max_alignment() == 4096);
  CHECK(frame.allocate(1, 4096) != nullptr);
  CHECK_THROWS_AS((void)frame.allocate(1, 8192), fm::bad_alignment);
}

}  // namespace
