// Seeded runs of the SoA model (soa_model.hpp).
#include <doctest/doctest.h>

#include "model/driver.hpp"
#include "model/soa_model.hpp"

TEST_CASE("SoA matches its model over seeded push/swap_remove/reserve sequences, huge reserves included") {
  fm::model::run_seeds("soa", 1500, 200, fm::model::run_soa);
}
