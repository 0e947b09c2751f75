// Seeded random sequences of tests/model/memory_system_model.hpp: registrations in any order, bytes,
// frames, and every snapshot row checked against the model.
#include "model/driver.hpp"
#include "model/memory_system_model.hpp"

TEST_CASE("memory system registry and snapshots match their model") {
  fm::model::run_seeds("memory_system", 2000, 120, fm::model::run_memory_system);
}
