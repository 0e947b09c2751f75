// libFuzzer over tests/model/trace_model.hpp: written streams read back exactly, misuse and damage rejected.
#include "fuzz/driver.hpp"
#include "model/trace_model.hpp"

FM_FUZZ_TARGET(fm::model::run_trace, 200)
