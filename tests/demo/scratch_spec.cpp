// Specification of the demo's per-frame scratch memory: a request no allocator can satisfy -- a byte count
// that overflows, or that would wrap when rounded up to the alignment -- throws instead of handing out a
// block smaller than asked for, and a refused request leaves the frame's counters as they were.
#include "scratch.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <new>
#include <string>

#include "fm/alloc/frame_arena.hpp"
#include "fm/core/error.hpp"

TEST_CASE("malloc scratch throws bad_alloc for a huge over-aligned request instead of wrapping its size") {
  fm::FrameArena arena;
  demo::Scratch scratch(demo::ScratchMode::malloc, arena);
  CHECK_THROWS_AS((void)scratch.allocate(SIZE_MAX - 8, 64), std::bad_alloc);
  CHECK_THROWS_AS((void)scratch.allocate(SIZE_MAX, 4096), std::bad_alloc);
  CHECK(scratch.mallocs_this_frame() == 0);
  CHECK(scratch.malloc_bytes_this_frame() == 0);
}

TEST_CASE("malloc scratch rejects an alignment that is not a power of two, naming it") {
  fm::FrameArena arena;
  demo::Scratch scratch(demo::ScratchMode::malloc, arena);
  std::string message;
  try {
    (void)scratch.allocate(64, 48);
  } catch (const fm::bad_alignment& e) {
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find("scratch") != std::string::npos);
  CHECK(message.find("48") != std::string::npos);
  CHECK(scratch.mallocs_this_frame() == 0);
}

TEST_CASE("scratch arrays whose byte count overflows throw bad_alloc in both modes") {
  fm::FrameArena arena;
  for (const auto mode : {demo::ScratchMode::malloc, demo::ScratchMode::frame_arena}) {
    CAPTURE(static_cast<int>(mode));
    demo::Scratch scratch(mode, arena);
    // n * 8 wraps around to 8 bytes: a block far smaller than n doubles.
    CHECK_THROWS_AS((void)scratch.allocate_array<double>(SIZE_MAX / sizeof(double) + 2), std::bad_alloc);
    CHECK(scratch.mallocs_this_frame() == 0);
  }
}

TEST_CASE("malloc scratch hands out aligned blocks and counts them until the frame ends") {
  fm::FrameArena arena;
  demo::Scratch scratch(demo::ScratchMode::malloc, arena);
  auto* a = static_cast<unsigned char*>(scratch.allocate(100, 8));
  auto* b = static_cast<unsigned char*>(scratch.allocate(100, 256));
  CHECK(reinterpret_cast<std::uintptr_t>(b) % 256 == 0);
  a[99] = 1;
  b[99] = 2;
  CHECK(scratch.mallocs_this_frame() == 2);
  CHECK(scratch.malloc_bytes_this_frame() == 200);
  scratch.end_frame();
  CHECK(scratch.mallocs_this_frame() == 0);
}
