// fm::Recording<A> records what the allocator below did, under its system name, and nothing it refused.
#include <doctest/doctest.h>

#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/trace/recording.hpp"
#include "trace/support.hpp"

namespace {

using fm::model::ScratchFile;
using fm::trace::Op;

static_assert(fm::Allocator<fm::Recording<fm::NewAllocator>>);
static_assert(fm::FreeCheckingAllocator<fm::Recording<fm::Pool>>);

std::uint64_t id(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

TEST_CASE("recording a system records its allocations, frees and frames with sizes and alignments") {
  const ScratchFile file("recording_basic");
  void* kept = nullptr;
  void* a = nullptr;
  {
    fm::trace::Writer w(file.path());
    fm::Recording<fm::NewAllocator> particles(w, "particles");
    particles.begin_frame(7);
    a = particles.allocate(48, 16);
    kept = particles.allocate(100, 64);
    particles.deallocate(a, 48, 16);
    particles.end_frame(7);
    w.close();
    const fm::trace::Trace t = fm::trace::read(file.path());
    CHECK(t.systems == std::vector<std::string>{"particles"});
    REQUIRE(t.events.size() == 5);
    CHECK(t.events[0].op == Op::frame_begin);
    CHECK(t.events[0].frame == 7);
    CHECK(t.events[1].op == Op::allocate);
    CHECK(t.events[1].id == id(a));
    CHECK(t.events[1].size == 48);
    CHECK(t.events[1].align == 16);
    CHECK(t.events[2].id == id(kept));
    CHECK(t.events[2].align == 64);
    CHECK(t.events[3].op == Op::free);
    CHECK(t.events[3].id == id(a));
    CHECK(t.events[4].op == Op::frame_end);
    CHECK(t.events[4].time >= t.events[0].time);
    CHECK(t.blocks[1].ended_by == fm::trace::no_block);
    particles.inner().deallocate(kept, 100, 64);  // after close(): past the recording
  }
}

TEST_CASE("a free the allocator below rejects is not recorded") {
  const ScratchFile file("recording_rejected");
  fm::trace::Writer w(file.path());
  fm::Recording<fm::Pool> bullets(w, "bullets", 32, 16);
  void* p = bullets.allocate(32, 16);
  bullets.deallocate(p, 32, 16);
  CHECK_THROWS_AS(bullets.deallocate(p, 32, 16), fm::bad_free);
  w.close();
  const fm::trace::Trace t = fm::trace::read(file.path());  // a double free in the trace would be rejected
  CHECK(t.events.size() == 2);
}

TEST_CASE("resetting a recorded arena ends every live block of its system") {
  const ScratchFile file("recording_reset");
  fm::trace::Writer w(file.path());
  fm::Recording<fm::LinearArena> scratch(w, "scratch");
  fm::Recording<fm::NewAllocator> other(w, "other");
  void* kept = other.allocate(8, 8);
  for (int i = 0; i < 3; ++i) (void)scratch.allocate(24, 8);
  scratch.reset();
  other.deallocate(kept, 8, 8);
  w.close();
  const fm::trace::Trace t = fm::trace::read(file.path());
  REQUIRE(t.events.size() == 6);
  CHECK(t.events[4].op == Op::reset);
  CHECK(t.ends(4).size() == 3);
  for (const auto b : t.ends(4)) CHECK(t.systems[t.blocks[b].system] == "scratch");
}

TEST_CASE("rewinding a recorded stack ends exactly the blocks above the marker") {
  const ScratchFile file("recording_rewind");
  fm::trace::Writer w(file.path());
  fm::Recording<fm::StackAllocator> stack(w, "stack", fm::StackAllocatorOptions{.capacity = 4096});
  void* below = stack.allocate(16, 8);
  const auto marker = stack.mark();
  void* above[3];
  for (auto& p : above) p = stack.allocate(32, 8);
  stack.rewind(marker);
  stack.deallocate(below, 16, 8);
  w.close();
  const fm::trace::Trace t = fm::trace::read(file.path());
  REQUIRE(t.events.size() == 6);
  CHECK(t.events[4].op == Op::rewind);
  CHECK(t.events[4].count == 3);
  REQUIRE(t.ends(4).size() == 3);
  for (const auto b : t.ends(4)) CHECK(t.blocks[b].size == 32);
  CHECK(t.events[5].op == Op::free);
  CHECK(t.events[5].id == id(below));
}

TEST_CASE("an out-of-order free on a lenient stack ends its block at the rewind that reclaims it") {
  const ScratchFile file("recording_lenient_rewind");
  fm::trace::Writer w(file.path());
  fm::Recording<fm::StackAllocator> stack(w, "stack", fm::StackAllocatorOptions{.capacity = 4096, .strict_lifo = false});
  const auto marker = stack.mark();
  void* first = stack.allocate(16, 8);
  (void)stack.allocate(24, 8);
  stack.deallocate(first, 16, 8);  // not the top: the stack keeps it until the rewind
  stack.rewind(marker);
  w.close();
  const fm::trace::Trace t = fm::trace::read(file.path());
  REQUIRE(t.events.size() == 3);
  CHECK(t.events[2].op == Op::rewind);
  CHECK(t.events[2].count == 2);
  CHECK(t.ends(2).size() == 2);
}

}  // namespace
