// The demo program's state: the window, the memory system, the stores and the frame loop. Its member
// functions are split by concern: app.cpp runs frames and the simulation, app_ui.cpp draws the overlay
// and the controls and reads the keyboard, app_steps.cpp applies scenario steps and switches at frame
// boundaries, app_report.cpp writes the JSON report.
#pragma once

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "app.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/cache/cache_geometry.hpp"
#include "fm/cache/cache_simulator.hpp"
#include "fm/cache/perf_counters.hpp"
#include "fm/debug/guarded.hpp"
#include "fm/debug/tracking.hpp"
#include "fm/overlay/dashboard.hpp"
#include "fm/system/memory_system.hpp"
#include "live_stores.hpp"
#include "platform.hpp"
#include "recording.hpp"
#include "renderer.hpp"
#include "workers.hpp"

namespace demo {

using clock_type = std::chrono::steady_clock;

inline constexpr float frame_dt = 1.0f / 60.0f;  // fixed step: runs are reproducible whatever the frame rate

[[nodiscard]] inline double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// Resident set size in KiB from /proc/self/statm, 0 where it cannot be read; allocates nothing.
[[nodiscard]] std::size_t resident_kib();

// A debug layer over an allocator: tracking (leaks, double/foreign frees) over guard bytes.
template <class A>
using DebugLayer = fm::Tracking<fm::Guarded<A&>>;

class App {
 public:
  explicit App(const AppOptions& options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;
  int run();

 private:
  // app.cpp: the frame loop. A paused timeline pauses the game: no simulation and no memory-system frame,
  // so the history the user scrubs through stays as it was.
  void frame();
  void end_game_frame(double sim_ns, double render_ms);
  [[nodiscard]] StoreAllocators register_systems();
  void simulate();
  void spawn_entities();
  void emit_particles();
  void render_world(bool new_frame);
  void sample_cache();
  // app_ui.cpp
  void draw_ui();
  void draw_controls();
  void handle_keys();
  void write_ui_map(const char* key, const float* rects, std::span<const char* const> names);
  void write_shown();
  void log_snapshot();
  // app_steps.cpp
  void apply_scenario_steps();
  void sample_resident_size();
  void apply_pending();
  void spend_scratch_spike();
  void note_switch(std::vector<SwitchRecord> records);
  void start_segment();
  // app_report.cpp
  void write_report(double stream_ns_per_particle);
  [[nodiscard]] double measure_stream_reference();

  AppOptions opt_;
  std::optional<Platform> platform_;  // both absent with --no-render
  std::optional<Renderer> renderer_;
  Workers workers_;
  fm::MemorySystem memory_;
  fm::Pool particle_pool_;
  fm::Pool particle_debug_pool_;
  DebugLayer<fm::Pool> particle_debug_{particle_debug_pool_};
  fm::NewAllocator column_heap_;
  DebugLayer<fm::NewAllocator> column_debug_{column_heap_};
  // The entity HandlePool's pages (and its page directories) are blocks of these pools, so the occupancy
  // map shows them next to the particle pool.
  fm::Pool entity_pages_;
  fm::Pool entity_debug_pages_;
  DebugLayer<fm::Pool> entity_debug_{entity_debug_pages_};

  LiveStores stores_;
  DemoRecording recording_;
  fm::overlay::Comparison comparison_;
  std::mt19937 rng_;
  fm::overlay::Dashboard dashboard_;

  // Requests from the UI and the keyboard, applied at the next frame boundary.
  std::optional<Modes> requested_;
  const char* request_source_ = "ui";
  fm::overlay::PoolActions pool_actions_;
  int target_particles_;
  int target_entities_;
  bool step_once_ = false;
  std::size_t scratch_spike_bytes_ = 0;  // frame-arena scratch the next game frame allocates at once

  int frame_ = 0;
  std::size_t next_step_ = 0;
  std::uint32_t next_particle_id_ = 1;
  std::uint32_t next_entity_id_ = 1;
  double now_ = 0;
  std::vector<ParticleRecord> spawn_buffer_;

  fm::overlay::Series sim_ms_;
  fm::overlay::Series render_ms_;
  fm::overlay::Series ns_per_particle_;
  fm::CacheGeometry geometry_ = fm::detect_cache_geometry();
  fm::CacheSimulator cache_sim_{geometry_};
  fm::AccessTrace trace_{3 * 20'000};  // accesses of a sampled update pass
  fm::PerfCounters perf_;
  fm::PerfReading perf_reading_;
  double l1d_miss_ = 0, l2_miss_ = 0, line_use_ = 0;
  bool cache_sampled_ = false;
  std::string geometry_label_;

  std::vector<SwitchRecord> switches_;
  std::vector<Segment> segments_;
  std::vector<std::pair<std::string, std::array<float, 4>>> ui_rects_;
  bool ui_map_written_ = false;
  std::uint64_t particles_lost_targets_ = 0;
  double run_seconds_ = 0;
  // Resident set size at the start of each repeat of the scenario's steps, from the second on (the
  // first repeat has warmed every store up): what a soak watches for growth.
  struct {
    std::size_t first_kib = 0, last_kib = 0, max_kib = 0;
    int samples = 0;
  } rss_;
  // For UI tests: the last shown frame written to opt_.shown_file, and the snapshot log.
  std::pair<bool, std::uint64_t> shown_written_{true, ~std::uint64_t{0}};
  std::FILE* snapshot_log_ = nullptr;
  std::string json_buffer_;
};

}  // namespace demo
