// Specification of fm/cache/line_utilization.hpp.
#include "fm/cache/line_utilization.hpp"

#include <doctest/doctest.h>

TEST_CASE("an update reading 24 bytes of a 64-byte particle uses 37.5% of each line") {
  const fm::FieldSpan position_velocity[] = {{0, 12}, {16, 12}};
  CHECK(fm::line_utilization(64, position_velocity, 64, 1000) == doctest::Approx(0.375));
}

TEST_CASE("a column read end to end uses every byte of its lines") {
  const fm::FieldSpan value[] = {{0, 4}};
  CHECK(fm::line_utilization(4, value, 64, 1600) == doctest::Approx(1.0));
  const fm::FieldSpan whole[] = {{0, 48}};
  CHECK(fm::line_utilization(48, whole, 64, 4) == doctest::Approx(1.0));
}

TEST_CASE("elements that straddle lines pull in the lines they touch, counted once") {
  const fm::FieldSpan first_float[] = {{0, 4}};
  // Elements at 0, 48, 96, 144: lines 0, 0, 1, 2 -> 16 bytes used of 192 pulled in.
  CHECK(fm::line_utilization(48, first_float, 64, 4) == doctest::Approx(16.0 / 192));
}

TEST_CASE("an empty loop has utilization 0, not a division by zero") {
  const fm::FieldSpan f[] = {{0, 4}};
  CHECK(fm::line_utilization(64, f, 64, 0) == 0.0);
}
