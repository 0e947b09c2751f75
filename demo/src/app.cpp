// The frame loop of the demo: simulate, render, draw the overlay, take switches at frame boundaries and
// keep the figures the report needs. Every number shown or reported is measured here or read from the
// memory system's snapshots.
#include "app.hpp"

#include <GL/gl.h>
#include <imgui.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fm/alloc/pool.hpp"
#include "fm/cache/cache_geometry.hpp"
#include "fm/cache/perf_counters.hpp"
#include "fm/debug/guarded.hpp"
#include "fm/debug/tracking.hpp"
#include "fm/overlay/overlay.hpp"
#include "fm/overlay/record_panel.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/snapshot_json.hpp"
#include "live_stores.hpp"
#include "platform.hpp"
#include "recording.hpp"
#include "renderer.hpp"
#include "screenshot.hpp"
#include "stores.hpp"
#include "workers.hpp"

namespace demo {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr float dt = 1.0f / 60.0f;     // fixed step: runs are reproducible whatever the frame rate
constexpr int warmup_frames = 15;      // frames after a switch before a segment counts as steady
constexpr int cache_sample_every = 30; // frames between cache-model samples
constexpr std::size_t trace_capacity = 3 * 20'000;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// Resident set size in KiB from /proc/self/statm, 0 where it cannot be read. Plain read(2) into a stack
// buffer: sampling must not allocate, or it would show up in the frame's heap traffic.
std::size_t resident_kib() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[128] = {};
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return 0;
  char* end = nullptr;
  (void)std::strtoull(text, &end, 10);  // total program size; the resident pages follow
  const unsigned long long pages = std::strtoull(end, nullptr, 10);
  return static_cast<std::size_t>(pages * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE)) / 1024);
}

// A debug layer over an allocator: tracking (leaks, double/foreign frees) over guard bytes.
template <class A>
using DebugLayer = fm::Tracking<fm::Guarded<A&>>;

}  // namespace

class App {
 public:
  explicit App(const AppOptions& options);
  int run();

 private:
  void frame();
  void simulate();
  void emit_particles();
  void render_world();
  void draw_ui();
  void draw_controls();
  void sample_cache();
  void handle_keys();
  void apply_scenario_steps();
  void sample_resident_size();
  void apply_pending();
  [[nodiscard]] StoreAllocators register_systems();
  void note_switch(std::vector<SwitchRecord> records);
  void start_segment();
  void write_ui_map(const char* key, const float* rects, std::span<const char* const> names);
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
  fm::NewAllocator entity_heap_;
  DebugLayer<fm::NewAllocator> entity_debug_{entity_heap_};

  LiveStores stores_;
  DemoRecording recording_;
  fm::overlay::Comparison comparison_;
  std::mt19937 rng_;

  // Requests from the UI and the keyboard, applied at the next frame boundary.
  std::optional<Modes> requested_;
  const char* request_source_ = "ui";
  fm::overlay::PoolActions pool_actions_;
  int target_particles_;
  int target_entities_;
  bool paused_ = false;
  bool step_once_ = false;

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
  fm::AccessTrace trace_{trace_capacity};
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
};

App::App(const AppOptions& options)
    : opt_(options),
      workers_(options.threads == 0 ? std::thread::hardware_concurrency() : options.threads),
      memory_({.frame_arena = {.capacity = 8u << 20, .name = "frame"}}),
      particle_pool_(sizeof(ParticleRecord), alignof(ParticleRecord), {.blocks_per_page = 1024, .name = "particles/pool"}),
      particle_debug_pool_(fm::Guarded<fm::Pool&>::inner_size(sizeof(ParticleRecord), alignof(ParticleRecord)),
                           alignof(ParticleRecord), {.blocks_per_page = 1024, .name = "particles/debug-pool"}),
      stores_(options.scenario.modes, register_systems(),
              {particle_debug_, column_debug_, entity_debug_}, memory_.frame_arena()),
      rng_(options.scenario.seed),
      target_particles_(options.scenario.particles),
      target_entities_(options.scenario.entities) {
  if (options.render) {
    platform_.emplace(WindowOptions{.headless = options.headless, .vsync = options.vsync});
    renderer_.emplace(options.assets + "/shaders", world_width, world_height);
  }
  if (!opt_.record.empty()) recording_.start(memory_, opt_.record);
  if (!opt_.comparison.empty()) comparison_ = load_comparison(opt_.comparison);
  memory_.on_end_frame([this] { stores_.entities().end_frame(); });
  spawn_buffer_.reserve(static_cast<std::size_t>(std::max(1, target_particles_)));

  for (int i = 0; i < target_entities_; ++i) {
    fm::sim::EntityState s{};
    s.id = next_entity_id_++;
    s.x = std::uniform_real_distribution<float>(0, world_width)(rng_);
    s.y = std::uniform_real_distribution<float>(0, world_height)(rng_);
    s.team = s.id % 4;
    s.health = 100.0f;
    stores_.entities().spawn({s, 0}, rng_);
  }
  geometry_label_ = fm::describe(geometry_);
  start_segment();
}

