// Seeded random sequences of tests/model/stack_allocator_model.hpp, strict and non-strict, misuse included.
#include "model/driver.hpp"
#include "model/stack_allocator_model.hpp"

TEST_CASE("stack allocator matches its model") {
  fm::model::run_seeds("stack_allocator", 1000, 300, fm::model::run_stack_allocator);
}
