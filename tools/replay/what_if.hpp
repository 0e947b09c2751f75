// What-if per system: how each system of a trace uses memory (block lifetimes in frames, free order,
// sizes, threads), measured from the trace, and its events replayed alone onto each fm strategy that fits,
// so a recommendation rests on replayed numbers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fm/trace/reader.hpp"

namespace fm::replay {

struct SystemProfile {
  std::string name;
  std::uint64_t blocks = 0;
  std::uint64_t ended = 0;
  std::uint64_t short_lived = 0;  // ended in the frame they were made in or the next (or made in the last two, live at the end)
  std::uint64_t lifo_ends = 0;    // ends of the system's most recently made live block
  bool one_size = true;
  std::uint64_t size = 0;         // the size when one_size
  std::uint64_t max_align = 1;
  std::uint64_t threads = 0;
  std::uint64_t peak_footprint = 0;  // the largest sum of size + alignment over live blocks
  bool frames = false;               // the trace has frame boundaries
};

struct StrategyRun {
  std::string strategy;
  std::uint64_t median_ns = 0;
  std::uint64_t reserved_peak = 0;  // bytes the fm allocator held at most (sampled at frames); 0 for malloc
  std::uint64_t verified = 0;
};

struct WhatIf {
  SystemProfile profile;
  std::vector<StrategyRun> runs;  // malloc first
  std::string recommendation;
};

[[nodiscard]] std::vector<SystemProfile> profile_systems(const trace::Trace& t);
// Replays each system onto malloc and each fitting strategy, `rounds` times interleaved.
[[nodiscard]] std::vector<WhatIf> what_if(const trace::Trace& t, unsigned rounds);
void print_what_if(const std::vector<WhatIf>& all);

}  // namespace fm::replay