// The stores get their allocators through the memory system's recording layer, so --record and the
// Record button see their traffic; registration therefore comes before the stores exist.
StoreAllocators App::register_systems() {
  memory_.add_scope("particles", 512u << 20);
  memory_.add_pool("particles/pool", particle_pool_);
  memory_.add_pool("particles/debug-pool", particle_debug_pool_);
  memory_.add_system("particles/columns", column_heap_, "heap");
  memory_.add_system("entities", entity_heap_, "heap", 64u << 20);
  return {memory_.recordable_system("particles/pool"), memory_.recordable_system("particles/columns"),
          memory_.recordable_system("entities")};
}

int App::run() {
  const auto t0 = clock_type::now();
  for (frame_ = 0; opt_.frames == 0 || frame_ < opt_.frames; ++frame_) {
    if (platform_ && !platform_->poll_events()) break;
    handle_keys();
    apply_scenario_steps();
    apply_pending();
    frame();
  }
  run_seconds_ = ms_since(t0) / 1e3;
  recording_.stop(memory_);
  write_report(opt_.report.empty() ? 0.0 : measure_stream_reference());
  return 0;
}

void App::frame() {
  memory_.begin_frame();
  const auto t0 = clock_type::now();
  if (!paused_ || step_once_) {
    step_once_ = false;
    simulate();
  }
  const double sim_ns = ms_since(t0) * 1e6;
  if (frame_ % cache_sample_every == 0 || !cache_sampled_) sample_cache();

  const auto t1 = clock_type::now();
  if (platform_) {
    render_world();
    platform_->begin_ui_frame();
    draw_ui();
    platform_->render_ui();
    renderer_->finish();
  }
  const double render_ms = ms_since(t1);

  const std::uint64_t mallocs = stores_.scratch().mallocs_this_frame();
  const std::uint64_t malloc_bytes = stores_.scratch().malloc_bytes_this_frame();
  stores_.scratch().end_frame();
  memory_.end_frame();
  render_ms_.push(static_cast<float>(render_ms));
  const fm::Snapshot& s = memory_.latest();
  Segment& seg = segments_.back();
  ++seg.frames;
  if (seg.frames > warmup_frames) {
    ++seg.steady_frames;
    seg.heap_allocations += static_cast<double>(s.heap.allocations_this_frame + mallocs);
    seg.heap_bytes += static_cast<double>(s.heap.bytes_this_frame + malloc_bytes);
    seg.sim_ns += sim_ns;
    seg.particle_update_ns += static_cast<double>(ns_per_particle_.last()) * static_cast<double>(stores_.particles().size());
    seg.best_update_ns = std::min(seg.best_update_ns, static_cast<double>(ns_per_particle_.last()));
    seg.particle_frames += static_cast<double>(stores_.particles().size());
    seg.render_ms += render_ms;
  }
  // The screenshot is taken after the frame's accounting: its read-back buffer is not the game's traffic.
  const bool last = opt_.frames != 0 && frame_ + 1 == opt_.frames;
  if (!platform_) return;
  if (last && !opt_.screenshot.empty()) {
    write_png(capture_back_buffer(platform_->width(), platform_->height()), opt_.screenshot);
  }
  platform_->present();
}

