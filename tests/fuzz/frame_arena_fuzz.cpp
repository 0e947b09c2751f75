// libFuzzer entry of the frame_arena model: the input bytes choose the operations of tests/model/frame_arena_model.hpp.
#include "fuzz/driver.hpp"
#include "model/frame_arena_model.hpp"

FM_FUZZ_TARGET(fm::model::run_frame_arena, 1000)
