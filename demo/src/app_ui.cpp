// The demo's UI: the overlay's dashboard (every panel, one timeline), the demo's own control window in the
// dashboard's game slot, keyboard shortcuts, and the files UI tests read (control positions, the frame
// the panels show, every frame's snapshot).
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "demo_app.hpp"
#include "fm/system/snapshot_json.hpp"
#include "fm/system/view.hpp"

namespace demo {

void App::draw_ui() {
  char l1[64], l2[64];
  std::snprintf(l1, sizeof l1, "simulated LRU, %zu KiB %zu-way", geometry_.l1d.size_bytes / 1024, geometry_.l1d.ways);
  std::snprintf(l2, sizeof l2, "simulated LRU, %zu KiB %zu-way", geometry_.l2.size_bytes / 1024, geometry_.l2.ways);
  const bool hw = perf_reading_.available;
  const double hw_l1 = hw && perf_reading_.l1d_read_accesses > 0
                           ? 100.0 * static_cast<double>(perf_reading_.l1d_read_misses) /
                                 static_cast<double>(perf_reading_.l1d_read_accesses)
                           : 0.0;
  const fm::CacheFigure figures[] = {
      {"line utilization", line_use_ * 100.0, true, "%", "from the layout"},
      {"L1d miss rate", l1d_miss_ * 100.0, cache_sampled_, "%", l1},
      {"L2 miss rate", l2_miss_ * 100.0, cache_sampled_, "%", l2},
      {"L1d miss rate (hardware)", hw_l1, hw, "%", "perf_event_open"},
  };
  const char* reason = hw ? nullptr : perf_reading_.unavailable_reason.data();
  const fm::overlay::CacheView cache{mode_info(particle_modes, stores_.modes().particles).label.data(), &ns_per_particle_,
                                     figures, reason};
  const fm::overlay::PoolActions actions = dashboard_.draw({&sim_ms_, &render_ms_}, &cache);
  pool_actions_.compact_handles |= actions.compact_handles;
  pool_actions_.release_empty_pages |= actions.release_empty_pages;

  const fm::overlay::ScreenRect slot = dashboard_.game_slot();
  ImGui::SetNextWindowPos({slot.x, slot.y}, ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowSize({slot.width, slot.height}, ImGuiCond_FirstUseEver);
  ImGui::SetNextWindowBgAlpha(0.82f);
  if (ImGui::Begin("Controls")) {
    draw_controls();
    ImGui::Separator();
    recording_.draw_panel(memory_);
  }
  ImGui::End();
  if (!opt_.comparison.empty()) {
    // In the middle, over the game: the left column under the controls is the memory systems table's.
    const fm::overlay::ScreenRect free = dashboard_.middle_slot(215);
    ImGui::SetNextWindowPos({free.x, free.y}, ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowSize({free.width, free.height}, ImGuiCond_FirstUseEver);
    ImGui::SetNextWindowBgAlpha(0.82f);
    if (ImGui::Begin("Replay comparison")) fm::overlay::draw_comparison_panel(comparison_);
    ImGui::End();
  }
  write_shown();
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
  fm::Timeline& timeline = dashboard_.timeline();
  if (ImGui::Button(timeline.live() ? "Pause game [space]" : "Resume [space]")) timeline.toggle_pause();
  ImGui::SameLine();
  if (ImGui::Button("Step one frame [s]")) step_once_ = !timeline.live();
  if (ImGui::Button("Scratch spike: 24 MiB in one frame")) scratch_spike_bytes_ = std::size_t{24} << 20;
  ImGui::SameLine();
  ImGui::TextDisabled("(over the frame budget)");
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
  using fm::overlay::TimelineKey;
  fm::Timeline& timeline = dashboard_.timeline();
  for (const Platform::KeyPress& k : platform_->key_presses()) {
    Modes m = requested_.value_or(stores_.modes());
    switch (k.key) {
      case SDLK_1: m.particles = ParticleMode::aos_heap; break;
      case SDLK_2: m.particles = ParticleMode::aos_pool; break;
      case SDLK_3: m.particles = ParticleMode::soa; break;
      case SDLK_4: m.entities = EntityMode::raw; break;
      case SDLK_5: m.entities = EntityMode::shared; break;
      case SDLK_6: m.entities = EntityMode::handles; break;
      case SDLK_7: m.scratch = ScratchMode::malloc; break;
      case SDLK_8: m.scratch = ScratchMode::frame_arena; break;
      case SDLK_d: m.debug_layer = !m.debug_layer; break;
      case SDLK_SPACE: fm::overlay::press(timeline, TimelineKey::toggle_pause); continue;
      case SDLK_s: step_once_ = !timeline.live(); continue;
      case SDLK_LEFT: fm::overlay::press(timeline, k.shift ? TimelineKey::back_many : TimelineKey::back); continue;
      case SDLK_RIGHT: fm::overlay::press(timeline, k.shift ? TimelineKey::forward_many : TimelineKey::forward); continue;
      case SDLK_HOME: fm::overlay::press(timeline, TimelineKey::oldest); continue;
      case SDLK_END: fm::overlay::press(timeline, TimelineKey::newest); continue;
      default: continue;
    }
    requested_ = m;
    request_source_ = "key";
  }
}

// What the panels show this frame: live or the paused frame's number, and the systems table's used bytes
// of every row (the view-model figures the table draws). Rewritten whenever that changes.
void App::write_shown() {
  if (opt_.shown_file.empty()) return;
  const fm::Timeline& timeline = dashboard_.timeline();
  const fm::Snapshot& s = timeline.shown();
  const std::pair<bool, std::uint64_t> now{timeline.live(), s.frame};
  if (now == shown_written_ || timeline.size() == 0) return;
  shown_written_ = now;
  nlohmann::json j{{"live", timeline.live()}, {"frame", s.frame}, {"newest", timeline.at(0).frame}};
  for (std::size_t i = 0; i < s.systems.size(); ++i) {
    const fm::SystemRow r = fm::system_row(s, i);
    j["systems"][std::string(r.name)] = {{"used", r.figures.total_bytes_used}, {"reserved", r.figures.total_bytes_reserved}};
  }
  const std::string partial = opt_.shown_file + ".part";
  std::ofstream(partial) << j.dump() << '\n';
  std::filesystem::rename(partial, opt_.shown_file);  // readers never see half a file
}

void App::log_snapshot() {
  if (snapshot_log_ == nullptr) return;
  json_buffer_.clear();
  fm::write_json(json_buffer_, memory_.latest());
  json_buffer_ += '\n';
  std::fwrite(json_buffer_.data(), 1, json_buffer_.size(), snapshot_log_);
  std::fflush(snapshot_log_);
}

}  // namespace demo
