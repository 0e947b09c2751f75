// Specification of fm/core/aligned.hpp.
#include "fm/core/aligned.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

namespace {

TEST_CASE("aligned_allocate honours every power-of-two alignment up to 4096") {
  for (std::size_t align = 1; align <= fm::max_alignment; align <<= 1) {
    CAPTURE(align);
    for (std::size_t size : {0u, 1u, 100u, 4097u}) {
      void* p = fm::aligned_allocate(size, align);
      CHECK(fm::is_aligned(p, align));
      std::memset(p, 0x5A, size);
      fm::aligned_deallocate(p, align);
      void* q = fm::try_aligned_allocate(size, align);
      CHECK(fm::is_aligned(q, align));
      fm::aligned_deallocate(q, align);
    }
  }
}

TEST_CASE("aligned_allocate rejects bad alignments by name") {
  try {
    (void)fm::aligned_allocate(16, 48);
    FAIL("expected fm::bad_alignment");
  } catch (const fm::bad_alignment& e) {
    CHECK(std::string(e.what()) == "bad alignment in 'aligned heap': 48 is not a power of two between 1 and 4096");
  }
  CHECK(fm::try_aligned_allocate(16, 0) == nullptr);
  CHECK(fm::try_aligned_allocate(16, 8192) == nullptr);
}

TEST_CASE("AlignedBuffer owns an over-aligned buffer") {
  fm::AlignedBuffer buffer = fm::make_aligned_buffer(1000, 256);
  CHECK(fm::is_aligned(buffer.get(), 256));
  buffer[999] = std::byte{1};
  CHECK(buffer.get_deleter().align == 256);
}

}  // namespace