void App::simulate() {
  const auto t0 = clock_type::now();
  particles_lost_targets_ += stores_.entities().update(dt, rng_, stores_.scratch());
  const auto churn = static_cast<std::size_t>(opt_.scenario.churn * static_cast<double>(stores_.entities().size()));
  stores_.entities().destroy_random(churn, rng_);
  while (stores_.entities().size() < static_cast<std::size_t>(target_entities_)) {
    fm::sim::EntityState s{};
    s.id = next_entity_id_++;
    s.x = std::uniform_real_distribution<float>(0, world_width)(rng_);
    s.y = std::uniform_real_distribution<float>(0, world_height)(rng_);
    s.team = s.id % 4;
    s.health = 100.0f;
    stores_.entities().spawn({s, 0}, rng_);
  }
  emit_particles();
  const auto t1 = clock_type::now();
  perf_.start();
  stores_.particles().integrate(dt, workers_);
  perf_reading_ = perf_.stop();
  const double integrate_ms = ms_since(t1);
  if (stores_.particles().size() > 0) {
    ns_per_particle_.push(static_cast<float>(integrate_ms * 1e6 / static_cast<double>(stores_.particles().size())));
  }
  (void)stores_.particles().remove_expired();
  sim_ms_.push(static_cast<float>(ms_since(t0)));
  now_ += dt;
}

void App::emit_particles() {
  const std::size_t have = stores_.particles().size();
  const auto want = static_cast<std::size_t>(target_particles_);
  if (have >= want || stores_.entities().size() == 0) return;
  const std::size_t count = std::min(want - have, std::max<std::size_t>(want / 10, 1000));
  spawn_buffer_.clear();
  for (std::size_t i = 0; i < count; ++i) {
    const EntityRecord e = stores_.entities().sample(i % stores_.entities().size());
    ParticleRecord p = fm::sim::spawn_particle(e.state.id, next_particle_id_, now_);
    p.cold.seed = next_particle_id_++;  // unique id, what checksums key on
    p.position = {e.state.x + p.position.x * 6.0f, e.state.y + p.position.y * 6.0f};
    p.velocity = {p.velocity.x * 160.0f + e.state.vx * 0.3f, p.velocity.y * 160.0f + e.state.vy * 0.3f};
    p.lifetime.seconds *= static_cast<float>(opt_.scenario.particle_life / 3.0);
    p.colour.rgba = (p.colour.rgba & 0x00FFFFFFu) | 0xB0000000u;
    spawn_buffer_.push_back(p);
  }
  stores_.particles().import_records(spawn_buffer_);
}

void App::render_world() {
  renderer_->begin_frame(platform_->width(), platform_->height());
  // The vertex list is this frame's scratch: malloc'd or bump-allocated in the frame arena.
  const std::size_t n = stores_.particles().size() + stores_.entities().size();
  auto* vertices = stores_.scratch().allocate_array<PointVertex>(n);
  const std::span<PointVertex> all(vertices, n);
  stores_.particles().write_vertices(all.first(stores_.particles().size()));
  stores_.entities().write_vertices(all.subspan(stores_.particles().size()));
  renderer_->draw(all);
}

void App::sample_cache() {
  trace_.clear();
  stores_.particles().trace_update(trace_);
  cache_sim_.reset();
  cache_sim_.replay(trace_.accesses());
  l1d_miss_ = cache_sim_.l1d().miss_rate();
  l2_miss_ = cache_sim_.l2().miss_rate();
  line_use_ = stores_.particles().line_utilization(geometry_.l1d.line_bytes);
  cache_sampled_ = true;
}

