// Specification of fm/debug/tracking.hpp: live-block records, misuse detection and leak reports.
#include "fm/debug/tracking.hpp"

#include <doctest/doctest.h>

#include <source_location>
#include <string>

#include "fm/debug/filled.hpp"
#include "fm/debug/guarded.hpp"
#include "fm/system/memory_system.hpp"
#include "support/error_message.hpp"

namespace {

std::string message_of(auto&& call) { return fm::test::message_of<fm::bad_free>(call); }

}  // namespace

TEST_CASE("tracking records size, alignment, tag and the caller's source location") {
  fm::Tracking<fm::NewAllocator> heap;
  const auto line = std::source_location::current().line() + 1;
  void* p = heap.allocate(48, 16, fm::AllocationTag{"bullets"});
  const fm::AllocationRecord* r = heap.find(p);
  REQUIRE(r != nullptr);
  CHECK(r->size == 48);
  CHECK(r->align == 16);
  CHECK(r->tag == "bullets");
  CHECK(r->where.line() == line);
  CHECK(std::string_view(r->where.file_name()).ends_with("tracking_test.cpp"));
  CHECK(heap.live_allocations() == 1);
  heap.deallocate(p, 48, 16);
  CHECK(heap.live_allocations() == 0);
  CHECK(heap.find(p) == nullptr);
  CHECK(heap.inner().stats().bytes_used == 0);
}

TEST_CASE("leak report lists file:line, size and count of leaked blocks, grouped by site") {
  fm::Tracking<fm::NewAllocator> heap;
  heap.set_print_leaks_at_exit(false);
  void* kept[3];
  const auto line = std::source_location::current().line() + 1;
  for (auto& p : kept) p = heap.allocate(64);
  void* tagged = heap.allocate(8, 8, fm::AllocationTag{"ai"});
  void* freed = heap.allocate(1000);
  heap.deallocate(freed, 1000);

  const fm::LeakReport report = heap.leak_report();
  CHECK(report.count == 4);
  CHECK(report.bytes == 3 * 64 + 8);
  REQUIRE(report.sites.size() == 2);
  CHECK(report.sites[0].line == line);
  CHECK(report.sites[0].count == 3);
  CHECK(report.sites[0].bytes == 192);
  CHECK(report.sites[1].count == 1);
  CHECK(report.sites[1].bytes == 8);
  CHECK(report.sites[1].tag == "ai");
  const std::string text = report.to_string();
  CHECK(text.starts_with("framemem: 4 leaked allocations (200 bytes) in 'new'\n"));
  CHECK(text.find("tracking_test.cpp:" + std::to_string(line) + ": 3 blocks, 192 bytes in ") != std::string::npos);
  CHECK(text.find(": 1 block, 8 bytes [ai] in ") != std::string::npos);

  for (auto* p : kept) heap.deallocate(p, 64);
  heap.deallocate(tagged, 8, 8);
  CHECK(heap.leak_report().empty());
  CHECK(heap.leak_report().to_string() == "framemem: 0 leaked allocations (0 bytes) in 'new'\n");
}

TEST_CASE("double free is rejected with a message naming the block and where it was allocated") {
  fm::Tracking<fm::NewAllocator> heap;
  const auto line = std::source_location::current().line() + 1;
  void* p = heap.allocate(32);
  heap.deallocate(p, 32);
  const std::string msg = message_of([&] { heap.deallocate(p, 32); });
  CHECK(msg.starts_with("double free in 'new': block #1 at 0x"));
  CHECK(msg.find("(32 bytes aligned to 16, allocated at ") != std::string::npos);
  CHECK(msg.find("tracking_test.cpp:" + std::to_string(line) + ") was already freed") != std::string::npos);
  CHECK(heap.inner().stats().deallocations == 1);
}

TEST_CASE("foreign pointer is rejected and nothing changes") {
  fm::Tracking<fm::NewAllocator> heap;
  fm::NewAllocator other;
  void* foreign = other.allocate(64);
  void* live = heap.allocate(16);
  const std::string msg = message_of([&] { heap.deallocate(foreign, 64); });
  CHECK(msg == "foreign pointer in 'new': " + fm::debug::describe_address(foreign) +
                   " was not allocated by this allocator");
  CHECK(heap.live_allocations() == 1);
  CHECK(heap.inner().stats().deallocations == 0);
  heap.deallocate(live, 16);
  other.deallocate(foreign, 64);
}

TEST_CASE("freeing with a different size or alignment than allocated is rejected and the block stays live") {
  fm::Tracking<fm::NewAllocator> heap;
  void* p = heap.allocate(64, 32);
  const std::string msg = message_of([&] { heap.deallocate(p, 32, 32); });
  CHECK(msg.starts_with("size mismatch in 'new': block #1 at 0x"));
  CHECK(msg.ends_with(" freed as 32 bytes aligned to 32"));
  CHECK(heap.live_allocations() == 1);
  heap.deallocate(p, 64, 32);
  CHECK(heap.live_allocations() == 0);
}

