// Seeded random sequences of tests/model/typed_pool_model.hpp: creates, destroys and misused destroys.
#include "model/driver.hpp"
#include "model/typed_pool_model.hpp"

TEST_CASE("typed pool matches its model") { fm::model::run_seeds("typed_pool", 600, 300, fm::model::run_typed_pool); }
