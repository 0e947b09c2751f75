// libFuzzer entry for the typed_pool model harness (tests/model/typed_pool_model.hpp).
#include "fuzz/driver.hpp"
#include "model/typed_pool_model.hpp"

FM_FUZZ_TARGET(fm::model::run_typed_pool, 2000)
