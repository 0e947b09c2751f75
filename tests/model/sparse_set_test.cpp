// Seeded runs of the SparseSet model (sparse_set_model.hpp).
#include <doctest/doctest.h>

#include "model/driver.hpp"
#include "model/sparse_set_model.hpp"

TEST_CASE("sparse set matches its model over seeded insert/erase/lookup sequences with refused inserts") {
  fm::model::run_seeds("sparse_set", 800, 200, fm::model::run_sparse_set);
}