TEST_CASE("try_allocate records like allocate and returns null on bad alignment") {
  fm::Tracking<fm::NewAllocator> heap;
  CHECK(heap.try_allocate(16, 3) == nullptr);
  CHECK(heap.live_allocations() == 0);
  void* p = heap.try_allocate(16, 8, fm::AllocationTag{"scratch"});
  REQUIRE(p != nullptr);
  CHECK(heap.find(p)->tag == "scratch");
  heap.deallocate(p, 16, 8);
}

TEST_CASE("tracking wraps an allocator by reference and through AllocatorRef") {
  fm::NewAllocator heap;
  fm::Tracking<fm::NewAllocator&> tracked(heap);
  fm::AllocatorRef ref = tracked;
  void* p = ref.allocate(24);
  CHECK(heap.stats().bytes_used == 24);
  CHECK(tracked.live_allocations() == 1);
  fm::NewAllocator other;
  void* foreign = other.allocate(24);
  CHECK_THROWS_AS(ref.deallocate(foreign, 24), fm::bad_free);
  ref.deallocate(p, 24);
  other.deallocate(foreign, 24);
  CHECK(heap.stats().bytes_used == 0);
}

TEST_CASE("allocations through AllocatorRef are recorded at the caller's line, not inside AllocatorRef") {
  fm::Tracking<fm::NewAllocator> heap;
  fm::AllocatorRef ref = heap;
  const auto line = std::source_location::current().line() + 1;
  void* a = ref.allocate(16);
  void* b = ref.try_allocate(32, 8);
  REQUIRE(b != nullptr);
  for (const fm::AllocationRecord* r : {heap.find(a), heap.find(b)}) {
    REQUIRE(r != nullptr);
    CHECK(std::string_view(r->where.file_name()).ends_with("tracking_test.cpp"));
  }
  CHECK(heap.find(a)->where.line() == line);
  CHECK(heap.find(b)->where.line() == line + 1);
  ref.deallocate(b, 32, 8);
  ref.deallocate(a, 16);
}

TEST_CASE("a tracker under other debug layers records the line that called the outermost layer") {
  fm::Guarded<fm::Filled<fm::Tracking<fm::NewAllocator>>> heap;
  auto& tracker = heap.inner().inner();
  tracker.set_print_leaks_at_exit(false);
  const auto line = std::source_location::current().line() + 1;
  void* p = heap.allocate(24, 8);
  const fm::LeakReport report = tracker.leak_report();
  REQUIRE(report.sites.size() == 1);
  CHECK(report.sites[0].line == line);
  CHECK(std::string_view(report.sites[0].file).ends_with("tracking_test.cpp"));
  heap.deallocate(p, 24, 8);
}

TEST_CASE("a tracker registered as a system names the system and the real call site in its leak report") {
  fm::Tracking<fm::NewAllocator> tracker;
  tracker.set_print_leaks_at_exit(false);
  fm::MemorySystem memory;
  memory.add_system("particles", tracker, "debug");
  const auto line = std::source_location::current().line() + 1;
  void* p = memory.system("particles").allocate(40, 8);
  const std::string text = tracker.leak_report().to_string();
  CHECK(text.starts_with("framemem: 1 leaked allocation (40 bytes) in 'new' (system 'particles')\n"));
  CHECK(text.find("tracking_test.cpp:" + std::to_string(line) + ": 1 block, 40 bytes in ") != std::string::npos);
  memory.system("particles").deallocate(p, 40, 8);
}

TEST_CASE("a tracker names itself in leak reports and errors, not the allocator below it") {
  fm::Tracking<fm::NewAllocator> tracker{fm::TrackingOptions{.name = "particle tracker"}};
  tracker.set_print_leaks_at_exit(false);
  CHECK(tracker.name() == "particle tracker");
  CHECK(tracker.inner().name() == "new");
  fm::MemorySystem memory;
  memory.add_system("particles", tracker, "debug");
  void* p = memory.system("particles").allocate(40, 8);
  CHECK(tracker.leak_report().to_string().starts_with(
      "framemem: 1 leaked allocation (40 bytes) in 'particle tracker' (system 'particles')\n"));
  fm::NewAllocator other;
  void* foreign = other.allocate(8, 8);
  CHECK(message_of([&] { tracker.deallocate(foreign, 8, 8); }).starts_with("foreign pointer in 'particle tracker': "));
  other.deallocate(foreign, 8, 8);
  CHECK(message_of([&] { tracker.deallocate(p, 41, 8); }).starts_with("size mismatch in 'particle tracker': "));
  memory.system("particles").deallocate(p, 40, 8);
  CHECK(message_of([&] { tracker.deallocate(p, 40, 8); }).starts_with("double free in 'particle tracker': "));
}

TEST_CASE("a tracker over a referenced allocator takes its name from the constructor too") {
  fm::NewAllocator heap;
  fm::Tracking<fm::NewAllocator&> tracker{fm::TrackingOptions{.name = "ai scratch"}, heap};
  CHECK(tracker.name() == "ai scratch");
  void* p = tracker.allocate(16, 8);
  CHECK(&tracker.inner() == &heap);
  CHECK(heap.stats().bytes_used == 16);
  tracker.deallocate(p, 16, 8);
}
