// libFuzzer entry for the pool model harness (tests/model/pool_model.hpp).
#include "fuzz/driver.hpp"
#include "model/pool_model.hpp"

FM_FUZZ_TARGET(fm::model::run_pool, 2000)
