// The PNG chart of a --against comparison, drawn by gnuplot (pngcairo): total time and peak RSS per
// allocator, and RSS and fragmentation (RSS / live bytes) at each frame end of the median round.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fm::replay {

struct ChartSeries {
  std::string allocator;
  double total_ms = 0;
  double peak_rss_mib = 0;
  std::vector<std::uint64_t> rss_kb;      // at each frame end of the median round
  std::vector<std::uint64_t> live_bytes;  // the same frames
};

// Writes `png`: the totals, and with `per_frame` the series over the frames too. Throws fm::error when gnuplot
// cannot be run or fails (the message says which).
void draw_chart(const std::string& png, const std::string& title, const std::vector<ChartSeries>& series, bool per_frame);

}  // namespace fm::replay
