// Seeded random sequences of tests/model/trace_model.hpp: write, read back, compare; misuse rejected at its event.
#include "model/driver.hpp"
#include "model/trace_model.hpp"

TEST_CASE("random event streams read back exactly as written, misuse rejected at its event") {
  fm::model::run_seeds("trace", 1500, 120, fm::model::run_trace);
}
