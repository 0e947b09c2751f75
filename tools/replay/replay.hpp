// The replay of one trace in this process: a plan built from a validated trace in memory mapped before the
// clock starts, one thread per recorded thread, every block written on allocate and verified on free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fm/trace/reader.hpp"

namespace fm::replay {

// What one replay measured. Times in nanoseconds, RSS in KiB; per-frame series are sampled at frame ends.
struct Result {
  std::string allocator;
  bool preloaded = false;  // the allocator's library is mapped in this process (always true for glibc)
  std::uint64_t events = 0;
  std::uint64_t blocks = 0;
  std::uint64_t verified = 0;  // blocks whose contents were checked when they ended (or at the end)
  std::uint64_t threads = 0;
  std::uint64_t total_ns = 0;
  std::uint64_t baseline_rss_kb = 0;
  std::uint64_t peak_rss_kb = 0;  // the largest RSS sampled during the replay
  std::vector<std::uint64_t> frame_ns;
  std::vector<std::uint64_t> rss_kb;      // at each frame end
  std::vector<std::uint64_t> live_bytes;  // at each frame end
};

// Exit statuses of the tool (documented in its --help).
inline constexpr int exit_ok = 0;
inline constexpr int exit_usage = 1;
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_corrupted = 3;
inline constexpr int exit_out_of_memory = 4;

// Replays `trace` with the process's malloc; consumes the trace (its memory is released before the clock
// starts). A corrupted block or a null from the allocator prints what and where, and exits the process
// with exit_corrupted / exit_out_of_memory.
[[nodiscard]] Result replay(trace::Trace trace, const std::string& allocator);

[[nodiscard]] std::string to_json(const Result& r);
[[nodiscard]] Result from_json(const std::string& line);  // throws fm::error on a malformed line

}  // namespace fm::replay
