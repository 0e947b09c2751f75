// Specification of fm/system/usage_report.hpp.
#include "fm/system/usage_report.hpp"

#include <doctest/doctest.h>

#include <array>
#include <string>

#include "fm/system/memory_system.hpp"

TEST_CASE("the usage report lists every system indented by scope, with used bytes, call counts and budgets") {
  std::array<fm::SystemSnapshot, 2> rows{};
  rows[0].name = "entities";
  rows[0].kind = "scope";
  rows[0].total_bytes_used = 4096;
  rows[0].budget = 1024;
  rows[0].over_budget = true;
  rows[1].name = "entities/ai";
  rows[1].kind = "pool";
  rows[1].depth = 1;
  rows[1].has_allocator = true;
  rows[1].bytes_used = 4096;
  rows[1].total_bytes_used = 4096;
  rows[1].allocations_total = 10;
  rows[1].frees_total = 3;
  fm::Snapshot s;
  s.frame = 42;
  s.budget_overruns = 3;
  s.systems = rows;
  CHECK(fm::usage_report(s) == "frame 42, 2 systems, 3 budget overruns\n"
                               "  entities  scope  used 4096 B  budget 1024 B (400%)  OVER BUDGET\n"
                               "    entities/ai  pool  used 4096 B [own 4096 B, 10 allocations, 3 frees]\n");
}

TEST_CASE("the usage report labels the frame arena's figures and shows no live count for its no-op frees") {
  fm::MemorySystem ms({.frame_arena = {.capacity = 4096}});
  for (int frame = 0; frame < 3; ++frame) {
    ms.begin_frame();
    for (int i = 0; i < 10; ++i) (void)ms.frame_arena().allocate(64, 8);
    ms.end_frame();
  }
  const std::string report = fm::usage_report(ms.latest());
  const std::string frame_line = report.substr(report.find("  frame  "));
  // Individual frees of an arena are no-ops, so allocations minus frees counts nothing that is live.
  CHECK(frame_line.find("live") == std::string::npos);
  CHECK(frame_line.find("used 1280 B") != std::string::npos);  // this frame's 640 B plus the previous frame's
}

TEST_CASE("the usage report shows hard and per-frame budgets and which budgets a system did not keep") {
  fm::MemorySystem ms;
  fm::NewAllocator heap;
  ms.add_system("net", heap, "heap", fm::Budget{.soft = 10, .hard = 100, .per_frame_allocations = 0});
  ms.begin_frame();
  void* p = ms.system("net").allocate(60);
  CHECK(ms.system("net").try_allocate(60) == nullptr);
  ms.end_frame();
  const std::string report = fm::usage_report(ms.latest());
  CHECK(report.substr(report.find("  net  ")) ==
        "  net  heap  used 60 B [own 60 B, 1 allocations, 0 frees]  budget 10 B (600%)  hard budget 100 B (1 refused)"
        "  per-frame budget 0 allocations (1 this frame, over)  OVER BUDGET\n");
  ms.system("net").deallocate(p, 60);
}