void App::draw_ui() {
  const auto col_w = 500.0f;
  const auto right_x = static_cast<float>(platform_->width()) - col_w - 8.0f;
  const auto place = [](float x, float y, float w, float h) {
    ImGui::SetNextWindowPos({x, y}, ImGuiCond_Once);
    ImGui::SetNextWindowSize({w, h}, ImGuiCond_Once);
    ImGui::SetNextWindowBgAlpha(0.82f);
  };
  const fm::overlay::History history(memory_);
  const bool have = !history.empty();

  place(8, 8, col_w, 190);
  if (ImGui::Begin("Frame")) {
    if (have) fm::overlay::draw_frame_panel(history, {&sim_ms_, &render_ms_});
  }
  ImGui::End();
  place(8, 204, col_w, 320);
  if (ImGui::Begin("Controls")) draw_controls();
  ImGui::End();
  place(8, 530, col_w, 362);
  if (ImGui::Begin("Memory systems")) {
    if (have) fm::overlay::draw_systems_table(history.latest());
  }
  ImGui::End();

  place(right_x, 8, col_w, 318);
  if (ImGui::Begin("Pool occupancy")) {
    if (have) pool_actions_ = fm::overlay::draw_pool_map(history.latest());
  }
  ImGui::End();
  place(right_x, 332, col_w, 130);
  if (ImGui::Begin("Frame arena")) fm::overlay::draw_frame_arena_panel(history);
  ImGui::End();
  place(right_x, 468, col_w, 210);
  if (ImGui::Begin("Cache behaviour")) {
    char l1[64], l2[64];
    std::snprintf(l1, sizeof l1, "simulated LRU, %zu KiB %zu-way", geometry_.l1d.size_bytes / 1024, geometry_.l1d.ways);
    std::snprintf(l2, sizeof l2, "simulated LRU, %zu KiB %zu-way", geometry_.l2.size_bytes / 1024, geometry_.l2.ways);
    const bool hw = perf_reading_.available;
    const double hw_l1 = hw && perf_reading_.l1d_read_accesses > 0
                             ? 100.0 * static_cast<double>(perf_reading_.l1d_read_misses) /
                                   static_cast<double>(perf_reading_.l1d_read_accesses)
                             : 0.0;
    const fm::overlay::CacheFigure figures[] = {
        {"line utilization", line_use_ * 100.0, true, "%", "from the layout"},
        {"L1d miss rate", l1d_miss_ * 100.0, cache_sampled_, "%", l1},
        {"L2 miss rate", l2_miss_ * 100.0, cache_sampled_, "%", l2},
        {"L1d miss rate (hardware)", hw_l1, hw, "%", "perf_event_open"},
    };
    const char* reason = hw ? nullptr : perf_reading_.unavailable_reason.data();
    fm::overlay::draw_cache_panel(
        {mode_info(particle_modes, stores_.modes().particles).label.data(), &ns_per_particle_, figures, reason});
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.6f, 0.6f, 0.65f, 1.0f));
    ImGui::TextWrapped("%s", geometry_label_.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::End();
  place(right_x, 684, col_w, 208);
  if (ImGui::Begin("Address map")) fm::overlay::draw_address_map(history);
  ImGui::End();
  place(col_w + 16, 8, 330, 96);
  if (ImGui::Begin("Record")) recording_.draw_panel(memory_);
  ImGui::End();
  if (!opt_.comparison.empty()) {
    place(col_w + 16, 110, 460, 190);
    if (ImGui::Begin("Replay comparison")) fm::overlay::draw_comparison_panel(comparison_);
    ImGui::End();
  }
}

