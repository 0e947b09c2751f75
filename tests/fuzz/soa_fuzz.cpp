// libFuzzer entry of the soa model: the input bytes choose the operations of tests/model/soa_model.hpp.
#include "fuzz/driver.hpp"
#include "model/soa_model.hpp"

FM_FUZZ_TARGET(fm::model::run_soa, 1000)
