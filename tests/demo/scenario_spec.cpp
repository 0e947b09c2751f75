// Specification of the demo's scenario files: shipped scenarios parse, bad ones name file, field and expectation.
#include "scenario.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {
std::string rejection(const std::string& text) {
  try {
    (void)demo::parse_scenario(text, "test.json");
  } catch (const demo::ScenarioError& e) {
    return e.what();
  }
  return "accepted";
}
}  // namespace

TEST_CASE("shipped scenarios parse and toggle_tour visits every storage mode") {
  for (const char* name : {"default", "toggle_tour", "stress", "bandwidth", "soak", "overrun"}) {
    CAPTURE(name);
    CHECK_NOTHROW((void)demo::load_scenario(std::string(FM_ASSETS_DIR) + "/scenarios/" + name + ".json"));
  }
  const auto tour = demo::load_scenario(std::string(FM_ASSETS_DIR) + "/scenarios/toggle_tour.json");
  bool particles[3] = {}, entities[3] = {}, scratch[2] = {};
  particles[static_cast<int>(tour.modes.particles)] = entities[static_cast<int>(tour.modes.entities)] = true;
  scratch[static_cast<int>(tour.modes.scratch)] = true;
  bool debug_on = false;
  for (const auto& s : tour.steps) {
    if (s.particles) particles[static_cast<int>(*s.particles)] = true;
    if (s.entities) entities[static_cast<int>(*s.entities)] = true;
    if (s.scratch) scratch[static_cast<int>(*s.scratch)] = true;
    debug_on = debug_on || s.debug_layer.value_or(false);
  }
  CHECK((particles[0] && particles[1] && particles[2]));
  CHECK((entities[0] && entities[1] && entities[2]));
  CHECK((scratch[0] && scratch[1]));
  CHECK(debug_on);
}

TEST_CASE("a scenario sets counts, modes and ordered steps") {
  const auto sc = demo::parse_scenario(
      R"({"name":"x","particles":5000,"entities":40,"modes":{"particles":"soa","scratch":"frame_arena"},
          "steps":[{"frame":3,"entities":"shared"},{"frame":9,"particle_count":100,"compact":true}]})",
      "t.json");
  CHECK(sc.particles == 5000);
  CHECK(sc.entities == 40);
  CHECK(sc.modes.particles == demo::ParticleMode::soa);
  CHECK(sc.modes.entities == demo::EntityMode::raw);
  CHECK(sc.modes.scratch == demo::ScratchMode::frame_arena);
  REQUIRE(sc.steps.size() == 2);
  CHECK(sc.steps[0].entities == demo::EntityMode::shared);
  CHECK(sc.steps[1].particle_count == 100);
  CHECK(sc.steps[1].compact == true);
}

TEST_CASE("a scenario step can spend a scratch spike and jump to the last overrun") {
  const auto sc = demo::parse_scenario(
      R"({"name":"x","particles":1,"entities":1,
          "steps":[{"frame":4,"scratch_spike_mib":24},{"frame":9,"last_overrun":true}]})",
      "t.json");
  REQUIRE(sc.steps.size() == 2);
  CHECK(sc.steps[0].scratch_spike_mib == 24);
  CHECK_FALSE(sc.steps[0].last_overrun.has_value());
  CHECK(sc.steps[1].last_overrun == true);
  CHECK(rejection(R"({"name":"x","particles":1,"entities":1,"steps":[{"frame":5,"scratch_spike_mib":0}]})") ==
        "scenario 'test.json': field 'steps[0].scratch_spike_mib': expected an integer from 1 to 256, got 0");
}

TEST_CASE("bad scenarios are rejected with the file, the field and what was expected") {
  CHECK(rejection(R"({"name":"x","particles":10})") ==
        "scenario 'test.json': field 'entities': expected a value (the field is missing)");
  CHECK(rejection(R"({"name":"x","particles":10,"entities":1,"modes":{"entities":"gc"}})") ==
        "scenario 'test.json': field 'modes.entities': expected one of raw, shared, handles, got \"gc\"");
  CHECK(rejection(R"({"name":"x","particles":3000000,"entities":1})") ==
        "scenario 'test.json': field 'particles': expected an integer from 0 to 2000000, got 3000000");
  CHECK(rejection(R"({"name":"x","particles":1,"entities":1,"steps":[{"frame":5}]})") ==
        "scenario 'test.json': field 'steps[0]': expected at least one change besides 'frame'");
  CHECK(rejection(R"({"name":"x","particles":1,"entities":1,"steps":[{"frame":5,"debug":true},{"frame":2,"debug":false}]})") ==
        "scenario 'test.json': field 'steps[1].frame': expected frames in increasing order (previous step is at frame 5)");
  CHECK(rejection(R"({"name":"x","particles":1,"entities":1,"colour":"red"})").find("field 'colour'") != std::string::npos);
  CHECK(rejection("{\n\"name\": \"x\",\n}").rfind("scenario 'test.json': line 3: not valid JSON", 0) == 0);
}

TEST_CASE("a scenario's steps can repeat, with a period longer than the last step") {
  const auto sc = demo::parse_scenario(
      R"({"name":"x","particles":1,"entities":1,"repeat_every":50,"steps":[{"frame":49,"debug":true}]})", "t.json");
  CHECK(sc.repeat_every == 50);
  CHECK(demo::parse_scenario(R"({"name":"x","particles":1,"entities":1})", "t.json").repeat_every == 0);
  CHECK(rejection(R"({"name":"x","particles":1,"entities":1,"repeat_every":40,"steps":[{"frame":40,"debug":true}]})") ==
        "scenario 'test.json': field 'repeat_every': expected an integer from 41 to 1000000, got 40");
}
