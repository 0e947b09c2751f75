// The demo's JSON report: switches with their checksums, per-segment costs, the particle update against a
// streaming reference, cache figures, resident size, and the last memory snapshot.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "demo_app.hpp"
#include "fm/system/snapshot_json.hpp"

namespace demo {

// Plain read(2) into a stack buffer: sampling must not allocate, or it would show up in the frame's heap
// traffic.
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

double App::measure_stream_reference() {
  // The same bytes as the SoA update (position, velocity, age), as plain float arrays, on every worker.
  const std::size_t n = std::max<std::size_t>(stores_.particles().size(), 1);
  std::vector<float> pos(2 * n, 1.0f), vel(2 * n, 0.5f), age(n, 0.0f);
  double best = 1e300;
  const Workers::Burst back_to_back(workers_);
  for (int rep = 0; rep < 7; ++rep) {
    const auto t0 = clock_type::now();
    workers_.parallel_for(n, [&](std::size_t b, std::size_t e) {
      fm::sim::stream_reference(std::span(pos).subspan(2 * b, 2 * (e - b)), std::span(vel).subspan(2 * b, 2 * (e - b)),
                                std::span(age).subspan(b, e - b), frame_dt);
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

}  // namespace demo
