// The demo program: owns the window, the memory system, the stores and the frame loop; applies mode
// switches at frame boundaries (from the overlay, the keyboard or a scenario) and records what happened
// for the JSON report.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "modes.hpp"
#include "records.hpp"
#include "scenario.hpp"

namespace demo {

struct AppOptions {
  bool headless = false;
  bool render = true;  // false: no window, no GL, no overlay -- simulation, switches and report only
  bool vsync = true;
  int frames = 0;  // 0 = until the window closes
  unsigned threads = 0;  // 0 = every core
  std::string assets = "assets";
  std::string screenshot;
  std::string report;
  std::string ui_map;  // where to write the screen rectangles of the controls (for UI tests)
  std::string shown_file;    // where to write the frame the panels show and its systems-table figures (UI tests)
  std::string snapshot_log;  // where to append every frame's snapshot as one JSON line (UI tests)
  std::string record;      // trace of the memory systems for the whole run (docs/trace.md)
  std::string comparison;  // framemem-replay --json output to show in the overlay
  Scenario scenario;
};

// Frames spent in one combination of modes.
struct Segment {
  Modes modes;
  int first_frame = 0;
  int frames = 0;
  int steady_frames = 0;  // frames after warm-up (pools grown, caches filled)
  double heap_allocations = 0;  // summed over steady frames: operator new calls + scratch mallocs
  double heap_bytes = 0;
  double sim_ns = 0;            // summed over steady frames
  double particle_update_ns = 0;  // particle integrate time, summed over steady frames
  double best_update_ns = 1e300;  // fastest steady frame's integrate time per particle
  double particle_frames = 0;   // particles alive, summed over steady frames
  double render_ms = 0;
};

int run_app(const AppOptions& options);

}  // namespace demo
