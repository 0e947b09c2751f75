// framemem-replay as a user runs it: a multi-threaded workload recorded through fm::Recording replays
// under all five allocators with every block verified; bad traces exit with status 2 and say what and
// where; a corrupting allocator is caught and named.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/heap/heap.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/trace/recording.hpp"
#include "trace/run_command.hpp"
#include "trace/support.hpp"

namespace {

using fm::model::ScratchFile;

using fm::test::Run;

Run run_tool(const std::string& args) { return fm::test::run_command(std::string(FM_REPLAY_TOOL) + " " + args); }

// A small game loop: the main thread runs frames with a per-frame scratch arena (reset every frame) and a
// bullet pool; two workers allocate job results from a shared heap that the main thread frees a frame
// later, so frees cross threads.
void record_workload(const std::string& path) {
  fm::trace::Writer w(path, {.chunk_bytes = 4096, .chunks = 8});
  fm::Heap heap("jobs");
  fm::Recording<fm::Heap&> jobs(w, "jobs", heap);
  fm::Recording<fm::LinearArena> scratch(w, "scratch", fm::LinearArenaOptions{.capacity = 1 << 20});
  fm::Recording<fm::Pool> bullets(w, "bullets", 48, 16);
  constexpr int frames = 30;
  constexpr int per_worker = 40;
  std::vector<void*> bullet_blocks;
  std::atomic<void*> results[2][per_worker] = {};
  std::atomic<int> frame_now{0};
  std::vector<std::thread> workers;
  for (int k = 0; k < 2; ++k) {
    workers.emplace_back([&, k] {
      for (int f = 0; f < frames; ++f) {
        while (frame_now.load() < f) std::this_thread::yield();
        for (int i = 0; i < per_worker; ++i) {
          void* p = jobs.allocate(16 + static_cast<std::size_t>((i * 37 + f) % 500), 16);
          void* old = results[k][i].exchange(p);
          if (old) jobs.deallocate(old, 16 + static_cast<std::size_t>((i * 37 + f - 1) % 500), 16);
        }
      }
    });
  }
  for (int f = 1; f <= frames; ++f) {
    scratch.begin_frame(static_cast<std::uint64_t>(f));
    for (int i = 0; i < 50; ++i) (void)scratch.allocate(8 + static_cast<std::size_t>(i % 200), 8);
    for (int i = 0; i < 10; ++i) bullet_blocks.push_back(bullets.allocate(48, 16));
    while (bullet_blocks.size() > 25) {
      bullets.deallocate(bullet_blocks.front(), 48, 16);
      bullet_blocks.erase(bullet_blocks.begin());
    }
    scratch.reset();
    scratch.end_frame(static_cast<std::uint64_t>(f));
    frame_now.store(f);
  }
  for (auto& t : workers) t.join();
  for (void* b : bullet_blocks) bullets.deallocate(b, 48, 16);
  w.close();
  for (auto& r : results) {
    for (auto& slot : r) heap.free(slot.load());  // after close(): past the recording
  }
}

TEST_CASE("a recorded multi-threaded workload replays under glibc, mimalloc, jemalloc, tcmalloc and framemem with every block verified") {
  const ScratchFile trace("replay_workload");
  const ScratchFile json("replay_workload_json");
  record_workload(trace.path());
  const fm::trace::Trace t = fm::trace::read(trace.path());
  REQUIRE(t.threads.size() == 3);
  const std::string blocks = std::to_string(t.blocks.size());
  const Run r = run_tool("--against glibc,mimalloc,jemalloc,tcmalloc,framemem --rounds 2 --json " + json.path() + " " +
                         trace.path());
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (const char* name : {"glibc", "mimalloc", "jemalloc", "tcmalloc", "framemem"}) {
    CHECK(r.output.find(std::string("\n") + name + " ") != std::string::npos);
  }
  CHECK(r.output.find(", 30 frames;") != std::string::npos);
  CHECK(r.output.find("every block verified under every allocator (" + blocks + " blocks each round)") !=
        std::string::npos);
  const std::string j = [&] {
    const auto bytes = json.bytes();
    return std::string(bytes.begin(), bytes.end());
  }();
  CHECK(j.find("\"name\":\"tcmalloc\"") != std::string::npos);
  CHECK(j.find("\"verified\":" + blocks) != std::string::npos);
}

// The number after `"key":` at or after `from` in a JSON text, or the array of numbers there.
std::uint64_t json_number(const std::string& j, std::size_t from, const std::string& key) {
  const std::size_t at = j.find("\"" + key + "\":", from);
  REQUIRE(at != std::string::npos);
  return std::strtoull(j.c_str() + at + key.size() + 3, nullptr, 10);
}

std::vector<std::uint64_t> json_series(const std::string& j, std::size_t from, const std::string& key) {
  std::size_t at = j.find("\"" + key + "\":[", from);
  REQUIRE(at != std::string::npos);
  at += key.size() + 4;
  std::vector<std::uint64_t> v;
  while (j[at] != ']') {
    char* end = nullptr;
    v.push_back(std::strtoull(j.c_str() + at, &end, 10));
    at = static_cast<std::size_t>(end - j.c_str());
    if (j[at] == ',') ++at;
  }
  return v;
}

TEST_CASE("the memory figures of --against are the allocator's: a known live set reads as itself, fragmentation near 1") {
  // 32 MiB live in 1 MiB blocks from the first frame to the last, and 240,000 small blocks each freed in its
  // frame: the replayer's plan of them is larger than the live set, so a figure that counted the replayer's
  // memory would read far above it.
  constexpr std::uint64_t live_mib = 32;
  constexpr int frames = 40;
  constexpr int churn_per_frame = 6000;
  const ScratchFile trace("replay_known_live");
  const ScratchFile json("replay_known_live_json");
  fm::test::write_trace(trace, [](fm::trace::Writer& w, std::uint32_t s) {
    std::uint64_t id = 0x10000;
    for (int f = 1; f <= frames; ++f) {
      w.frame_begin(static_cast<std::uint64_t>(f));
      if (f == 1) {
        for (std::uint64_t b = 0; b < live_mib; ++b) w.allocate(s, 0x100 + b, std::uint64_t{1} << 20, 16);
      }
      for (int k = 0; k < churn_per_frame; ++k) {
        w.allocate(s, id, 48, 16);
        w.free(id);
        ++id;
      }
      w.frame_end(static_cast<std::uint64_t>(f));
    }
    for (std::uint64_t b = 0; b < live_mib; ++b) w.free(0x100 + b);
  });
  const Run r = run_tool("--against glibc,framemem --rounds 1 --json " + json.path() + " " + trace.path());
  INFO(r.output);
  REQUIRE(r.status == 0);
  const std::string j = [&] {
    const auto bytes = json.bytes();
    return std::string(bytes.begin(), bytes.end());
  }();
  constexpr double live_kb = live_mib * 1024.0;
  for (const char* name : {"glibc", "framemem"}) {
    INFO(name);
    const std::size_t at = j.find(std::string("\"name\":\"") + name + "\"");
    REQUIRE(at != std::string::npos);
    // The table's and the overlay's peak, and the replayer's own figures kept beside it.
    const auto peak_kb = static_cast<double>(json_number(j, at, "peak_rss_kb"));
    CHECK(peak_kb >= live_kb);
    CHECK(peak_kb <= live_kb * 1.1 + 2048);
    CHECK(json_number(j, at, "plan_rss_kb") > live_kb);
    CHECK(json_number(j, at, "process_peak_rss_kb") >= json_number(j, at, "plan_rss_kb") + live_mib * 1024);
    // Fragmentation at each frame end: the allocator's RSS over the bytes the trace holds live.
    const std::vector<std::uint64_t> rss_kb = json_series(j, at, "allocator_rss_kb");
    const std::vector<std::uint64_t> live_bytes = json_series(j, at, "live_bytes");
    REQUIRE(rss_kb.size() == frames);
    REQUIRE(live_bytes.size() == frames);
    for (int f = 0; f < frames; ++f) {
      INFO("frame " << f + 1);
      CHECK(live_bytes[f] == live_mib << 20);
      const double fragmentation = static_cast<double>(rss_kb[f]) * 1024.0 / static_cast<double>(live_bytes[f]);
      CHECK(fragmentation >= 0.98);
      CHECK(fragmentation <= 1.15);
    }
  }
}

// Width and height from a PNG's IHDR chunk (big-endian, right after the 8-byte signature and the chunk's
// length and type); {0, 0} when the file is not a PNG.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::vector<std::uint8_t>& png) {
  static constexpr std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (png.size() < 24 || !std::equal(std::begin(signature), std::end(signature), png.begin())) return {0, 0};
  const auto be32 = [&](std::size_t at) {
    return std::uint32_t{png[at]} << 24 | std::uint32_t{png[at + 1]} << 16 | std::uint32_t{png[at + 2]} << 8 |
           std::uint32_t{png[at + 3]};
  };
  return {be32(16), be32(20)};
}

