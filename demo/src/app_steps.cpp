// The demo's frame boundaries: scenario steps, storage switches requested from the UI, the keyboard or a
// scenario, pool actions, and the segments of frames spent in one combination of modes.
#include <algorithm>
#include <cstring>

#include "demo_app.hpp"

namespace demo {

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
    if (s.scratch_spike_mib) scratch_spike_bytes_ = static_cast<std::size_t>(*s.scratch_spike_mib) << 20;
    if (s.last_overrun.value_or(false)) (void)dashboard_.timeline().show_last_overrun();
    requested_ = m;
    request_source_ = "scenario";
  }
}

// A burst of frame-arena scratch (a level chunk streamed in, say), written like real scratch. The arena
// chains a chunk for it, and the "frame" system holds more than its budget for this frame and the next,
// while the frame's memory stays readable.
void App::spend_scratch_spike() {
  if (scratch_spike_bytes_ == 0) return;
  void* burst = memory_.frame_arena().allocate(scratch_spike_bytes_, 64);
  std::memset(burst, 0x5c, scratch_spike_bytes_);
  scratch_spike_bytes_ = 0;
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
    entity_pages_.release_empty_pages();
    entity_debug_pages_.release_empty_pages();
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

}  // namespace demo
