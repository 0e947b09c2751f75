// libFuzzer entry for the stack_allocator model harness (tests/model/stack_allocator_model.hpp).
#include "fuzz/driver.hpp"
#include "model/stack_allocator_model.hpp"

FM_FUZZ_TARGET(fm::model::run_stack_allocator, 2000)