TEST_CASE("--png and --json have the series over time and the frame figures only for a trace with frames") {
  const auto chart_of = [](bool frames) {
    const ScratchFile trace(frames ? "replay_png_frames" : "replay_png_frameless");
    const ScratchFile png(frames ? "replay_png_frames_png" : "replay_png_frameless_png");
    const ScratchFile json(frames ? "replay_png_frames_json" : "replay_png_frameless_json");
    fm::test::write_trace(trace, [frames](fm::trace::Writer& w, std::uint32_t s) {
      for (std::uint64_t f = 1; f <= 3; ++f) {
        if (frames) w.frame_begin(f);
        w.allocate(s, 0x100 + f, 64, 16);
        w.free(0x100 + f);
        if (frames) w.frame_end(f);
      }
    });
    const Run r = run_tool("--against glibc --rounds 1 --png " + png.path() + " --json " + json.path() + " " + trace.path());
    INFO(r.output);
    REQUIRE(r.status == 0);
    // The table's frame columns: measured times with frames, "-" without (never a zero nobody measured).
    const std::size_t row = r.output.find("\nglibc ");
    REQUIRE(row != std::string::npos);
    std::istringstream fields(r.output.substr(row + 1, r.output.find('\n', row + 1) - row - 1));
    std::string name, total, p50, p99, max;
    fields >> name >> total >> p50 >> p99 >> max;
    for (const std::string& frame_column : {p50, p99, max}) CHECK((frame_column == "-") == !frames);
    // The JSON says how many frames a round had, and holds frame figures only when there were some.
    const std::vector<std::uint8_t> bytes = json.bytes();
    const std::string text(bytes.begin(), bytes.end());
    INFO(text);
    CHECK(text.find(frames ? "\"frames\":3," : "\"frames\":0,") != std::string::npos);
    for (const char* key : {"\"frame_p50_ns\":", "\"frame_p99_ns\":", "\"frame_max_ns\":"})
      CHECK((text.find(key) != std::string::npos) == frames);
    CHECK(text.find("\"total_ns_median\":") != std::string::npos);
    CHECK(text.find("\"peak_rss_kb\":") != std::string::npos);
    return png_size(png.bytes());
  };
  // Two rows (totals, then RSS and fragmentation over the frames) with frames; one row of totals without.
  CHECK(chart_of(true) == std::pair<std::uint32_t, std::uint32_t>{1200, 800});
  CHECK(chart_of(false) == std::pair<std::uint32_t, std::uint32_t>{1200, 400});
}