void App::draw_controls() {
  float rects[4 * 3];
  const auto row = [&](const char* label, const char* key, auto& table, auto current, auto apply) {
    std::array<const char*, 3> names{};
    for (std::size_t i = 0; i < table.size(); ++i) names[i] = table[i].label.data();
    const std::span<const char* const> options(names.data(), table.size());
    const int clicked = fm::overlay::choice_row(label, options, static_cast<int>(current), rects);
    if (!ui_map_written_) {
      std::array<const char*, 3> keys{};
      for (std::size_t i = 0; i < table.size(); ++i) keys[i] = table[i].key.data();
      write_ui_map(key, rects, std::span<const char* const>(keys.data(), table.size()));
    }
    if (clicked >= 0) {
      Modes m = requested_.value_or(stores_.modes());
      apply(m, table[static_cast<std::size_t>(clicked)].value);
      requested_ = m;
      request_source_ = "ui";
    }
  };
  row("Particles [1/2/3]", "particles", particle_modes, stores_.modes().particles, [](Modes& m, ParticleMode v) { m.particles = v; });
  row("Entities [4/5/6]", "entities", entity_modes, stores_.modes().entities, [](Modes& m, EntityMode v) { m.entities = v; });
  row("Scratch [7/8]", "scratch", scratch_modes, stores_.modes().scratch, [](Modes& m, ScratchMode v) { m.scratch = v; });
  bool debug = stores_.modes().debug_layer;
  if (ImGui::Checkbox("Debug layer: tracking + guards [d]", &debug)) {
    Modes m = requested_.value_or(stores_.modes());
    m.debug_layer = debug;
    requested_ = m;
    request_source_ = "ui";
  }
  if (!ui_map_written_) {
    const ImVec2 lo = ImGui::GetItemRectMin();
    const ImVec2 hi = ImGui::GetItemRectMax();
    // The box itself sits at the left of the item; its centre is a frame-height square in.
    const float box[4] = {lo.x, lo.y, lo.x + (hi.y - lo.y), hi.y};
    const char* const name[] = {"toggle"};
    write_ui_map("debug", box, name);
  }
  // The layer only sees memory that comes from framemem allocators; say what that is in these modes.
  const Modes& on = stores_.modes();
  ImGui::TextWrapped("%s particles: %s; entities: %s.",
                     on.debug_layer ? "The layer checks" : "When on, the layer checks",
                     mode_info(particle_modes, on.particles).debug_checks.data(),
                     mode_info(entity_modes, on.entities).debug_checks.data());
  ImGui::SliderInt("particles", &target_particles_, 0, max_particles, "%d", ImGuiSliderFlags_Logarithmic);
  ImGui::SliderInt("entities", &target_entities_, 0, max_entities, "%d", ImGuiSliderFlags_Logarithmic);
  ImGui::Text("live: %zu particles, %zu entities", stores_.particles().size(), stores_.entities().size());
  if (ImGui::Button(paused_ ? "Resume [space]" : "Pause [space]")) paused_ = !paused_;
  ImGui::SameLine();
  if (ImGui::Button("Step [s]")) step_once_ = paused_;
  if (!ui_map_written_ && !opt_.ui_map.empty() && frame_ >= 2) {
    nlohmann::json map;
    for (const auto& [name, r] : ui_rects_) map[name] = {(r[0] + r[2]) / 2, (r[1] + r[3]) / 2};
    std::ofstream(opt_.ui_map) << map.dump() << '\n';
    ui_map_written_ = true;
  }
}

void App::write_ui_map(const char* key, const float* rects, std::span<const char* const> names) {
  if (opt_.ui_map.empty()) return;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name = std::string(key) + ":" + names[i];
    auto it = std::find_if(ui_rects_.begin(), ui_rects_.end(), [&](const auto& e) { return e.first == name; });
    const std::array<float, 4> r{rects[4 * i], rects[4 * i + 1], rects[4 * i + 2], rects[4 * i + 3]};
    if (it == ui_rects_.end()) {
      ui_rects_.emplace_back(name, r);
    } else {
      it->second = r;
    }
  }
}

void App::handle_keys() {
  if (!platform_) return;
  for (char k : platform_->typed_keys()) {
    Modes m = requested_.value_or(stores_.modes());
    switch (k) {
      case '1': m.particles = ParticleMode::aos_heap; break;
      case '2': m.particles = ParticleMode::aos_pool; break;
      case '3': m.particles = ParticleMode::soa; break;
      case '4': m.entities = EntityMode::raw; break;
      case '5': m.entities = EntityMode::shared; break;
      case '6': m.entities = EntityMode::handles; break;
      case '7': m.scratch = ScratchMode::malloc; break;
      case '8': m.scratch = ScratchMode::frame_arena; break;
      case 'd': m.debug_layer = !m.debug_layer; break;
      case ' ': paused_ = !paused_; continue;
      case 's': step_once_ = paused_; continue;
      default: continue;
    }
    requested_ = m;
    request_source_ = "key";
  }
}

void App::apply_scenario_steps() {
  const auto& steps = opt_.scenario.steps;
  const int period = opt_.scenario.repeat_every;
  const int at = period > 0 ? frame_ % period : frame_;
  if (period > 0 && at == 0 && frame_ > 0) {
    next_step_ = 0;
    sample_resident_size();
  }
  for (; next_step_ < steps.size() && steps[next_step_].frame <= at; ++next_step_) {
    const ScenarioStep& s = steps[next_step_];
    Modes m = requested_.value_or(stores_.modes());
    if (s.particles) m.particles = *s.particles;
    if (s.entities) m.entities = *s.entities;
    if (s.scratch) m.scratch = *s.scratch;
    if (s.debug_layer) m.debug_layer = *s.debug_layer;
    if (s.particle_count) target_particles_ = *s.particle_count;
    if (s.compact.value_or(false)) pool_actions_.compact_handles = true;
    if (s.release_pages.value_or(false)) pool_actions_.release_empty_pages = true;
    requested_ = m;
    request_source_ = "scenario";
  }
}

