// Seeded random sequences of tests/model/linear_arena_model.hpp over fixed and growing arenas.
#include "model/driver.hpp"
#include "model/linear_arena_model.hpp"

TEST_CASE("linear arena matches its model") { fm::model::run_seeds("linear_arena", 1000, 300, fm::model::run_linear_arena); }
