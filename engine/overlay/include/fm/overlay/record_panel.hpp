// Overlay panels of capture and replay (docs/replay.md): the Record button with what the running
// recording has written, and the last allocator comparison of framemem-replay. Both draw plain rows the
// game fills in; the game owns the recording and reads the comparison's JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fm/config.hpp"
#include "fm/trace/comparison.hpp"

namespace fm::overlay {

struct RecordStatus {
  bool recording = false;
  std::string_view path;     // of the running (or last) recording
  std::uint64_t events = 0;  // written to the file so far
  std::uint64_t bytes = 0;
  std::string_view error;  // why the last start or stop failed, or empty
};

// Draws the panel; true when the Record/Stop button was pressed this frame (the game starts or stops).
[[nodiscard]] bool draw_record_panel(const RecordStatus& status);

// One allocator's line of a framemem-replay --against comparison; the table's columns are the figures'
// field list (fm/trace/comparison.hpp), each shown in its label's unit.
struct ComparisonRow {
  std::string allocator;
  trace::AllocatorFigures figures;
};

struct Comparison {
  std::string trace;
  unsigned rounds = 0;
  std::uint64_t frames = 0;  // per round; without frames the frame figures were not measured (trace::measured)
  std::vector<ComparisonRow> rows;
  std::string error;  // why no comparison could be loaded, or empty
};

// The comparison as a table, the fastest total time highlighted; a figure the comparison did not measure (the
// frame times of a trace without frames) shows as "-".
void draw_comparison_panel(const Comparison& comparison);

}  // namespace fm::overlay
