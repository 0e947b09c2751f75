// Specification of fm/system/snapshot_json.hpp: the JSON parses (checked with nlohmann-json) and carries
// every field of the snapshot.
#include "fm/system/snapshot_json.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <array>

#include "fm/system/snapshot_fields.hpp"
#include "support/member_count.hpp"

namespace {

// A snapshot and the rows it refers to (in a memory system they live in its ring).
struct Sample {
  std::array<fm::SystemSnapshot, 2> systems{};
  std::array<fm::PoolSnapshot, 1> pools{};
  std::array<fm::PageSnapshot, 2> pages{{{0x7f0000001000, 3, 4, 0xffffffffffffffff}, {0x7f0000002000, 0, 4, 0}}};
  fm::Snapshot s;

  Sample() {
    s.frame = 42;
    s.frame_seconds = 0.0125;
    s.interval_seconds = 1.0 / 60;
    s.budget_overruns = 3;
    systems[0].name = "entities";
    systems[0].kind = "scope";
    systems[1].name = "entities/\"ai\"\\\n";
    systems[1].kind = "pool";
    systems[1].parent = 0;
    systems[1].pool = 0;
    systems[1].depth = 1;
    systems[1].has_allocator = true;
    systems[1].bytes_used = 4096;
    systems[1].allocations_this_frame = 7;
    systems[1].overhead = 0.25;
    systems[0].total_bytes_used = 4096;
    systems[0].budget = 1024;
    systems[0].over_budget = true;
    pools[0].system = 1;
    pools[0].occupancy = 0.75;
    pools[0].pages = pages;
    s.systems = systems;
    s.pools = pools;
    s.frame_arena = {true, 100, 300, 1 << 20, 5000, 12, 1};
    s.heap = {false, 0, 0, 0, 0, 0};
  }
  Sample(const Sample&) = delete;
  Sample& operator=(const Sample&) = delete;
};

}  // namespace

TEST_CASE("a snapshot written as JSON parses and keeps every value") {
  const Sample sample;
  const fm::Snapshot& s = sample.s;
  const auto j = nlohmann::json::parse(fm::to_json(s));
  CHECK(j["frame"] == 42);
  CHECK(j["frame_seconds"].get<double>() == 0.0125);
  CHECK(j["interval_seconds"].get<double>() == 1.0 / 60);
  CHECK(j["budget_overruns"] == 3);
  REQUIRE(j["systems"].size() == 2);
  CHECK(j["systems"][0]["name"] == "entities");
  CHECK(j["systems"][0]["over_budget"] == true);
  CHECK(j["systems"][0]["budget"] == 1024);
  CHECK(j["systems"][0]["parent"] == -1);
  CHECK(j["systems"][1]["name"] == "entities/\"ai\"\\\n");
  CHECK(j["systems"][1]["kind"] == "pool");
  CHECK(j["systems"][1]["parent"] == 0);
  CHECK(j["systems"][1]["bytes_used"] == 4096);
  CHECK(j["systems"][1]["allocations_this_frame"] == 7);
  CHECK(j["systems"][1]["overhead"].get<double>() == 0.25);
  REQUIRE(j["pools"].size() == 1);
  CHECK(j["pools"][0]["occupancy"].get<double>() == 0.75);
  REQUIRE(j["pools"][0]["pages"].size() == 2);
  CHECK(j["pools"][0]["pages"][0]["address"] == 0x7f0000001000);
  CHECK(j["pools"][0]["pages"][0]["live_summary"] == "0xffffffffffffffff");
  CHECK(j["pools"][0]["pages"][1]["live_blocks"] == 0);
  CHECK(j["frame_arena"]["bytes_this_frame"] == 100);
  CHECK(j["frame_arena"]["bytes_held"] == 300);
  CHECK(j["frame_arena"]["capacity_per_frame"] == 1 << 20);
  CHECK(j["frame_arena"]["high_water"] == 5000);
  CHECK(j["frame_arena"]["overflow_events"] == 1);
  CHECK(j["heap"]["available"] == false);
}

TEST_CASE("write_json appends to the caller's buffer so a report can reuse one string") {
  std::string out = "[";
  const Sample sample;
  fm::write_json(out, sample.s);
  out += ",";
  fm::write_json(out, fm::Snapshot{});
  out += "]";
  const auto j = nlohmann::json::parse(out);
  REQUIRE(j.size() == 2);
  CHECK(j[1]["systems"].empty());
  CHECK(j[1]["frame"] == 0);
}

TEST_CASE("the JSON carries the budgets and which of them a frame did not keep") {
  Sample sample;
  sample.systems[1].hard_budget = 8192;
  sample.systems[1].frame_allocation_budget = 0;
  sample.systems[1].total_allocations_this_frame = 7;
  sample.systems[1].allocations_refused_this_frame = 2;
  sample.systems[1].allocations_refused = 5;
  sample.systems[1].over_hard_budget = true;
  sample.systems[1].over_frame_budget = true;
  sample.systems[0].over_soft_budget = true;
  const auto j = nlohmann::json::parse(fm::to_json(sample.s));
  CHECK(j["systems"][0]["frame_allocation_budget"].is_null());
  CHECK(j["systems"][0]["over_soft_budget"] == true);
  CHECK(j["systems"][0]["over_hard_budget"] == false);
  CHECK(j["systems"][1]["hard_budget"] == 8192);
  CHECK(j["systems"][1]["frame_allocation_budget"] == 0);
  CHECK(j["systems"][1]["total_allocations_this_frame"] == 7);
  CHECK(j["systems"][1]["allocations_refused_this_frame"] == 2);
  CHECK(j["systems"][1]["allocations_refused"] == 5);
  CHECK(j["systems"][1]["over_hard_budget"] == true);
  CHECK(j["systems"][1]["over_frame_budget"] == true);
}

TEST_CASE("every member of each snapshot struct is in its field list, and the JSON has a key for each") {
  using fm::test::listed_fields;
  using fm::test::member_count;
  CHECK(listed_fields<fm::PageSnapshot>() == member_count<fm::PageSnapshot>());
  CHECK(listed_fields<fm::PoolSnapshot>() == member_count<fm::PoolSnapshot>());
  CHECK(listed_fields<fm::SystemSnapshot>() == member_count<fm::SystemSnapshot>());
  CHECK(listed_fields<fm::FrameArenaSnapshot>() == member_count<fm::FrameArenaSnapshot>());
  CHECK(listed_fields<fm::HeapSnapshot>() == member_count<fm::HeapSnapshot>());
  CHECK(listed_fields<fm::Snapshot>() == member_count<fm::Snapshot>());
  const Sample sample;
  const auto j = nlohmann::json::parse(fm::to_json(sample.s));
  CHECK(j.size() == member_count<fm::Snapshot>());
  CHECK(j["systems"][1].size() == member_count<fm::SystemSnapshot>());
  CHECK(j["pools"][0].size() == member_count<fm::PoolSnapshot>());
  CHECK(j["pools"][0]["pages"][0].size() == member_count<fm::PageSnapshot>());
  CHECK(j["frame_arena"].size() == member_count<fm::FrameArenaSnapshot>());
  CHECK(j["heap"].size() == member_count<fm::HeapSnapshot>());
}
