// Seeded runs of the HandlePool model (handle_pool_model.hpp).
#include <doctest/doctest.h>

#include "model/driver.hpp"
#include "model/handle_pool_model.hpp"

TEST_CASE("handle pool matches its model over seeded create/destroy/deferred/compact sequences with misuse") {
  fm::model::run_seeds("handle_pool", 500, 300, fm::model::run_handle_pool);
}
