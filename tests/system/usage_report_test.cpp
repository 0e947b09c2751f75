// Specification of fm/system/usage_report.hpp.
#include "fm/system/usage_report.hpp"

#include <doctest/doctest.h>

TEST_CASE("the usage report lists every system indented by scope, with totals, live counts and budgets") {
  fm::Snapshot s;
  s.frame = 42;
  s.budget_overruns = 3;
  s.system_count = 2;
  REQUIRE(s.systems[0].name.assign("entities"));
  REQUIRE(s.systems[0].kind.assign("scope"));
  s.systems[0].total_bytes_used = 4096;
  s.systems[0].budget = 1024;
  s.systems[0].over_budget = true;
  REQUIRE(s.systems[1].name.assign("entities/ai"));
  REQUIRE(s.systems[1].kind.assign("pool"));
  s.systems[1].depth = 1;
  s.systems[1].has_allocator = true;
  s.systems[1].bytes_used = 4096;
  s.systems[1].total_bytes_used = 4096;
  s.systems[1].allocations_total = 10;
  s.systems[1].frees_total = 3;
  CHECK(fm::usage_report(s) == "frame 42, 2 systems, 3 budget overruns\n"
                               "  entities  scope  used 0 B (total 4096 B)  budget 1024 B  OVER BUDGET\n"
                               "    entities/ai  pool  used 4096 B (total 4096 B)  live 7\n");
}
