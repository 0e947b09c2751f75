// The doctest driver of a model harness: runs `sequences` seeded sequences of `steps` operations each and
// fails with the seed and the model's complaint on the first disagreement. FM_MODEL_SEED=<n> reruns one seed.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/source.hpp"

namespace fm::model {

template <class Run>
void run_seeds(const char* component, std::uint64_t sequences, std::size_t steps, Run&& run) {
  std::uint64_t first = 1;
  if (const char* one = std::getenv("FM_MODEL_SEED")) {
    first = std::strtoull(one, nullptr, 0);
    sequences = 1;
  }
  for (std::uint64_t seed = first; seed < first + sequences; ++seed) {
    Source src = Source::from_seed(seed * 0x2545F4914F6CDD1Dull + 17);
    try {
      run(src, steps);
    } catch (const mismatch& m) {
      // As std::string: doctest prints a plain char pointer as an address.
      FAIL(std::string(component) << " model disagrees (seed " << seed << ", rerun with FM_MODEL_SEED=" << seed
                                  << "): " << std::string(m.what()));
    }
  }
}

}  // namespace fm::model
