// Checks the demo's headless output as a person would: the report's switches kept every particle and
// entity, the zero-allocation mode really allocated nothing per frame, a soak's memory did not grow, and
// the screenshot is a real frame (many colours, overlay text drawn). Exit 0 when every check holds; each
// failure is printed.
#include <stb_image.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok:  " : "FAIL:", what.c_str());
  if (!ok) ++failures;
}

bool segment_is(const nlohmann::json& seg, const char* particles, const char* entities, const char* scratch) {
  return seg.at("particles") == particles && seg.at("entities") == entities && seg.at("scratch") == scratch &&
         seg.at("debug") == false;
}

// A segment with the debug layer on says, per store, what the layer checked: nothing for stores on the
// global heap (AoS on heap, new/delete, shared_ptr), their blocks or pages for the framemem stores.
void check_debug_coverage(const nlohmann::json& seg) {
  const std::string where = "segment from frame " + std::to_string(seg.at("first_frame").get<int>());
  expect(seg.contains("debug_checks"), where + " (debug layer on) says what the layer checks");
  if (!seg.contains("debug_checks")) return;
  const auto says_nothing = [&](const char* store) {
    return seg["debug_checks"].at(store).get<std::string>().starts_with("nothing");
  };
  const bool heap_particles = seg.at("particles") == "aos_heap";
  const bool heap_entities = seg.at("entities") != "handles";
  expect(says_nothing("particles") == heap_particles,
         where + ": particles in " + seg.at("particles").get<std::string>() + " -> " +
             seg["debug_checks"]["particles"].get<std::string>());
  expect(says_nothing("entities") == heap_entities,
         where + ": entities in " + seg.at("entities").get<std::string>() + " -> " +
             seg["debug_checks"]["entities"].get<std::string>());
}

void check_report(const std::string& path, int expected_switches) {
  std::ifstream in(path);
  expect(static_cast<bool>(in), "report " + path + " exists");
  if (!in) return;
  const auto report = nlohmann::json::parse(in);
  expect(report.at("heap_counter_available") == true, "heap allocations were counted (fm::new_counter linked)");
  const auto& switches = report.at("switches");
  expect(static_cast<int>(switches.size()) >= expected_switches,
         "at least " + std::to_string(expected_switches) + " switches recorded (got " +
             std::to_string(switches.size()) + ")");
  for (const auto& s : switches) {
    const std::string name = s.at("store").get<std::string>() + " " + s.at("from").get<std::string>() + " -> " +
                             s.at("to").get<std::string>() + " at frame " + std::to_string(s.at("frame").get<int>());
    expect(s.at("accepted") == true, name + " accepted");
    expect(s.at("checksum_before") == s.at("checksum_after") && s.at("count_before") == s.at("count_after"),
           name + " keeps every object (checksum " + s.at("checksum_before").get<std::string>() + ")");
  }
  bool saw_debug = false;
  for (const auto& seg : report.at("segments")) {
    if (seg.at("debug") == true) {
      saw_debug = true;
      check_debug_coverage(seg);
    }
  }
  expect(saw_debug, "report has a segment with the debug layer on");
  bool saw_zero_mode = false;
  bool saw_heap_mode = false;
  for (const auto& seg : report.at("segments")) {
    if (seg.at("steady_frames").get<int>() < 5) continue;
    const double allocs = seg.at("heap_allocations_per_frame").get<double>();
    if (segment_is(seg, "soa", "handles", "frame_arena")) {
      saw_zero_mode = true;
      expect(allocs == 0.0, "SoA + HandlePool + FrameArena: zero heap allocations per frame (got " +
                                std::to_string(allocs) + ")");
    }
    if (segment_is(seg, "aos_heap", "raw", "malloc")) {
      saw_heap_mode = true;
      expect(allocs > 10.0, "AoS on heap + new/delete + malloc: heap allocations every frame (got " +
                                std::to_string(allocs) + ")");
    }
  }
  expect(saw_zero_mode, "report has a steady SoA + HandlePool + FrameArena segment");
  expect(saw_heap_mode, "report has a steady AoS-on-heap + new/delete + malloc segment");
}

