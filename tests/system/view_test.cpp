// Specification of fm/system/view.hpp: the rows the overlay panels draw carry exactly the figures of a
// scripted workload whose answers are known, and agree with the budget check, the usage report and the JSON.
#include "fm/system/view.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/snapshot_json.hpp"
#include "fm/system/usage_report.hpp"

namespace {

std::vector<fm::SystemRow> rows(const fm::Snapshot& s) {
  std::vector<fm::SystemRow> out;
  for (std::size_t i = 0; i < s.systems.size(); ++i) out.push_back(fm::system_row(s, i));
  return out;
}

const fm::SystemRow& find_row(const std::vector<fm::SystemRow>& rows, std::string_view name) {
  for (const auto& r : rows) {
    if (r.name == name) return r;
  }
  FAIL("no row named ", name);
  return rows.front();
}

}  // namespace

TEST_CASE("the systems table shows children under their parent, by their last name part") {
  fm::MemorySystem ms;
  fm::NewAllocator ai, audio, late;
  ms.add_system("entities/ai", ai, "heap");
  ms.add_system("audio", audio, "heap");
  ms.add_system("entities/late", late, "heap");
  ms.begin_frame();
  ms.end_frame();
  std::vector<std::string> shown;
  for (const auto& r : rows(ms.latest())) shown.push_back(std::string(2 * r.indent, ' ') + std::string(r.label));
  CHECK(shown == std::vector<std::string>{"frame", "entities", "  ai", "  late", "audio"});
}

TEST_CASE("the systems table's budget bar is rolled-up used bytes over the budget, red exactly when over") {
  fm::MemorySystem ms;
  fm::Pool tiny(64, 8, {.blocks_per_page = 128, .name = "tiny"});  // one page of 8 KiB or more holding one 64-byte block
  ms.add_pool("tiny", tiny, 4096);
  fm::StackAllocator stack({.capacity = 1 << 20, .name = "stack"});
  ms.add_system("stack", stack, "stack", 1 << 20);
  fm::NewAllocator props;
  ms.add_scope("level", 1000);
  ms.add_system("level/props", props, "heap");
  void* t = tiny.allocate(64, 8);
  void* big = stack.allocate(300 * 1024, 16);
  void* p = props.allocate(1280);
  ms.begin_frame();
  ms.end_frame();
  const fm::Snapshot& s = ms.latest();
  const auto table = rows(s);

  const auto& tiny_row = find_row(table, "tiny");
  CHECK(tiny_row.figures.total_bytes_used == 64);
  CHECK(tiny_row.figures.total_bytes_reserved == tiny.stats().bytes_reserved);
  CHECK(tiny_row.figures.total_bytes_reserved > 4096);  // reserved bytes alone would read as over budget
  CHECK(tiny_row.budget_use == doctest::Approx(64.0 / 4096));  // not reserved/budget = 200%
  CHECK_FALSE(tiny_row.figures.over_budget);
  const auto& stack_row = find_row(table, "stack");
  CHECK(stack_row.budget_use == doctest::Approx(300.0 / 1024));  // not the whole 1 MiB buffer
  CHECK_FALSE(stack_row.figures.over_budget);
  const auto& level = find_row(table, "level");
  CHECK(level.figures.total_bytes_used == 1280);
  CHECK(level.budget_use == doctest::Approx(1.28));
  CHECK(level.figures.over_budget);
  CHECK(ms.budget_overruns() == 1);

  // The same quantity in the budget check, the JSON and the usage report, for every row.
  const auto j = nlohmann::json::parse(fm::to_json(s));
  const std::string report = fm::usage_report(s);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& r = table[i];
    INFO(r.name);
    CHECK(r.figures.over_budget == (r.figures.budget != 0 && r.figures.total_bytes_used > r.figures.budget));
    CHECK(j["systems"][i]["total_bytes_used"] == r.figures.total_bytes_used);
    CHECK(j["systems"][i]["over_budget"] == r.figures.over_budget);
    const std::string line = report.substr(report.find("  " + std::string(r.name) + "  "));
    CHECK(line.substr(0, line.find('\n')).ends_with("OVER BUDGET") == r.figures.over_budget);
  }
  tiny.deallocate(t, 64, 8);
  stack.deallocate(big, 300 * 1024, 16);
  props.deallocate(p, 1280);
}

TEST_CASE("the frame arena panel labels each figure once: this frame, held, capacity, high-water, padding, overflows") {
  fm::MemorySystem ms({.frame_arena = {.capacity = 4096}});
  const std::size_t per_frame[] = {640, 320};
  for (const std::size_t bytes : per_frame) {
    ms.begin_frame();
    for (std::size_t i = 0; i < bytes / 64; ++i) (void)ms.frame_arena().allocate(64, 8);
    ms.end_frame();
  }
  const fm::Snapshot& s = ms.latest();
  const fm::FrameArenaView v = fm::frame_arena_view(s);
  REQUIRE(v.available);
  std::vector<std::pair<std::string, std::uint64_t>> shown;
  for (const fm::Figure& f : v.figures) shown.emplace_back(f.label, f.value);
  CHECK(shown == std::vector<std::pair<std::string, std::uint64_t>>{{"this frame", 320},
                                                                     {"held (frames still readable)", 960},
                                                                     {"capacity per frame", 4096},
                                                                     {"high-water (largest frame)", 640},
                                                                     {"padding this frame", 0},
                                                                     {"overflow events (all frames)", 0}});
  CHECK_FALSE(v.figures[5].alert);
  // "held" is the frame system's used bytes: one figure, two places.
  CHECK(find_row(rows(s), "frame").figures.total_bytes_used == 960);
}

TEST_CASE("the frame arena panel shows overflow events in red") {
  fm::MemorySystem ms({.frame_arena = {.capacity = 256, .overflow = fm::OverflowPolicy::grow}});
  ms.begin_frame();
  (void)ms.frame_arena().allocate(1000, 8);
  ms.end_frame();
  const fm::FrameArenaView v = fm::frame_arena_view(ms.latest());
  CHECK(v.figures[5].value == 1);
  CHECK(v.figures[5].alert);
}
