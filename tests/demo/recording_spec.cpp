// The demo's capture side: --record's start and stop, and the comparison panel's data read from
// framemem-replay's JSON, bad files included.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>

#include "fm/alloc/pool.hpp"
#include "fm/core/error.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/trace/reader.hpp"
#include "recording.hpp"
#include "support/member_count.hpp"

namespace {

std::string scratch(const char* name) { return std::string("/tmp/fm_demo_") + name; }

TEST_CASE("the demo's recording writes a trace of its systems and frames between start and stop") {
  const std::string path = scratch("recording.fmt");
  fm::MemorySystem ms;
  fm::Pool pool{64, 16, {.name = "particles/pool"}};
  ms.add_pool("particles/pool", pool);
  fm::AllocatorRef particles = ms.recordable_system("particles/pool");
  demo::DemoRecording recording;
  recording.start(ms, path);
  CHECK(recording.recording());
  ms.begin_frame();
  void* p = particles.allocate(64, 16);
  particles.deallocate(p, 64, 16);
  ms.end_frame();
  recording.stop(ms);
  CHECK_FALSE(recording.recording());
  const fm::trace::Trace t = fm::trace::read(path);
  CHECK(t.systems == std::vector<std::string>{"particles/pool"});
  CHECK(t.events.size() == 4);
  std::remove(path.c_str());
}

TEST_CASE("a recording that cannot create its file says which and leaves the memory system unrecorded") {
  fm::MemorySystem ms;
  demo::DemoRecording recording;
  CHECK_THROWS_WITH_AS(recording.start(ms, "/nonexistent-dir/x.fmt"),
                       doctest::Contains("trace '/nonexistent-dir/x.fmt': cannot create the file"), fm::error);
  CHECK_FALSE(recording.recording());
  CHECK(ms.recording() == nullptr);
}

TEST_CASE("a replay comparison loads from framemem-replay's JSON; a bad file gives an error, no rows") {
  const std::string good = scratch("comparison.json");
  std::ofstream(good)
      << R"({"trace":"demo.fmt","rounds":3,"frames":300,"allocators":[)"
      << R"({"name":"glibc","library":"","total_ns_median":2500000,"frame_p50_ns":1500,)"
      << R"("frame_p99_ns":9000,"frame_max_ns":12000,"peak_rss_kb":2048,"median_round":{},"total_ns":[1]}]})";
  const fm::overlay::Comparison c = demo::load_comparison(good);
  CHECK(c.error.empty());
  CHECK(c.trace == "demo.fmt");
  CHECK(c.rounds == 3);
  CHECK(c.frames == 300);
  REQUIRE(c.rows.size() == 1);
  CHECK(c.rows[0].allocator == "glibc");
  CHECK(c.rows[0].figures.total_ns_median == 2500000);
  CHECK(c.rows[0].figures.frame_p50_ns == 1500);
  CHECK(c.rows[0].figures.frame_p99_ns == 9000);
  CHECK(c.rows[0].figures.frame_max_ns == 12000);
  CHECK(c.rows[0].figures.peak_rss_kb == 2048);

  const std::string bad = scratch("not_comparison.json");
  std::ofstream(bad) << R"({"trace":"demo.fmt","allocators":[{"name":"glibc"}]})";
  const fm::overlay::Comparison b = demo::load_comparison(bad);
  CHECK(b.rows.empty());
  CHECK(b.error.find("not framemem-replay --json output") != std::string::npos);
  CHECK(demo::load_comparison(scratch("missing.json")).error.find("cannot open the file") != std::string::npos);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

// A comparison's JSON as framemem-replay writes it, with one allocator's figures.
fm::overlay::Comparison round_trip(const fm::trace::AllocatorFigures& written, std::uint64_t frames) {
  std::string members;
  fm::trace::append_json_members(members, written, frames);
  const std::string path = scratch("round_trip.json");
  std::ofstream(path) << R"({"trace":"t.fmt","rounds":1,"frames":)" << frames
                      << R"(,"allocators":[{"name":"glibc","library":"",)" << members
                      << R"(,"median_round":{},"total_ns":[1]}]})";
  fm::overlay::Comparison c = demo::load_comparison(path);
  std::remove(path.c_str());
  return c;
}

TEST_CASE("every figure of a comparison row reads back from the JSON framemem-replay writes for it") {
  CHECK(fm::test::listed_fields<fm::trace::AllocatorFigures>() == fm::test::member_count<fm::trace::AllocatorFigures>());
  fm::trace::AllocatorFigures written;
  std::uint64_t next = 1000;
  for_each_field(written, [&](const fm::trace::ComparisonField&, std::uint64_t& value) { value = next += 1111; });
  const fm::overlay::Comparison c = round_trip(written, 30);
  REQUIRE(c.error.empty());
  CHECK(c.frames == 30);
  REQUIRE(c.rows.size() == 1);
  CHECK(c.rows[0].figures == written);
}

TEST_CASE("a comparison of a trace without frames loads without frame figures, which its JSON leaves out") {
  const fm::trace::AllocatorFigures written{.total_ns_median = 4'410'000, .frame_p50_ns = 0, .frame_p99_ns = 0,
                                            .frame_max_ns = 0, .peak_rss_kb = 1638};
  std::string members;
  fm::trace::append_json_members(members, written, 0);
  CHECK(members == R"("total_ns_median":4410000,"peak_rss_kb":1638)");
  const fm::overlay::Comparison c = round_trip(written, 0);
  REQUIRE(c.error.empty());
  CHECK(c.frames == 0);
  REQUIRE(c.rows.size() == 1);
  CHECK(c.rows[0].figures == written);
  for_each_field(c.rows[0].figures, [](const fm::trace::ComparisonField& field, std::uint64_t) {
    CHECK(fm::trace::measured(field, 0) == (field.key == "total_ns_median" || field.key == "peak_rss_kb"));
  });
}

}  // namespace
