// Specification of fm/core/allocator.hpp and fm/core/error.hpp.
#include "fm/core/allocator.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("AllocatorRef forwards to the allocator it refers to") {
  fm::NewAllocator heap;
  fm::AllocatorRef ref = heap;
  void* p = ref.allocate(100, 64);
  CHECK(fm::is_aligned(p, 64));
  CHECK(ref.stats().bytes_used == 100);
  CHECK(ref.stats().allocations == 1);
  CHECK(ref.name() == "new");
  ref.deallocate(p, 100, 64);
  CHECK(heap.stats().bytes_used == 0);
  CHECK(heap.stats().bytes_peak == 100);
  CHECK(heap.stats().deallocations == 1);
  CHECK_FALSE(ref.can_tell_ownership());
}

TEST_CASE("bad alignment is rejected with a message naming the allocator") {
  fm::NewAllocator heap;
  fm::AllocatorRef ref = heap;
  CHECK(ref.try_allocate(16, 3) == nullptr);
  try {
    (void)ref.allocate(16, 24);
    FAIL("expected fm::bad_alignment");
  } catch (const fm::bad_alignment& e) {
    CHECK(std::string(e.what()) == "bad alignment in 'new': 24 is not a power of two between 1 and 4096");
    CHECK(e.alignment() == 24);
  }
  CHECK(heap.stats().allocations == 0);
}

TEST_CASE("out_of_memory carries allocator, size, alignment and capacity") {
  const fm::out_of_memory e("frame", 256, 16, 1024);
  CHECK(std::string(e.what()) ==
        "out of memory in 'frame': requested 256 bytes aligned to 16, capacity 1024 bytes (capacity exhausted)");
  CHECK(e.allocator() == "frame");
  CHECK(e.size() == 256);
  CHECK(e.alignment() == 16);
  CHECK(e.capacity() == 1024);
}

TEST_CASE("the global-heap allocator refuses a size that cannot be aligned instead of returning a small block") {
  fm::NewAllocator heap;
  volatile std::size_t opaque = SIZE_MAX;  // a run-time size, as a game's would be
  const std::size_t huge = opaque - 1;
  CHECK(heap.try_allocate(huge, 64) == nullptr);
  CHECK(fm::AllocatorRef(heap).try_allocate(opaque - 8, 16) == nullptr);
  CHECK_THROWS_WITH_AS((void)heap.allocate(huge, 64),
                       doctest::Contains("out of memory in 'new': requested 18446744073709551614 bytes"),
                       fm::out_of_memory);
  CHECK(heap.stats().allocations == 0);
  CHECK(heap.stats().bytes_used == 0);
}
