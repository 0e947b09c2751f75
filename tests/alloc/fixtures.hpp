// One fixture per framemem allocator, so the adapter suites run the same containers over every one of them.
// `gives_back` says whether freed memory returns to the allocator (pools) or only at reset (arenas, stack).
#pragma once

#include "fm/alloc/frame_arena.hpp"
#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"

namespace fm::test {

struct LinearFixture {
  static constexpr bool gives_back = false;
  LinearArena allocator{{.capacity = 16 * 1024, .overflow = OverflowPolicy::grow, .name = "linear"}};
};

struct FrameFixture {
  static constexpr bool gives_back = false;
  FrameArena allocator{{.capacity = 16 * 1024, .name = "frame"}};
};

// Containers free in their own order, so the stack runs non-strict (frees below the top wait for a rewind).
struct StackFixture {
  static constexpr bool gives_back = false;
  StackAllocator allocator{{.capacity = 1024 * 1024, .name = "stack", .strict_lifo = false}};
};

// Node-sized requests come from blocks, larger ones (vector growth, hash buckets) from the parent.
struct PoolFixture {
  static constexpr bool gives_back = true;
  Pool allocator{64, 16, {.name = "pool"}};
};

}  // namespace fm::test
