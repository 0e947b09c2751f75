// View model of the cache panel. Cache figures come from the game (layout, a simulated cache, hardware
// counters), each with how it was obtained; a figure that could not be measured is shown as unavailable,
// never as a zero.
#pragma once

#include <string_view>

#include "fm/config.hpp"

namespace fm {

// One figure as the game measured it.
struct CacheFigure {
  const char* label = "";
  double value = 0;
  bool available = false;
  const char* unit = "";
  const char* how = "";  // e.g. "from the layout", "simulated LRU 48K/12-way", "perf_event_open"
};

// One row of the cache panel.
struct CacheRow {
  std::string_view label;
  bool available = false;
  double value = 0;          // only when available
  std::string_view unit;
  std::string_view note;     // how it was obtained, or why it is missing
  bool alert = false;        // drawn red: the figure is unavailable
};

[[nodiscard]] CacheRow cache_row(const CacheFigure& figure) noexcept;

}  // namespace fm
