// Specification of fm/core/align.hpp.
#include "fm/core/align.hpp"

#include <doctest/doctest.h>

#include <initializer_list>

TEST_CASE("is_pow2 accepts exactly the powers of two") {
  CHECK_FALSE(fm::is_pow2(0));
  for (std::size_t p = 1; p != 0; p <<= 1) CHECK(fm::is_pow2(p));
  for (std::size_t n : {3u, 5u, 6u, 7u, 12u, 24u, 100u, 4095u}) CHECK_FALSE(fm::is_pow2(n));
}

TEST_CASE("align_up rounds to the next multiple of every power of two up to 4096") {
  for (std::size_t a = 1; a <= fm::max_alignment; a <<= 1) {
    for (std::size_t n : {0u, 1u, 7u, 63u, 64u, 65u, 4097u}) {
      const std::size_t r = fm::align_up(n, a);
      CHECK(r >= n);
      CHECK(r < n + a);
      CHECK(fm::is_aligned(r, a));
      CHECK(fm::align_down(r, a) == r);
    }
  }
}

TEST_CASE("padding_for measures the distance to the next aligned address") {
  alignas(64) unsigned char buf[128];
  CHECK(fm::padding_for(buf, 64) == 0);
  CHECK(fm::padding_for(buf + 1, 64) == 63);
  CHECK(fm::padding_for(buf + 1, 1) == 0);
  CHECK(fm::is_aligned(fm::align_up(static_cast<void*>(buf + 3), 16), 16));
}
