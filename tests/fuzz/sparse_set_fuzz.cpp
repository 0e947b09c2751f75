// libFuzzer entry of the sparse_set model: the input bytes choose the operations of tests/model/sparse_set_model.hpp.
#include "fuzz/driver.hpp"
#include "model/sparse_set_model.hpp"

FM_FUZZ_TARGET(fm::model::run_sparse_set, 1000)
