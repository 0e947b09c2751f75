// Seeded runs of the single-thread FrameArena model (frame_arena_model.hpp); the threaded one is in
// frame_arena_threads_test.cpp.
#include <doctest/doctest.h>

#include "model/driver.hpp"
#include "model/frame_arena_model.hpp"

TEST_CASE("frame arena matches its model over seeded allocate/make/free/flip sequences with misuse") {
  fm::model::run_seeds("frame_arena", 1500, 200, fm::model::run_frame_arena);
}
