// libFuzzer entry for the linear_arena model harness (tests/model/linear_arena_model.hpp).
#include "fuzz/driver.hpp"
#include "model/linear_arena_model.hpp"

FM_FUZZ_TARGET(fm::model::run_linear_arena, 2000)
