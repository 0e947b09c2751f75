// Specification of fm/heap/size_class.hpp: every small size maps to the smallest class that holds it.
#include "fm/heap/size_class.hpp"

#include <doctest/doctest.h>

using namespace fm::heap;

TEST_CASE("every small size maps to the smallest class whose block holds it") {
  for (std::size_t size = 1; size <= max_small_size; ++size) {
    const std::uint32_t c = size_class_of(size);
    CAPTURE(size);
    REQUIRE(c < class_count);
    REQUIRE(class_block_size(c) >= size);
    if (c > 0) REQUIRE(class_block_size(c - 1) < size);
  }
  CHECK(size_class_of(0) == 0);
}

TEST_CASE("blocks are 16-byte multiples with 16-byte steps to 128 and at most 25% rounding above") {
  for (std::uint32_t c = 0; c < class_count; ++c) {
    CAPTURE(c);
    const std::size_t block = class_block_size(c);
    CHECK(block % min_block_size == 0);
    if (c < fine_classes) CHECK(block == (c + 1) * 16);
    if (c > 0 && block > 128) CHECK(block - class_block_size(c - 1) <= class_block_size(c - 1) / 4);
  }
  CHECK(class_block_size(class_count - 1) == max_small_size);
}
