// libFuzzer entry of the heap model harness (tests/model/heap_model.hpp).
#include "fuzz/driver.hpp"
#include "model/heap_model.hpp"

FM_FUZZ_TARGET(fm::model::run_heap, 400)
