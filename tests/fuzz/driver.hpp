// The libFuzzer driver of a model harness: decodes the input into operations through model::Source and
// turns a disagreement with the model into a crash that libFuzzer records (and keeps as a reproducer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "model/source.hpp"

// Huge requests are part of every harness: the allocators under test must refuse them, so ASan's own
// malloc must return null for them too instead of stopping the run (ASAN_OPTIONS can still override).
#define FM_FUZZ_TARGET(run_function, max_steps)                                         \
  extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; } \
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
