// fm::Heap behind the other parts of framemem: the std and pmr adapters, a Pool on top of it and the memory
// system's snapshots.
#include <doctest/doctest.h>

#include <map>
#include <memory_resource>
#include <string>
#include <vector>

#include "fm/alloc/memory_resource.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/alloc/std_allocator.hpp"
#include "fm/debug/filled.hpp"
#include "fm/heap/heap.hpp"
#include "fm/system/memory_system.hpp"

TEST_CASE("standard containers run on fm::Heap through StdAllocator and MemoryResource") {
  fm::Heap heap("containers");
  {
    std::vector<int, fm::StdAllocator<int, fm::Heap>> numbers{fm::StdAllocator<int, fm::Heap>(heap)};
    for (int i = 0; i < 10000; ++i) numbers.push_back(i);
    CHECK(numbers[9999] == 9999);
    fm::MemoryResource<fm::Heap> resource(heap);
    std::pmr::map<int, std::pmr::string> names(&resource);
    for (int i = 0; i < 1000; ++i) names.emplace(i, std::pmr::string(100, 'x'));
    CHECK(names.at(500).size() == 100);
    CHECK(heap.heap_stats().requested >= 10000 * sizeof(int) + 1000 * 100);
  }
  CHECK(heap.heap_stats().requested == 0);
}

TEST_CASE("a heap registered with the memory system shows up in its snapshots") {
  fm::Heap heap("gameplay");
  fm::MemorySystem ms;
  ms.add_system("gameplay", heap, "heap");
  void* p = heap.allocate(5000);
  ms.begin_frame();
  ms.end_frame();
  bool found = false;
  for (const fm::SystemSnapshot& s : ms.latest().systems) {
    if (std::string(s.name.c_str()) != "gameplay") continue;
    found = true;
    CHECK(s.bytes_used == 5000);
    CHECK(s.bytes_reserved >= 5000);
  }
  CHECK(found);
  heap.deallocate(p, 5000);
}

TEST_CASE("a Pool sits on a Heap: its pages and oversize blocks come from the heap, whose check_free vets the frees") {
  fm::Heap heap("pool-parent");
  fm::Pool pool(32, 8, {.name = "bullets", .parent = heap});
  void* block = pool.allocate(32, 8);
  void* oversize = pool.allocate(10000, 8);  // too big for a block: straight from the heap
  CHECK(heap.owns(block));
  CHECK(heap.owns(oversize));
  const std::size_t requested = heap.heap_stats().requested;
#if FM_CHECKED
  CHECK_THROWS_AS(pool.check_free(static_cast<char*>(oversize) + 16, 10000, 8), fm::bad_free);
#endif
  CHECK(heap.heap_stats().requested == requested);
  pool.deallocate(oversize, 10000, 8);
  pool.deallocate(block, 32, 8);
  CHECK(heap.heap_stats().requested == requested - 10000);
}

TEST_CASE("Filled over a Heap refuses a double free before painting over the freed block's free-list link") {
  fm::Heap heap("filled-parent");
  fm::Filled<fm::Heap&> filled(heap);
  void* keep = filled.allocate(64);
  void* once = filled.allocate(64);
  filled.deallocate(once, 64);
  const std::size_t deallocations = heap.heap_stats().deallocations;
  REQUIRE_THROWS_AS(filled.deallocate(once, 64), fm::bad_free);
  CHECK_THROWS_AS(filled.check_free(once, 64), fm::bad_free);
  CHECK(heap.heap_stats().deallocations == deallocations);
  // Painted, the link would point at 0xDDDD...; freed twice, the block would come back twice.
  void* first = filled.allocate(64);
  void* second = filled.allocate(64);
  CHECK(first != second);
  filled.deallocate(second, 64);
  filled.deallocate(first, 64);
  filled.deallocate(keep, 64);
  CHECK(heap.heap_stats().requested == 0);
}