TEST_CASE("what-if classifies each system from the trace and replays it onto every strategy that fits, every block verified") {
  const ScratchFile trace("replay_what_if");
  record_workload(trace.path());
  const Run r = run_tool("--what-if --rounds 1 " + trace.path());
  INFO(r.output);
  REQUIRE(r.status == 0);
  // The scratch arena is reset every frame (LIFO, dies in its frame); bullets are one size, freed oldest first.
  CHECK(r.output.find("recommendation: scratch: 100% of blocks live < 2 frames, 100% of frees LIFO, sizes vary, 1 thread; ") !=
        std::string::npos);
  CHECK(r.output.find("recommendation: bullets: ") != std::string::npos);
  CHECK(r.output.find("0% of frees LIFO, one size (48 bytes), 1 thread; ") != std::string::npos);
  CHECK(r.output.find("recommendation: jobs: ") != std::string::npos);
  // Every strategy that fits ran and verified every block of its system (30 frames of the workload).
  for (const char* row : {"scratch        FrameArena", "scratch        StackAllocator", "scratch        Heap",
                          "bullets        Pool", "bullets        malloc", "jobs           Heap"}) {
    CHECK(r.output.find(row) != std::string::npos);
  }
  CHECK(r.output.find("jobs           StackAllocator") == std::string::npos);  // two threads, frees not LIFO
  for (const char* verified : {"1500\n", "300\n", "2400\n"}) CHECK(r.output.find(verified) != std::string::npos);
}

