// The replay of one trace in this process: a plan built from a validated trace in memory mapped before the
// clock starts, one thread per recorded thread, every block written on allocate and verified on free.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>
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

// The fields of Result, each once with its JSON key: to_json writes them in this order and from_json reads
// them back, so a field added here reaches both (and the round-trip test).
template <class R, class Visit>
  requires std::same_as<std::remove_const_t<R>, Result>
void for_each_field(R& r, Visit&& visit) {
  visit("allocator", r.allocator);
  visit("preloaded", r.preloaded);
  visit("events", r.events);
  visit("blocks", r.blocks);
  visit("verified", r.verified);
  visit("threads", r.threads);
  visit("total_ns", r.total_ns);
  visit("baseline_rss_kb", r.baseline_rss_kb);
  visit("peak_rss_kb", r.peak_rss_kb);
  visit("frame_ns", r.frame_ns);
  visit("rss_kb", r.rss_kb);
  visit("live_bytes", r.live_bytes);
}

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
