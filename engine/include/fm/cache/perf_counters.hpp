// Hardware cache counters through Linux perf_event_open, for the "measured" cache figure. Most virtual
// machines and containers refuse them, and Windows has none for programs; then every reading says
// unavailable and why, never a zero.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "fm/config.hpp"

namespace fm {

struct PerfReading {
  bool available = false;
  std::array<char, 160> unavailable_reason{};  // e.g. "perf_event_open(L1d read misses): No such file or directory"
  std::uint64_t l1d_read_accesses = 0;
  std::uint64_t l1d_read_misses = 0;
  std::uint64_t llc_misses = 0;
  std::uint64_t instructions = 0;

  [[nodiscard]] std::string_view reason() const noexcept { return unavailable_reason.data(); }
};

// Counts the calling thread between start() and stop(). Opens the counters once, in the constructor.
class PerfCounters {
 public:
  PerfCounters();
  ~PerfCounters();
  PerfCounters(const PerfCounters&) = delete;
  PerfCounters& operator=(const PerfCounters&) = delete;

  [[nodiscard]] bool available() const noexcept { return group_ >= 0; }
  void start() noexcept;
  // Counts since start(), or an unavailable reading carrying the reason.
  [[nodiscard]] PerfReading stop() noexcept;

 private:
  static constexpr int counter_count = 4;
  std::array<int, counter_count> fds_{-1, -1, -1, -1};
  int group_ = -1;
  PerfReading unavailable_;
};

}  // namespace fm
