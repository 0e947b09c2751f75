// Seeded model test of fm::Heap: thousands of random operation sequences, misuse included, against
// tests/model/heap_model.hpp.
#include "model/heap_model.hpp"

#include "model/driver.hpp"

TEST_CASE("heap agrees with its model over random sequences of sized and C-style calls, misuse included") {
  fm::model::run_seeds("heap", 1200, 50,
                       [](fm::model::Source& src, std::size_t steps) { fm::model::run_heap(src, steps); });
}