void App::sample_resident_size() {
  const std::size_t kib = resident_kib();
  if (rss_.samples++ == 0) rss_.first_kib = kib;
  rss_.last_kib = kib;
  rss_.max_kib = std::max(rss_.max_kib, kib);
}

void App::apply_pending() {
  if (pool_actions_.release_empty_pages) {
    particle_pool_.release_empty_pages();
    particle_debug_pool_.release_empty_pages();
  }
  if (pool_actions_.compact_handles) stores_.entities().compact();
  pool_actions_ = {};
  if (!requested_) return;
  const Modes want = *requested_;
  requested_.reset();
  if (want.debug_layer != stores_.modes().debug_layer) note_switch(stores_.switch_debug(want.debug_layer));
  if (want.particles != stores_.modes().particles) note_switch(stores_.switch_particles(want.particles));
  if (want.entities != stores_.modes().entities) note_switch(stores_.switch_entities(want.entities));
  if (want.scratch != stores_.modes().scratch) note_switch(stores_.switch_scratch(want.scratch));
}

void App::note_switch(std::vector<SwitchRecord> records) {
  for (SwitchRecord& r : records) {
    r.frame = frame_;
    r.source = request_source_;
    switches_.push_back(std::move(r));
  }
  start_segment();
}

void App::start_segment() {
  Segment s;
  s.modes = stores_.modes();
  s.first_frame = frame_;
  segments_.push_back(s);
  cache_sampled_ = false;
}

double App::measure_stream_reference() {
  // The same bytes as the SoA update (position, velocity, age), as plain float arrays, on every worker.
  const std::size_t n = std::max<std::size_t>(stores_.particles().size(), 1);
  std::vector<float> pos(2 * n, 1.0f), vel(2 * n, 0.5f), age(n, 0.0f);
  double best = 1e300;
  for (int rep = 0; rep < 7; ++rep) {
    const auto t0 = clock_type::now();
    workers_.parallel_for(n, [&](std::size_t b, std::size_t e) {
      fm::sim::stream_reference(std::span(pos).subspan(2 * b, 2 * (e - b)), std::span(vel).subspan(2 * b, 2 * (e - b)),
                                std::span(age).subspan(b, e - b), dt);
    });
    best = std::min(best, ms_since(t0) * 1e6 / static_cast<double>(n));
  }
  return best;
}

