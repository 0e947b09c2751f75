// libFuzzer entry for the memory_system model harness (tests/model/memory_system_model.hpp).
#include "fuzz/driver.hpp"
#include "model/memory_system_model.hpp"

FM_FUZZ_TARGET(fm::model::run_memory_system, 400)
