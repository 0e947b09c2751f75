// The frame loop of the demo: simulate, render, draw the overlay, end the memory system's frame and keep
// the figures the report needs. Every number shown or reported is measured here or read from the memory
// system's snapshots.
#include "demo_app.hpp"

#include <algorithm>

#include "screenshot.hpp"
#include "stores.hpp"

namespace demo {

namespace {

constexpr int warmup_frames = 15;      // frames after a switch before a segment counts as steady
constexpr int cache_sample_every = 30; // frames between cache-model samples
constexpr std::size_t entity_page_bytes = 16384;  // fm::PageTable's default page, what the HandlePool asks for
constexpr std::size_t entity_page_align = 64;
// The frame arena holds this frame's buffer and the previous one's: over both, it has chained extra chunks.
constexpr std::size_t frame_arena_capacity = 8u << 20;
constexpr std::size_t frame_budget = 2 * frame_arena_capacity;

}  // namespace

App::App(const AppOptions& options)
    : opt_(options),
      workers_(options.threads == 0 ? std::thread::hardware_concurrency() : options.threads),
      memory_({.frame_arena = {.capacity = frame_arena_capacity, .name = "frame"}, .frame_budget = frame_budget}),
      particle_pool_(sizeof(ParticleRecord), alignof(ParticleRecord), {.blocks_per_page = 1024, .name = "particles/pool"}),
      particle_debug_pool_(fm::Guarded<fm::Pool&>::inner_size(sizeof(ParticleRecord), alignof(ParticleRecord)),
                           alignof(ParticleRecord), {.blocks_per_page = 1024, .name = "particles/debug-pool"}),
      entity_pages_(entity_page_bytes, entity_page_align, {.blocks_per_page = 8, .name = "entities/pages"}),
      entity_debug_pages_(fm::Guarded<fm::Pool&>::inner_size(entity_page_bytes, entity_page_align), entity_page_align,
                          {.blocks_per_page = 8, .name = "entities/debug-pages"}),
      stores_(options.scenario.modes, register_systems(),
              {particle_debug_, column_debug_, entity_debug_}, memory_.recordable_system("frame")),
      rng_(options.scenario.seed),
      dashboard_(memory_, {.game_slot_height = 300}),
      target_particles_(options.scenario.particles),
      target_entities_(options.scenario.entities) {
  if (options.render) {
    platform_.emplace(WindowOptions{.headless = options.headless, .vsync = options.vsync});
    renderer_.emplace(options.assets + "/shaders", world_width, world_height);
  }
  if (!options.snapshot_log.empty()) {
    snapshot_log_ = std::fopen(options.snapshot_log.c_str(), "w");
    if (snapshot_log_ == nullptr) throw std::runtime_error("cannot write snapshot log '" + options.snapshot_log + "'");
  }
  dashboard_.keyboard = false;  // every key press arrives through handle_keys(), even several in one frame
  if (!opt_.record.empty()) recording_.start(memory_, opt_.record);
  if (!opt_.comparison.empty()) comparison_ = load_comparison(opt_.comparison);
  memory_.on_end_frame([this] { stores_.entities().end_frame(); });
  spawn_buffer_.reserve(static_cast<std::size_t>(std::max(1, target_particles_)));
  spawn_entities();
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
  memory_.add_scope("entities", 64u << 20);
  memory_.add_pool("entities/pages", entity_pages_);
  memory_.add_pool("entities/debug-pages", entity_debug_pages_);
  return {memory_.recordable_system("particles/pool"), memory_.recordable_system("particles/columns"),
          memory_.recordable_system("entities/pages")};
}

App::~App() {
  if (snapshot_log_ != nullptr) std::fclose(snapshot_log_);
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
  const bool advance = dashboard_.timeline().live() || step_once_;
  double sim_ns = 0;
  if (advance) {
    memory_.begin_frame();
    const auto t0 = clock_type::now();
    simulate();
    sim_ns = ms_since(t0) * 1e6;
    if (frame_ % cache_sample_every == 0 || !cache_sampled_) sample_cache();
  }
  const auto t1 = clock_type::now();
  if (platform_) {
    render_world(advance);
    platform_->begin_ui_frame();
    draw_ui();
    platform_->render_ui();
    renderer_->finish();
  }
  const double render_ms = ms_since(t1);
  if (advance) end_game_frame(sim_ns, render_ms);
  if (step_once_) {
    step_once_ = false;
    dashboard_.timeline().show_newest();  // still paused, on the frame just made
  }
  if (!platform_) return;
  // The screenshot is taken after the frame's accounting: its read-back buffer is not the game's traffic.
  const bool last = opt_.frames != 0 && frame_ + 1 == opt_.frames;
  if (last && !opt_.screenshot.empty()) {
    write_png(capture_back_buffer(platform_->width(), platform_->height()), opt_.screenshot);
  }
  platform_->present();
}

void App::end_game_frame(double sim_ns, double render_ms) {
  const std::uint64_t mallocs = stores_.scratch().mallocs_this_frame();
  const std::uint64_t malloc_bytes = stores_.scratch().malloc_bytes_this_frame();
  stores_.scratch().end_frame();
  const std::uint64_t frame = memory_.frame();
  memory_.end_frame();
  render_ms_.push(static_cast<float>(render_ms), frame);
  log_snapshot();
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
}

void App::spawn_entities() {
  while (stores_.entities().size() < static_cast<std::size_t>(target_entities_)) {
    fm::sim::EntityState s{};
    s.id = next_entity_id_++;
    s.x = std::uniform_real_distribution<float>(0, world_width)(rng_);
    s.y = std::uniform_real_distribution<float>(0, world_height)(rng_);
    s.team = s.id % 4;
    s.health = 100.0f;
    stores_.entities().spawn({s, 0}, rng_);
  }
}

void App::simulate() {
  const auto t0 = clock_type::now();
  particles_lost_targets_ += stores_.entities().update(frame_dt, rng_, stores_.scratch());
  const auto churn = static_cast<std::size_t>(opt_.scenario.churn * static_cast<double>(stores_.entities().size()));
  stores_.entities().destroy_random(churn, rng_);
  spawn_entities();
  emit_particles();
  spend_scratch_spike();
  const auto t1 = clock_type::now();
  perf_.start();
  stores_.particles().integrate(frame_dt, workers_);
  perf_reading_ = perf_.stop();
  const double integrate_ms = ms_since(t1);
  if (stores_.particles().size() > 0) {
    ns_per_particle_.push(static_cast<float>(integrate_ms * 1e6 / static_cast<double>(stores_.particles().size())),
                          memory_.frame());
  }
  (void)stores_.particles().remove_expired();
  sim_ms_.push(static_cast<float>(ms_since(t0)), memory_.frame());
  now_ += frame_dt;
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

void App::render_world(bool new_frame) {
  renderer_->begin_frame(platform_->width(), platform_->height());
  if (!new_frame) return renderer_->redraw();
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

int run_app(const AppOptions& options) {
  App app(options);
  return app.run();
}

}  // namespace demo
