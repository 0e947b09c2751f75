// Specification of fm/core/metrics.hpp: the formulas from the design, including their edge cases.
#include "fm/core/metrics.hpp"

#include <doctest/doctest.h>

TEST_CASE("occupancy is live over committed blocks and 0 for an empty pool") {
  CHECK(fm::metrics::occupancy(0, 0) == 0.0);
  CHECK(fm::metrics::occupancy(16, 64) == doctest::Approx(0.25));
  CHECK(fm::metrics::occupancy(64, 64) == 1.0);
}

TEST_CASE("page fragmentation counts partial pages over committed pages") {
  CHECK(fm::metrics::page_fragmentation(0, 0) == 0.0);
  CHECK(fm::metrics::page_fragmentation(3, 4) == doctest::Approx(0.75));
}

TEST_CASE("heap fragmentation is 1 - largest free extent / total free") {
  CHECK(fm::metrics::heap_fragmentation(0, 0) == 0.0);
  CHECK(fm::metrics::heap_fragmentation(1000, 1000) == 0.0);
  CHECK(fm::metrics::heap_fragmentation(250, 1000) == doctest::Approx(0.75));
}

TEST_CASE("overhead is the committed share not requested") {
  CHECK(fm::metrics::overhead(0, 0) == 0.0);
  CHECK(fm::metrics::overhead(4096, 1024) == doctest::Approx(0.75));
  CHECK(fm::metrics::overhead(1024, 1024) == 0.0);
}

TEST_CASE("free-list scatter is the share of non-adjacent links") {
  CHECK(fm::metrics::free_list_scatter(0, 0) == 0.0);
  CHECK(fm::metrics::free_list_scatter(5, 10) == doctest::Approx(0.5));
}
