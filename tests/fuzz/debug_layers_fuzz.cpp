// libFuzzer target of the debug-layer model: the first input byte picks the stack, the rest its operations.
#include "fuzz/driver.hpp"
#include "model/debug_layers_model.hpp"

FM_FUZZ_TARGET(fm::model::run_debug_layers, 200)