void App::write_report(double stream_ns) {
  if (opt_.report.empty()) return;
  nlohmann::json r;
  r["scenario"] = opt_.scenario.name;
  r["frames"] = frame_;
  r["run_seconds"] = run_seconds_;
  r["gl_renderer"] = platform_ ? platform_->gl_renderer() : "none (--no-render)";
  r["threads"] = workers_.size();
  r["particles"] = stores_.particles().size();
  r["entities"] = stores_.entities().size();
  r["modes"] = {{"particles", key(stores_.modes().particles)},
                {"entities", key(stores_.modes().entities)},
                {"scratch", key(stores_.modes().scratch)},
                {"debug", stores_.modes().debug_layer}};
  r["switches"] = nlohmann::json::array();
  for (const auto& s : switches_) {
    r["switches"].push_back({{"frame", s.frame}, {"store", s.store}, {"from", s.from}, {"to", s.to},
                             {"source", s.source}, {"accepted", s.accepted}, {"error", s.error},
                             {"checksum_before", s.before.hex()}, {"checksum_after", s.after.hex()},
                             {"count_before", s.before.count}, {"count_after", s.after.count}});
  }
  r["segments"] = nlohmann::json::array();
  for (const auto& g : segments_) {
    const double steady = std::max(1, g.steady_frames);
    nlohmann::json seg{{"first_frame", g.first_frame},
                       {"frames", g.frames},
                       {"steady_frames", g.steady_frames},
                       {"particles", key(g.modes.particles)},
                       {"entities", key(g.modes.entities)},
                       {"scratch", key(g.modes.scratch)},
                       {"debug", g.modes.debug_layer},
                       {"heap_allocations_per_frame", g.heap_allocations / steady},
                       {"heap_bytes_per_frame", g.heap_bytes / steady},
                       {"simulation_ms_per_frame", g.sim_ns / steady / 1e6},
                       {"render_ms_per_frame", g.render_ms / steady},
                       {"ns_per_particle_integrate", g.particle_frames > 0 ? g.particle_update_ns / g.particle_frames : 0.0},
                       {"how", "heap allocations: fm::new_counter operator new calls plus malloc calls of the scratch; "
                               "times: steady_clock around the update on all worker threads"}};
    if (g.modes.debug_layer) {
      seg["debug_checks"] = {{"particles", mode_info(particle_modes, g.modes.particles).debug_checks},
                             {"entities", mode_info(entity_modes, g.modes.entities).debug_checks}};
    }
    r["segments"].push_back(seg);
  }
  r["stream_reference_ns_per_particle"] = {{"value", stream_ns},
                                           {"particles", stores_.particles().size()},
                                           {"how", "best of 7 plain-float passes over the same bytes, all workers"}};
  // Integrate cost per layout over the steady frames of every segment that used it: the mean, and the
  // fastest frame (least disturbed by other load), whose ratios to the streaming reference (the
  // machine's bandwidth limit for these bytes, also a best-of) and to AoS on heap are given.
  nlohmann::json layouts = nlohmann::json::object();
  double aos_heap_best = 0;
  for (const auto& m : particle_modes) {
    double ns = 0, frames = 0, best = 1e300;
    for (const auto& g : segments_) {
      if (g.modes.particles != m.value || g.steady_frames == 0) continue;
      ns += g.particle_update_ns;
      frames += g.particle_frames;
      best = std::min(best, g.best_update_ns);
    }
    if (frames == 0) continue;
    if (m.value == ParticleMode::aos_heap) aos_heap_best = best;
    layouts[std::string(m.key)] = {{"mean_ns_per_particle", ns / frames},
                                   {"best_ns_per_particle", best},
                                   {"best_vs_stream_reference", stream_ns > 0 ? best / stream_ns : 0.0}};
  }
  for (auto& [key, v] : layouts.items()) {
    v["best_vs_aos_heap"] = aos_heap_best > 0 ? v["best_ns_per_particle"].get<double>() / aos_heap_best : 0.0;
  }
  r["particle_integrate"] = layouts;
  r["cache"] = {{"geometry", geometry_label_},
                {"line_utilization", {{"value", line_use_}, {"how", "from the layout"}}},
                {"l1d_miss_rate", {{"value", l1d_miss_}, {"how", "simulated LRU over a sampled update trace"}}},
                {"l2_miss_rate", {{"value", l2_miss_}, {"how", "simulated LRU over a sampled update trace"}}},
                {"hardware", perf_reading_.available
                                 ? nlohmann::json{{"l1d_read_accesses", perf_reading_.l1d_read_accesses},
                                                  {"l1d_read_misses", perf_reading_.l1d_read_misses},
                                                  {"how", "perf_event_open"}}
                                 : nlohmann::json{{"available", false}, {"reason", perf_reading_.reason()}}}};
  r["heap_counter_available"] = memory_.latest().heap.available;
  if (rss_.samples > 0) {
    r["resident_kib"] = {{"first", rss_.first_kib}, {"last", rss_.last_kib}, {"max", rss_.max_kib},
                         {"samples", rss_.samples}, {"at_exit", resident_kib()},
                         {"how", "/proc/self/statm at the start of every repeat of the steps after the first"}};
  }
  r["budget_overruns"] = memory_.budget_overruns();
  r["entities_that_lost_their_target"] = particles_lost_targets_;
  r["memory"] = nlohmann::json::parse(fm::to_json(memory_.latest()));
  std::ofstream out(opt_.report);
  out << r.dump(2) << '\n';
  if (!out) throw std::runtime_error("cannot write report '" + opt_.report + "'");
}

int run_app(const AppOptions& options) {
  App app(options);
  return app.run();
}

}  // namespace demo
