// libFuzzer entry of the handle_pool model: the input bytes choose the operations of tests/model/handle_pool_model.hpp.
#include "fuzz/driver.hpp"
#include "model/handle_pool_model.hpp"

FM_FUZZ_TARGET(fm::model::run_handle_pool, 1000)
