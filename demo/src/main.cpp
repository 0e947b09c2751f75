// framemem-demo entry point: parses the command line (CLI11), loads and validates the scenario before
// anything runs, then runs the frame loop in a window or headless.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "app.hpp"

namespace {

// Exit statuses: 0 ok, 1 runtime failure, 2 bad input (command line or scenario).
constexpr int bad_input = 2;

template <class E, std::size_t N>
void override_mode(const std::string& flag, const std::string& value, const std::array<demo::ModeInfo<E>, N>& table,
                   E& target) {
  if (value.empty()) return;
  if (const auto m = demo::mode_from_key(table, value)) {
    target = *m;
  } else {
    throw demo::ScenarioError("option " + flag + ": expected one of " + demo::mode_keys(table) + ", got \"" + value + "\"");
  }
}

}  // namespace

int main(int argc, char** argv) {
  demo::AppOptions opt;
  std::string scenario_path;
  std::string particles_mode, entities_mode, scratch_mode;
  int particles = -1;
  bool no_vsync = false;

  CLI::App cli{"framemem demo: particles and entities on framemem, with a live memory overlay.\n"
               "Keys: 1/2/3 particle store, 4/5/6 entity store, 7/8 scratch, d debug layer, space pause, s step,\n"
               "Left/Right (Shift: 10) scrub the paused history, Home/End its oldest/newest frame."};
  cli.add_flag("--headless", opt.headless, "Render to a hidden window (with --frames, --screenshot, --report)");
  bool no_render = false;
  cli.add_flag("--no-render", no_render,
               "No window, GL or overlay: simulation, switches and report only (soaks); implies --headless");
  cli.add_option("--frames", opt.frames, "Frames to run (0 = until the window is closed)")->check(CLI::NonNegativeNumber);
  cli.add_option("--screenshot", opt.screenshot, "Write the last frame, overlay included, as PNG");
  cli.add_option("--report", opt.report, "Write a JSON report: switches, checksums, per-mode costs, cache figures");
  cli.add_option("--scenario", scenario_path, "Scenario file (assets/scenarios/*.json); default: assets' default.json");
  cli.add_option("--assets", opt.assets, "Folder with scenarios/ and shaders/")->check(CLI::ExistingDirectory);
  cli.add_option("--particles", particles, "Live particle count (overrides the scenario)")
      ->check(CLI::Range(0, demo::max_particles));
  cli.add_option("--particles-mode", particles_mode, "Starting particle store: aos_heap, aos_pool, soa");
  cli.add_option("--entities-mode", entities_mode, "Starting entity store: raw, shared, handles");
  cli.add_option("--scratch-mode", scratch_mode, "Starting scratch memory: malloc, frame_arena");
  cli.add_option("--threads", opt.threads, "Worker threads for the particle update (0 = every core)");
  cli.add_flag("--no-vsync", no_vsync, "Do not wait for vertical sync in a window");
  cli.add_option("--record", opt.record, "Record the memory systems into a trace for framemem-replay");
  cli.add_option("--comparison", opt.comparison, "Show a framemem-replay --json comparison in the overlay");
  cli.add_option("--ui-map", opt.ui_map, "Write the screen positions of the mode buttons as JSON (for UI tests)");
  cli.add_option("--shown-file", opt.shown_file,
                 "Write the frame the panels show (live or paused) and its systems-table figures as JSON whenever it "
                 "changes (for UI tests)");
  cli.add_option("--snapshot-log", opt.snapshot_log, "Write every frame's memory snapshot as one JSON line (for UI tests)");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e) == 0 ? 0 : bad_input;
  }
  opt.vsync = !no_vsync;
  opt.render = !no_render;
  opt.headless = opt.headless || no_render;
  if (no_render && (!opt.screenshot.empty() || !opt.ui_map.empty() || !opt.shown_file.empty())) {
    std::fprintf(stderr,
                 "framemem-demo: --no-render draws nothing, so --screenshot, --ui-map and --shown-file cannot be used with it\n");
    return bad_input;
  }

  try {
    opt.scenario = demo::load_scenario(scenario_path.empty() ? opt.assets + "/scenarios/default.json" : scenario_path);
    override_mode("--particles-mode", particles_mode, demo::particle_modes, opt.scenario.modes.particles);
    override_mode("--entities-mode", entities_mode, demo::entity_modes, opt.scenario.modes.entities);
    override_mode("--scratch-mode", scratch_mode, demo::scratch_modes, opt.scenario.modes.scratch);
    if (particles >= 0) opt.scenario.particles = particles;
  } catch (const demo::ScenarioError& e) {
    std::fprintf(stderr, "framemem-demo: %s\n", e.what());
    return bad_input;
  }

  try {
    return demo::run_app(opt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "framemem-demo: %s\n", e.what());
    return 1;
  }
}
