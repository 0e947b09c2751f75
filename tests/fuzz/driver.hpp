// The libFuzzer driver of a model harness: decodes the input into operations through model::Source and
// turns a disagreement with the model into a crash that libFuzzer records (and keeps as a reproducer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "model/source.hpp"

#define FM_FUZZ_TARGET(run_function, max_steps)                                         \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {   \
    fm::model::Source src = fm::model::Source::from_bytes(data, size);                  \
    try {                                                                               \
      run_function(src, max_steps);                                                     \
    } catch (const fm::model::mismatch& m) {                                            \
      std::fprintf(stderr, "model disagrees: %s\n", m.what());                          \
      std::abort();                                                                     \
    }                                                                                   \
    return 0;                                                                           \
  }