// A soak: every switch of every repeat kept every object, the framemem-only modes allocated nothing from
// the heap in any steady frame, and the resident size did not grow from the first repeat to the last.
void check_soak(const std::string& path, int expected_switches, long long max_growth_kib) {
  std::ifstream in(path);
  expect(static_cast<bool>(in), "report " + path + " exists");
  if (!in) return;
  const auto report = nlohmann::json::parse(in);
  int checked = 0, kept = 0;
  for (const auto& s : report.at("switches")) {
    ++checked;
    const bool same = s.at("accepted") == true && s.at("checksum_before") == s.at("checksum_after");
    kept += same ? 1 : 0;
    if (!same) expect(false, "switch " + s.dump() + " kept every object");
  }
  expect(checked >= expected_switches && kept == checked,
         std::to_string(kept) + " of " + std::to_string(checked) + " switches kept every object (checksums equal; at least " +
             std::to_string(expected_switches) + " expected)");
  int zero_segments = 0;
  long long steady = 0;
  double allocations = 0;
  for (const auto& seg : report.at("segments")) {
    const bool framemem_only = seg.at("particles") != "aos_heap" && seg.at("entities") == "handles" &&
                               seg.at("scratch") == "frame_arena" && seg.at("debug") == false;
    if (!framemem_only || seg.at("steady_frames").get<int>() == 0) continue;
    ++zero_segments;
    steady += seg.at("steady_frames").get<long long>();
    allocations += seg.at("heap_allocations_per_frame").get<double>() * seg.at("steady_frames").get<double>();
  }
  expect(zero_segments > 0 && allocations == 0.0,
         std::to_string(zero_segments) + " framemem-only segments, " + std::to_string(steady) +
             " steady frames: " + std::to_string(allocations) + " heap allocations in all of them");
  const auto& rss = report.at("resident_kib");
  const long long first = rss.at("first").get<long long>(), last = rss.at("last").get<long long>();
  std::printf("      resident size: %lld KiB at the first repeat, %lld KiB at the last, %lld KiB max, %d samples\n",
              first, last, rss.at("max").get<long long>(), rss.at("samples").get<int>());
  if (max_growth_kib >= 0) {
    expect(rss.at("samples").get<int>() >= 2 && last - first <= max_growth_kib,
           "resident size grew by " + std::to_string(last - first) + " KiB (at most " + std::to_string(max_growth_kib) +
               " allowed)");
  }
  std::printf("      %d frames in %.1f s\n", report.at("frames").get<int>(), report.at("run_seconds").get<double>());
}

void check_png(const std::string& path) {
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(path.c_str(), &w, &h, &n, 3);
  expect(px != nullptr, "screenshot " + path + " decodes as an image");
  if (px == nullptr) return;
  std::set<unsigned> colours;
  const auto at = [&](int x, int y) {
    const unsigned char* p = px + (static_cast<std::size_t>(y) * w + x) * 3;
    return static_cast<unsigned>(p[0]) << 16 | static_cast<unsigned>(p[1]) << 8 | p[2];
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) colours.insert(at(x, y));
  }
  expect(colours.size() >= 200, "screenshot has many distinct colours (" + std::to_string(colours.size()) + ")");
  // The overlay occupies the left column: its text and widgets differ from the window background.
  const unsigned background = at(w - 1, h - 1);
  int differing = 0, total = 0;
  for (int y = 0; y < h; y += 2) {
    for (int x = 0; x < w / 3; x += 2, ++total) differing += at(x, y) != background ? 1 : 0;
  }
  expect(differing * 4 > total, "overlay region is drawn (" + std::to_string(100 * differing / total) + "% non-background)");
  stbi_image_free(px);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: demo_check report <report.json> <min-switches> | png <screenshot.png>\n"
                 "       demo_check soak <report.json> <min-switches> <max-resident-growth-KiB, -1: not checked>\n");
    return 2;
  }
  const std::string what = argv[1];
  if (what == "report" && argc == 4) {
    check_report(argv[2], std::stoi(argv[3]));
  } else if (what == "soak" && argc == 5) {
    check_soak(argv[2], std::stoi(argv[3]), std::stoll(argv[4]));
  } else if (what == "png") {
    check_png(argv[2]);
  } else {
    std::fprintf(stderr, "demo_check: unknown check '%s'\n", what.c_str());
    return 2;
  }
  return failures == 0 ? 0 : 1;
}
