// Strict scenario parsing: unknown fields, wrong types, out-of-range counts and unknown modes are all
// rejected with the file, the field path and what was expected.
#include "scenario.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace demo {

namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& expected, const json* got = nullptr) const {
    std::string msg = "scenario '" + origin_ + "': field '" + field + "': expected " + expected;
    if (got != nullptr) msg += ", got " + got->dump();
    throw ScenarioError(msg);
  }

  void only_keys(const json& obj, const std::string& where, const std::set<std::string>& allowed) const {
    for (const auto& [key, value] : obj.items()) {
      if (!allowed.contains(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(where.empty() ? key : where + "." + key, "one of the known fields (" + list + ")");
      }
    }
  }

  int integer(const json& v, const std::string& field, int lo, int hi) const {
    if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > hi) {
      fail(field, "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), &v);
    }
    return v.get<int>();
  }

  double number(const json& v, const std::string& field, double lo, double hi) const {
    if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
      std::ostringstream range;
      range << "a number from " << lo << " to " << hi;
      fail(field, range.str(), &v);
    }
    return v.get<double>();
  }

  bool boolean(const json& v, const std::string& field) const {
    if (!v.is_boolean()) fail(field, "true or false", &v);
    return v.get<bool>();
  }

  template <class E, std::size_t N>
  E mode(const json& v, const std::string& field, const std::array<ModeInfo<E>, N>& table) const {
    if (v.is_string()) {
      if (auto m = mode_from_key(table, v.get<std::string>())) return *m;
    }
    fail(field, "one of " + mode_keys(table), &v);
  }

  const json& required(const json& obj, const std::string& key, const std::string& where) const {
    if (!obj.contains(key)) fail(where.empty() ? key : where + "." + key, "a value (the field is missing)");
    return obj.at(key);
  }

 private:
  std::string origin_;
};

void read_modes(const Reader& r, const json& m, Modes& modes) {
  if (!m.is_object()) r.fail("modes", "an object with particles, entities, scratch, debug", &m);
  r.only_keys(m, "modes", {"particles", "entities", "scratch", "debug"});
  if (m.contains("particles")) modes.particles = r.mode(m["particles"], "modes.particles", particle_modes);
  if (m.contains("entities")) modes.entities = r.mode(m["entities"], "modes.entities", entity_modes);
  if (m.contains("scratch")) modes.scratch = r.mode(m["scratch"], "modes.scratch", scratch_modes);
  if (m.contains("debug")) modes.debug_layer = r.boolean(m["debug"], "modes.debug");
}

ScenarioStep read_step(const Reader& r, const json& s, const std::string& where) {
  if (!s.is_object()) r.fail(where, "an object with a frame and one or more changes", &s);
  r.only_keys(s, where,
              {"frame", "particles", "entities", "scratch", "debug", "particle_count", "compact", "release_pages",
               "scratch_spike_mib", "last_overrun"});
  ScenarioStep step;
  step.frame = r.integer(r.required(s, "frame", where), where + ".frame", 0, 1'000'000);
  if (s.contains("particles")) step.particles = r.mode(s["particles"], where + ".particles", particle_modes);
  if (s.contains("entities")) step.entities = r.mode(s["entities"], where + ".entities", entity_modes);
  if (s.contains("scratch")) step.scratch = r.mode(s["scratch"], where + ".scratch", scratch_modes);
  if (s.contains("debug")) step.debug_layer = r.boolean(s["debug"], where + ".debug");
  if (s.contains("particle_count")) {
    step.particle_count = r.integer(s["particle_count"], where + ".particle_count", 0, max_particles);
  }
  if (s.contains("compact")) step.compact = r.boolean(s["compact"], where + ".compact");
  if (s.contains("release_pages")) step.release_pages = r.boolean(s["release_pages"], where + ".release_pages");
  if (s.contains("scratch_spike_mib")) {
    step.scratch_spike_mib = r.integer(s["scratch_spike_mib"], where + ".scratch_spike_mib", 1, max_scratch_spike_mib);
  }
  if (s.contains("last_overrun")) step.last_overrun = r.boolean(s["last_overrun"], where + ".last_overrun");
  if (s.size() == 1) r.fail(where, "at least one change besides 'frame'");
  return step;
}

// nlohmann reports a byte offset; people read lines.
int line_of(const std::string& text, std::size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& origin) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw ScenarioError("scenario '" + origin + "': line " + std::to_string(line_of(text, e.byte)) +
                        ": not valid JSON (" + e.what() + ")");
  }
  const Reader r(origin);
  if (!doc.is_object()) r.fail("(top level)", "an object", &doc);
  r.only_keys(doc, "",
              {"name", "particles", "entities", "churn", "particle_life", "seed", "modes", "steps", "repeat_every"});

  Scenario sc;
  const json& name = r.required(doc, "name", "");
  if (!name.is_string() || name.get<std::string>().empty()) r.fail("name", "a non-empty string", &name);
  sc.name = name.get<std::string>();
  sc.particles = r.integer(r.required(doc, "particles", ""), "particles", 0, max_particles);
  sc.entities = r.integer(r.required(doc, "entities", ""), "entities", 0, max_entities);
  if (doc.contains("churn")) sc.churn = r.number(doc["churn"], "churn", 0.0, 0.5);
  if (doc.contains("particle_life")) sc.particle_life = r.number(doc["particle_life"], "particle_life", 0.1, 60.0);
  if (doc.contains("seed")) sc.seed = static_cast<std::uint32_t>(r.integer(doc["seed"], "seed", 0, 2'000'000'000));
  if (doc.contains("modes")) read_modes(r, doc["modes"], sc.modes);
  if (doc.contains("steps")) {
    const json& steps = doc["steps"];
    if (!steps.is_array()) r.fail("steps", "an array of steps", &steps);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      sc.steps.push_back(read_step(r, steps[i], "steps[" + std::to_string(i) + "]"));
    }
    for (std::size_t i = 1; i < sc.steps.size(); ++i) {
      if (sc.steps[i].frame < sc.steps[i - 1].frame) {
        r.fail("steps[" + std::to_string(i) + "].frame",
               "frames in increasing order (previous step is at frame " + std::to_string(sc.steps[i - 1].frame) + ")");
      }
    }
  }
  if (doc.contains("repeat_every")) {
    const int last = sc.steps.empty() ? 0 : sc.steps.back().frame;
    sc.repeat_every = r.integer(doc["repeat_every"], "repeat_every", last + 1, 1'000'000);
  }
  return sc;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScenarioError("scenario '" + path + "': cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace demo