TEST_CASE("what-if finds a memory system's recorded frame arena suited to a FrameArena") {
  const ScratchFile trace("replay_what_if_frame");
  {
    fm::MemorySystem ms;
    fm::AllocatorRef frame = ms.recordable_system("frame");
    fm::trace::Writer w(trace.path());
    ms.record_to(w);
    for (int f = 0; f < 20; ++f) {
      ms.begin_frame();
      for (int k = 0; k < 50; ++k) (void)frame.allocate(16 + 8 * static_cast<std::size_t>(k % 5), 16);
      ms.end_frame();
    }
    ms.stop_recording();
    w.close();
  }
  const Run r = run_tool("--what-if --rounds 1 " + trace.path());
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (const char* buffer : {"frame/buffer 0", "frame/buffer 1"}) {
    CHECK(r.output.find(std::string("recommendation: ") + buffer + ": 100% of blocks live < 2 frames") !=
          std::string::npos);
    CHECK(r.output.find(std::string(buffer) + " FrameArena") != std::string::npos);
  }
}

TEST_CASE("an allocator whose library is missing fails the comparison, naming it") {
  const ScratchFile trace("replay_missing");
  fm::test::write_trace(trace, [](fm::trace::Writer& w, std::uint32_t s) { w.allocate(s, 0x1000, 8, 8); });
  const Run r = run_tool("--against glibc,ghost=/nonexistent/libghost.so.1 " + trace.path());
  CHECK(r.status == 2);
  CHECK(r.output.find("framemem-replay: allocator 'ghost': library /nonexistent/libghost.so.1 not found") !=
        std::string::npos);
}

TEST_CASE("a corrupting allocator is caught, naming the allocator, the block and the event") {
  const ScratchFile trace("replay_corrupt");
  fm::test::write_trace(trace, [](fm::trace::Writer& w, std::uint32_t s) {
    w.allocate(s, 0x1000, 777, 8);
    w.allocate(s, 0x2000, 778, 8);
    w.free(0x2000);
    w.free(0x1000);
  });
  const Run r = run_tool(std::string("--against glibc,corrupting=") + FM_CORRUPTING_MALLOC + " --rounds 1 " + trace.path());
  INFO(r.output);
  CHECK(r.status == 3);
  CHECK(r.output.find("framemem-replay: allocator 'corrupting' corrupted block 0 (recorded at 0x1000, 777 bytes "
                      "aligned to 8, system 'particles', allocated by event 1): byte 100 is 0x") != std::string::npos);
  CHECK(r.output.find("; found at event 4\n") != std::string::npos);
}

