// Scenario files (assets/scenarios/*.json): the starting population and modes, and timed steps that
// switch modes or counts. Parsing validates everything before anything runs; an error names the file,
// the line or field, and what was expected.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "modes.hpp"

namespace demo {

inline constexpr int max_particles = 2'000'000;
inline constexpr int max_entities = 100'000;

struct ScenarioStep {
  int frame = 0;
  std::optional<ParticleMode> particles;
  std::optional<EntityMode> entities;
  std::optional<ScratchMode> scratch;
  std::optional<bool> debug_layer;
  std::optional<int> particle_count;
  std::optional<bool> compact;        // compact the entity handles
  std::optional<bool> release_pages;  // release empty pool pages
  // Allocate this many MiB of frame-arena scratch in this frame, more than the "frame" system's budget: a
  // spike the timeline marks red.
  std::optional<int> scratch_spike_mib;
  std::optional<bool> last_overrun;   // pause the panels (and the game) on the newest frame over a budget
};

inline constexpr int max_scratch_spike_mib = 256;

struct Scenario {
  std::string name = "default";
  int particles = 200'000;    // target live particle count
  int entities = 10'000;      // target live entity count
  double churn = 0.02;        // share of entities destroyed and respawned per frame
  double particle_life = 3.0; // seconds
  std::uint32_t seed = 1;
  Modes modes{};
  std::vector<ScenarioStep> steps;  // sorted by frame
  // 0: the steps run once. Otherwise they start over every `repeat_every` frames (soaks), which must be
  // later than the last step's frame.
  int repeat_every = 0;
};

class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ScenarioError; never returns a partially valid scenario.
[[nodiscard]] Scenario load_scenario(const std::string& path);
[[nodiscard]] Scenario parse_scenario(const std::string& text, const std::string& origin);

}  // namespace demo