// Each bad trace: exit status 2, and the message names the file, the byte, the event and the expectation.
void expect_rejected(const std::vector<std::uint8_t>& bytes, const std::string& phrase) {
  const ScratchFile bad("replay_bad");
  {
    std::FILE* f = std::fopen(bad.path().c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  for (const char* mode : {"", "--against glibc "}) {
    const Run r = run_tool(mode + bad.path());
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("framemem-replay: " + bad.path() + ": byte ") == 0);
    CHECK(r.output.find(phrase) != std::string::npos);
  }
}

std::vector<std::uint8_t> valid_bytes(void (*record)(fm::trace::Writer&, std::uint32_t)) {
  const ScratchFile file("replay_valid");
  return fm::test::write_trace(file, record);
}

void two_blocks(fm::trace::Writer& w, std::uint32_t s) {
  w.allocate(s, 0x1000, 64, 16);
  w.allocate(s, 0x2000, 64, 16);
  w.free(0x1000);
}

// A trace whose END record says events were dropped while it closed (docs/trace.md, END): --check says how
// many, and says nothing of drops for a trace without.
TEST_CASE("--check tells how many events were dropped while the trace closed") {
  const auto check_of = [](std::vector<std::uint8_t> bytes) {
    const ScratchFile file("replay_dropped");
    std::FILE* f = std::fopen(file.path().c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return run_tool("--check " + file.path());
  };
  std::vector<std::uint8_t> bytes = valid_bytes(two_blocks);
  const Run none = check_of(bytes);
  INFO(none.output);
  CHECK(none.status == 0);
  CHECK(none.output.find("events dropped") == std::string::npos);
  // END of 3 events, 1 thread, 1 system, then 7 dropped: payload length 3 -> 4.
  REQUIRE(std::vector<std::uint8_t>(bytes.end() - 5, bytes.end()) == std::vector<std::uint8_t>{4, 3, 3, 1, 1});
  bytes[bytes.size() - 4] = 4;
  bytes.push_back(7);
  const Run dropped = check_of(bytes);
  INFO(dropped.output);
  CHECK(dropped.status == 0);
  CHECK(dropped.output.find("valid, 3 events") != std::string::npos);
  CHECK(dropped.output.find("\nevents dropped while the trace closed: 7 (") != std::string::npos);
}

TEST_CASE("the replay tool rejects a truncated trace with status 2") {
  auto bytes = valid_bytes(two_blocks);
  bytes.resize(bytes.size() - 7);
  expect_rejected(bytes, "runs past the end of the file (truncated); expected a complete record");
}

TEST_CASE("the replay tool rejects a wrong magic with status 2") {
  auto bytes = valid_bytes(two_blocks);
  bytes[3] = 'x';
  expect_rejected(bytes, "byte 0: wrong magic (not a framemem trace); expected \"FMTRACE\\x1a\"");
}

TEST_CASE("the replay tool rejects another format version with status 2") {
  auto bytes = valid_bytes(two_blocks);
  bytes[8] = 9;
  expect_rejected(bytes, "byte 8: version 9; expected version 2");
}

TEST_CASE("the replay tool rejects a free of an unknown block with status 2") {
  expect_rejected(valid_bytes([](fm::trace::Writer& w, std::uint32_t s) {
                    w.allocate(s, 0x1000, 64, 16);
                    w.free(0x3000);
                  }),
                  ", event 2: free of unknown block 0x3000 (no event allocated it); expected a live block");
}

TEST_CASE("the replay tool rejects a double free in the trace with status 2") {
  expect_rejected(valid_bytes([](fm::trace::Writer& w, std::uint32_t s) {
                    two_blocks(w, s);
                    w.free(0x1000);
                  }),
                  ", event 4: double free of block 0x1000 (allocated by event 1, freed by event 3); expected a live block");
}

TEST_CASE("the replay tool rejects an absurd size with status 2") {
  expect_rejected(valid_bytes([](fm::trace::Writer& w, std::uint32_t s) { w.allocate(s, 0x1000, std::uint64_t{1} << 45, 16); }),
                  ", event 1: absurd size 35184372088832 bytes; expected at most 2^40 bytes");
}

}  // namespace
