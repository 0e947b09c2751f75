// Specification of fm/heap/heap.hpp: contents, alignment, usable size, realloc, errors, statistics.
#include "fm/heap/heap.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fm/core/metrics.hpp"
#include "fm/debug/sanitizer.hpp"
#include "fm/heap/heap_stats.hpp"
#include "heap/child_process.hpp"
#include "model/barrier.hpp"

#if defined(__linux__)
#include <sys/resource.h>
#endif

namespace {

// Fills a block with bytes derived from its seed, so a check can tell whether anything overwrote it.
void fill(void* p, std::size_t n, std::uint32_t seed) {
  auto* b = static_cast<unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>((seed * 131 + i * 7) >> 1);
}

bool intact(const void* p, std::size_t n, std::uint32_t seed) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (b[i] != static_cast<unsigned char>((seed * 131 + i * 7) >> 1)) return false;
  }
  return true;
}

struct Live {
  std::size_t size;
  std::size_t align;
  std::uint32_t seed;
};

}  // namespace

TEST_CASE("randomized allocate and deallocate keep every block's contents and alignment and usable size") {
  for (const std::uint32_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    fm::Heap heap("random");
    std::mt19937 rng(seed);
    std::map<void*, Live> model;  // the reference: what each live block must still hold
    for (int step = 0; step < 20000; ++step) {
      if (model.empty() || rng() % 100 < 55) {
        const std::uint32_t kind = rng() % 100;
        const std::size_t size = kind < 80 ? rng() % 512 : kind < 98 ? rng() % 70000 : rng() % 2'000'000;
        const std::size_t align = std::size_t{1} << (rng() % 100 < 85 ? 3 : rng() % 13);
        void* p = heap.allocate(size, align);
        INFO("size " << size << " align " << align);
        REQUIRE(fm::is_aligned(p, align));
        REQUIRE(heap.usable_size(p) >= size);
        REQUIRE(heap.owns(p));
        REQUIRE(model.count(p) == 0);
        fill(p, size, static_cast<std::uint32_t>(step));
        model[p] = {size, align, static_cast<std::uint32_t>(step)};
      } else {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        REQUIRE(intact(it->first, it->second.size, it->second.seed));
        heap.deallocate(it->first, it->second.size, it->second.align);
        model.erase(it);
      }
    }
    std::size_t requested = 0;
    for (auto& [p, live] : model) {
      REQUIRE(intact(p, live.size, live.seed));
      requested += live.size;
    }
    CHECK(heap.heap_stats().requested == requested);
    for (auto& [p, live] : model) heap.deallocate(p, live.size, live.align);
    CHECK(heap.heap_stats().requested == 0);
    CHECK(heap.heap_stats().allocated == 0);
  }
}

TEST_CASE("any power-of-two alignment up to max_alignment is honoured and others are rejected untouched") {
  fm::Heap heap("align");
  for (std::size_t align = 1; align <= (std::size_t{1} << 23); align <<= 1) {
    CAPTURE(align);
    void* p = heap.allocate(100, align);
    CHECK(fm::is_aligned(p, align));
    CHECK(heap.usable_size(p) >= 100);
    heap.deallocate(p, 100, align);
  }
  const fm::HeapStats before = heap.heap_stats();
  CHECK(heap.try_allocate(64, 48) == nullptr);
  CHECK(heap.try_allocate(64, 0) == nullptr);
  CHECK(heap.try_allocate(64, fm::Heap::max_alignment() * 2) == nullptr);
  CHECK_THROWS_AS((void)heap.allocate(64, 24), fm::bad_alignment);
  CHECK(heap.heap_stats().allocations == before.allocations);
}

// Alignments up to 4 KiB take a class whose blocks are all aligned; larger ones pad a block and hand out a
// pointer inside it.
constexpr std::size_t padded_alignment = 8192;

TEST_CASE("interior pointers of aligned blocks free and report usable size correctly") {
  fm::Heap heap("interior");
  std::vector<void*> blocks;
  for (int i = 0; i < 200; ++i) {
    void* p = heap.allocate(40, padded_alignment);
    REQUIRE(fm::is_aligned(p, padded_alignment));
    std::memset(p, 0xab, heap.usable_size(p));  // the whole usable range belongs to the caller
    blocks.push_back(p);
  }
  for (int i = 0; i < 200; ++i) {
    void* p = heap.allocate(40);  // plain blocks of the same class after interior ones were handed out
    REQUIRE(heap.usable_size(p) >= 40);
    blocks.push_back(p);
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) heap.deallocate(blocks[i], 40, i < 200 ? padded_alignment : 16);
  CHECK(heap.heap_stats().requested == 0);
}

TEST_CASE("an aligned request whose size is a multiple of its alignment takes the block of its size, not a padded one") {
  for (std::size_t align = 32; align <= 4096; align <<= 1) {
    for (std::size_t multiple : {1, 2, 3, 5, 7}) {
      const std::size_t size = align * multiple;
      CAPTURE(size);
      CAPTURE(align);
      fm::Heap heap("natural");
      std::vector<void*> blocks;
      for (int i = 0; i < 40; ++i) {
        void* p = heap.allocate(size, align);
        REQUIRE(fm::is_aligned(p, align));
        fill(p, size, static_cast<std::uint32_t>(i));
        blocks.push_back(p);
      }
      CHECK(heap.heap_stats().classes[fm::heap::size_class_of(size)].live_blocks == blocks.size());
      for (std::size_t i = 0; i < blocks.size(); ++i) {
        CHECK(intact(blocks[i], size, static_cast<std::uint32_t>(i)));
        heap.deallocate(blocks[i], size, align);
      }
      CHECK(heap.heap_stats().requested == 0);
    }
  }
}

TEST_CASE("many 64-byte objects aligned to 64 commit no more than 10% above their bytes") {
  // alignas(64) structs of 64 bytes (a game's particles): padded into 112-byte blocks they held 1.75x their
  // bytes, committed and resident.
  fm::Heap heap("particles");
  constexpr std::size_t count = 50000;
  constexpr std::size_t size = 64;
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < count; ++i) {
    blocks.push_back(heap.allocate(size, 64));
    REQUIRE(fm::is_aligned(blocks.back(), 64));
  }
  const fm::HeapStats st = heap.heap_stats();
  CHECK(st.committed - st.metadata <= count * size + count * size / 10);
  for (void* p : blocks) heap.deallocate(p, size, 64);
}

TEST_CASE("large blocks are mapped directly and counted as large") {
  fm::Heap heap("large");
  const std::size_t size = 3 * 1024 * 1024 + 5;
  void* p = heap.allocate(size);
  CHECK(heap.usable_size(p) >= size);
  CHECK(heap.owns(p));
  fill(p, size, 9);
  const fm::HeapStats st = heap.heap_stats();
  CHECK(st.large_blocks == 1);
  CHECK(st.large_bytes >= size);
  CHECK(st.requested == size);
  CHECK(intact(p, size, 9));
  heap.deallocate(p, size);
  CHECK(heap.heap_stats().large_blocks == 0);
  CHECK(heap.heap_stats().large_bytes == 0);
}

TEST_CASE("realloc keeps the data while growing through small and large sizes and shrinking back") {
  fm::Heap heap("realloc");
  void* p = heap.realloc(nullptr, 1);
  REQUIRE(p != nullptr);
  std::size_t size = 1;
  fill(p, size, 5);
  while (size < 6 * 1024 * 1024) {
    const std::size_t next = size * 3 / 2 + 1;
    p = heap.realloc(p, next);
    REQUIRE(p != nullptr);
    CAPTURE(next);
    REQUIRE(intact(p, size, 5));
    fill(p, next, 5);
    size = next;
  }
  for (const std::size_t smaller : {std::size_t{200000}, std::size_t{300}, std::size_t{7}}) {
    p = heap.realloc(p, smaller);
    REQUIRE(p != nullptr);
    REQUIRE(intact(p, smaller, 5));
    CHECK(heap.usable_size(p) >= smaller);
  }
  CHECK(heap.realloc(p, 0) == nullptr);  // frees, like glibc
  CHECK(heap.heap_stats().requested == 0);
}

TEST_CASE("realloc keeps a small block in place while its class holds the size, and moves it otherwise") {
  fm::Heap heap("realloc-small");
  void* p = heap.malloc(100);
  REQUIRE(p != nullptr);
  const std::size_t block = heap.usable_size(p);
  fill(p, 100, 3);
  CHECK(heap.realloc(p, block) == p);  // grows within its block
  CHECK(heap.realloc(p, block / 2) == p);  // shrinks, not below half of it
  CHECK(intact(p, block / 2, 3));
  void* q = heap.realloc(p, block + 1);
  REQUIRE(q != nullptr);
  CHECK(q != p);
  CHECK(heap.usable_size(q) >= block + 1);
  CHECK(intact(q, block / 2, 3));
  void* r = heap.realloc(q, 20);  // less than half: moved to a smaller block
  REQUIRE(r != nullptr);
  CHECK(heap.usable_size(r) < block);
  CHECK(intact(r, 20, 3));
  heap.free(r);
  CHECK(heap.heap_stats().classes[fm::heap::size_class_of(100)].live_blocks == 0);
}

TEST_CASE("realloc of an aligned block inside a larger one counts only the bytes from the pointer to the block's end") {
  fm::Heap heap("realloc-aligned");
  // 20 bytes aligned to 32 sit in 48-byte blocks; every other block starts 16 bytes before a multiple of 32,
  // so its pointer is 16 bytes inside it and only 32 bytes are usable from there.
  std::vector<void*> blocks;
  for (int i = 0; i < 8; ++i) {  // all live at once, so they are different blocks
    blocks.push_back(heap.aligned_malloc(20, 32));
    REQUIRE(blocks.back() != nullptr);
    fill(blocks.back(), 20, 8);
  }
  int inside = 0;
  for (void* p : blocks) {
    const std::size_t usable = heap.usable_size(p);
    CAPTURE(usable);
    inside += usable < 48;
    void* q = heap.realloc(p, usable + 8);
    REQUIRE(q != nullptr);
    CHECK(heap.usable_size(q) >= usable + 8);
    CHECK(intact(q, 20, 8));
    heap.free(q);
  }
  CHECK(inside > 0);
}

TEST_CASE("a large block growing inside the larger cached mapping it was given keeps the mapping whole") {
  fm::Heap heap("realloc-cached-mapping");
  constexpr std::size_t mib = std::size_t{1} << 20;
  heap.free(heap.malloc(8 * mib));  // its mapping is kept for reuse
  void* p = heap.malloc(300 * 1024);
  REQUIRE(p != nullptr);
  REQUIRE(heap.usable_size(p) >= 8 * mib);  // the cached mapping, taken whole
  fill(p, 300 * 1024, 6);
  void* q = heap.realloc(p, 400 * 1024);
  CHECK(q == p);
  CHECK(heap.usable_size(q) >= 8 * mib);  // not shrunk to 400 KiB to be grown back, faulting its pages in again
  CHECK(intact(q, 300 * 1024, 6));
  void* r = heap.realloc(q, 300 * 1024);  // a shrink to less than half the mapping still gives pages back
  REQUIRE(r != nullptr);
  CHECK(heap.usable_size(r) < mib);
  CHECK(intact(r, 300 * 1024, 6));
  heap.free(r);
  CHECK(heap.heap_stats().requested == 0);
}

TEST_CASE("calloc returns zeroed memory even for recycled blocks and null on overflow") {
  fm::Heap heap("calloc");
  void* dirty = heap.malloc(256);
  std::memset(dirty, 0xff, 256);
  heap.free(dirty);
  auto* p = static_cast<unsigned char*>(heap.calloc(16, 16));
  REQUIRE(p != nullptr);
  for (int i = 0; i < 256; ++i) REQUIRE(p[i] == 0);
  heap.free(p);
  void* dirty_large = heap.malloc(1 << 20);
  std::memset(dirty_large, 0xff, 1 << 20);
  heap.free(dirty_large);  // its mapping is kept for reuse, dirty
  auto* big = static_cast<unsigned char*>(heap.calloc(1, 1 << 20));
  REQUIRE(big != nullptr);
  for (int i = 0; i < (1 << 20); i += 512) REQUIRE(big[i] == 0);
  CHECK(big[(1 << 20) - 1] == 0);
  std::memset(big, 0xff, 1 << 20);
  heap.free(big);
  auto* grown = static_cast<unsigned char*>(heap.calloc(3, 1 << 20));  // the dirty mapping, grown
  REQUIRE(grown != nullptr);
  for (int i = 0; i < (3 << 20); i += 512) REQUIRE(grown[i] == 0);
  heap.free(grown);
  CHECK(heap.calloc(SIZE_MAX / 2, 3) == nullptr);
  CHECK(heap.malloc(SIZE_MAX - 10) == nullptr);
}

TEST_CASE("foreign pointers are not owned and are rejected without changing the heap") {
  fm::Heap a("a");
  fm::Heap b("b");
  int on_stack = 0;
  auto on_new = std::make_unique<int>(1);
  void* from_b = b.allocate(32);
  CHECK_FALSE(a.owns(&on_stack));
  CHECK_FALSE(a.owns(on_new.get()));
  CHECK_FALSE(a.owns(from_b));
  CHECK(a.usable_size(from_b) == 0);
  CHECK(a.usable_size(nullptr) == 0);
  a.free(from_b);  // C-style free ignores what it does not own
  CHECK(b.heap_stats().requested == 32);
#if FM_CHECKED
  CHECK_THROWS_AS(a.deallocate(from_b, 32), fm::bad_free);
  void* p = a.allocate(32);
  CHECK_THROWS_AS(a.deallocate(p, 4096), fm::bad_free);  // claims a larger size than the block has
  CHECK(a.heap_stats().requested == 32);
  a.deallocate(p, 32);
#endif
  b.deallocate(from_b, 32);
  CHECK(b.heap_stats().requested == 0);
}

TEST_CASE("statistics give requested bytes and per-class rows and the design's metrics from the same numbers") {
  fm::Heap heap("stats");
  std::vector<void*> blocks;
  for (int i = 0; i < 1000; ++i) blocks.push_back(heap.allocate(100));
  fm::HeapStats st = heap.heap_stats();
  const auto& row = st.classes[fm::heap::size_class_of(100)];
  CHECK(row.block_size == 112);
  CHECK(row.live_blocks == 1000);
  CHECK(row.requested == 100 * 1000);
  CHECK(row.pages >= 1);
  CHECK(row.committed >= 112 * 1000);
  CHECK(st.requested == 100 * 1000);
  CHECK(st.allocated == 112 * 1000);
  CHECK(st.committed >= st.allocated + st.metadata);
  CHECK(st.allocations == 1000);
  CHECK(st.fragmentation == fm::metrics::heap_fragmentation(st.largest_free_extent, st.total_free));
  CHECK(st.overhead == fm::metrics::overhead(st.committed, st.requested));
  const fm::AllocatorStats model = heap.stats();
  CHECK(model.bytes_used == st.requested);
  CHECK(model.bytes_reserved == st.committed);
  CHECK(model.bytes_peak >= st.allocated);
  for (void* p : blocks) heap.deallocate(p, 100);
  st = heap.heap_stats();
  CHECK(st.classes[fm::heap::size_class_of(100)].live_blocks == 0);
  CHECK(st.deallocations == 1000);
}

TEST_CASE("empty pages are given back so committed memory falls after a burst is freed") {
  fm::Heap heap("release");
  std::vector<void*> blocks;
  for (int i = 0; i < 150000; ++i) blocks.push_back(heap.allocate(200));  // far above the 4 MiB page pool
  const std::size_t peak = heap.heap_stats().committed;
  const std::size_t class_peak = heap.heap_stats().classes[fm::heap::size_class_of(200)].committed;
  for (void* p : blocks) heap.deallocate(p, 200);
  heap.collect();
  const fm::HeapStats after = heap.heap_stats();
  CHECK(after.committed < peak / 4);
  CHECK(after.classes[fm::heap::size_class_of(200)].committed < class_peak / 4);  // only a small reserve stays
}

TEST_CASE("empty pages freed in a burst stay committed for the next burst, and go back to the OS once they have waited") {
  fm::Heap heap("decommit-delay");
  // The C-style calls, unchecked, so that a burst takes far less than the delay.
  std::vector<void*> blocks;
  for (int i = 0; i < 150000; ++i) blocks.push_back(heap.malloc(200));  // far above the 4 MiB page pool
  const std::size_t peak = heap.heap_stats().committed;
  for (void* p : blocks) heap.free(p);
  CHECK(heap.heap_stats().committed > peak / 2);
  for (void*& p : blocks) p = heap.malloc(200);  // on the same pages again: nothing new is committed
  CHECK(heap.heap_stats().committed <= peak);
  for (void* p : blocks) heap.free(p);
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * fm::Heap::decommit_delay_ms));
  void* other = heap.malloc(1000);  // a class without pages takes a pooled one: those that waited go
  CHECK(heap.heap_stats().committed < peak / 4);
  heap.free(other);
}

TEST_CASE("pages of a class the thread has left are given back without collect, cached and parked blocks included") {
  fm::Heap heap("left");
  constexpr std::size_t big = 1024;
  constexpr std::size_t page = 64 * 1024;  // the pages of classes up to 8 KiB
  std::vector<void*> blocks;
  for (int i = 0; i < 20000; ++i) blocks.push_back(heap.allocate(big));
  // Freed in random order, the blocks the cache keeps and the batches parked on the central list come from
  // many pages, and each such page stays in use while they are held.
  std::shuffle(blocks.begin(), blocks.end(), std::mt19937(7));
  for (void* p : blocks) heap.deallocate(p, big);
  for (int round = 0; round < 400; ++round) {  // the thread goes on with another class only
    std::vector<void*> small;
    for (int i = 0; i < 256; ++i) small.push_back(heap.allocate(48));
    for (void* p : small) heap.deallocate(p, 48);
  }
  // What stays is the one empty page a class keeps for itself.
  CHECK(heap.heap_stats().classes[fm::heap::size_class_of(big)].committed <= page);
  CHECK(heap.heap_stats().classes[fm::heap::size_class_of(big)].live_blocks == 0);
}

TEST_CASE("fm::Heap works behind AllocatorRef") {
  fm::Heap heap("ref");
  fm::AllocatorRef ref = heap;
  void* p = ref.allocate(48, 32);
  CHECK(fm::is_aligned(p, 32));
  CHECK(ref.owns(p));
  CHECK(ref.can_tell_ownership());
  CHECK(ref.name() == "ref");
  CHECK(ref.stats().bytes_used == 48);
  ref.deallocate(p, 48, 32);
  CHECK(ref.stats().bytes_used == 0);
  CHECK(ref.try_allocate(8, 3) == nullptr);
}

TEST_CASE("at most max_heaps heaps live at once, the refusal says so truly, and a freed slot can be used again") {
  std::vector<std::unique_ptr<fm::Heap>> heaps;
  bool refused = false;
  for (unsigned i = 0; i <= fm::Heap::max_heaps && !refused; ++i) {
    try {
      heaps.push_back(std::make_unique<fm::Heap>("slot"));
    } catch (const fm::error& e) {
      refused = true;
      // Not "out of memory ... capacity 16 bytes": the limit is a count of heaps, set at build time.
      CHECK(std::string(e.what()) == "heap 'slot': " + std::to_string(fm::Heap::max_heaps) +
                                         " heaps exist already, the most that may exist at once (fm::Heap::max_heaps, "
                                         "set with the FM_MAX_HEAPS build option)");
    }
  }
  CHECK(refused);
  CHECK(heaps.size() <= fm::Heap::max_heaps);
  void* p = heaps.back()->allocate(64);
  heaps.back()->deallocate(p, 64);
  heaps.pop_back();
  fm::Heap again("again");
  void* q = again.allocate(64);
  CHECK(again.owns(q));
  CHECK(again.heap_stats().requested == 64);  // a fresh heap in the reused slot starts from zero
  again.deallocate(q, 64);
}

TEST_CASE("a heap destroyed with live blocks gives its memory back and a new heap starts clean") {
  for (int round = 0; round < 3; ++round) {
    fm::Heap heap("leaky");
    for (int i = 0; i < 1000; ++i) (void)heap.allocate(static_cast<std::size_t>(i % 300 + 1));
    (void)heap.allocate(1 << 22);
    CHECK(heap.heap_stats().allocations == 1001);
  }
}

namespace {

// The 4 MiB-aligned segment that holds small block `p` (segments are documented in docs/heap.md).
char* segment_base(void* p) {
  return reinterpret_cast<char*>(reinterpret_cast<std::uintptr_t>(p) & ~((std::uintptr_t{1} << 22) - 1));
}

// Used by checked-build cases only (FM_CHECKED); Release builds compile them out.
[[maybe_unused]] bool rejected_as_foreign(fm::Heap& heap, void* p) {
  try {
    heap.deallocate(p, 16);
  } catch (const fm::bad_free& e) {
    return std::string(e.what()).find(std::string(heap.name())) != std::string::npos;
  }
  return false;
}

}  // namespace

TEST_CASE("pointers into a segment page never lent to a size class are not blocks: usable_size 0, deallocate throws") {
  // Old code divided by the page's block size, 0 for an unlent page (SIGFPE): hence the child process.
  const fm::test::ChildResult child = fm::test::run_in_child([] {
    fm::Heap heap("unlent");
    void* p = heap.allocate(16);           // lends the first 64 KiB page of a fresh segment
    char* unlent = segment_base(p) + 5 * 65536 + 32;
    char* header = segment_base(p) + 8;  // the segment's own header, before the first page's blocks
    if (heap.usable_size(unlent) != 0 || heap.usable_size(header) != 0) return 1;
#if FM_CHECKED
    if (!rejected_as_foreign(heap, unlent) || !rejected_as_foreign(heap, header)) return 2;
#endif
    heap.deallocate(p, 16);
    return heap.heap_stats().requested == 0 ? 0 : 3;
  });
  INFO(child.describe());
  CHECK(child.exited_with(0));
}

#if FM_CHECKED
TEST_CASE("checked deallocate of a pointer inside a small block throws bad_free and changes nothing") {
  fm::Heap heap("inside");
  auto* p = static_cast<unsigned char*>(heap.allocate(64));
  fill(p, 64, 3);
  const fm::HeapStats before = heap.heap_stats();
  CHECK_THROWS_AS(heap.deallocate(p + 16, 16), fm::bad_free);
  CHECK_THROWS_AS(heap.deallocate(p + 8, 8), fm::bad_free);
  CHECK(heap.heap_stats().deallocations == before.deallocations);
  CHECK(heap.heap_stats().requested == before.requested);
  // Had the interior pointer entered the free list, the next allocations would hand it out over p.
  std::vector<void*> next;
  for (int i = 0; i < 8; ++i) next.push_back(heap.allocate(16));
  CHECK(intact(p, 64, 3));
  for (void* q : next) heap.deallocate(q, 16);
  heap.deallocate(p, 64);
}
#endif

TEST_CASE("a zero-byte block with a large alignment lies inside its own mapping and is owned") {
  fm::Heap heap("zero");
  for (const std::size_t align : {std::size_t{1} << 20, std::size_t{1} << 22, std::size_t{1} << 23}) {
    CAPTURE(align);
    void* p = heap.allocate(0, align);
    CHECK(fm::is_aligned(p, align));
    CHECK(heap.usable_size(p) > 0);  // the block starts inside its mapping, not at its end
    CHECK(heap.owns(p));
    heap.deallocate(p, 0, align);
  }
  CHECK(heap.heap_stats().large_blocks == 0);
}

namespace {

// The message deallocate throws for (p, size, align), or "" when it accepts the free.
[[maybe_unused]] std::string deallocate_error(fm::Heap& heap, void* p, std::size_t size, std::size_t align) {
  try {
    heap.deallocate(p, size, align);
  } catch (const fm::bad_free& e) {
    return e.what();
  }
  return "";
}

std::string check_free_error(const fm::AllocatorRef& ref, const void* p, std::size_t size, std::size_t align) {
  try {
    ref.check_free(p, size, align);
  } catch (const fm::bad_free& e) {
    return e.what();
  }
  return "";
}

}  // namespace

#if FM_CHECKED
TEST_CASE("check_free throws what checked deallocate would throw, naming the heap, and changes nothing") {
  fm::Heap heap("checked");
  fm::Heap other("other");
  const fm::AllocatorRef ref = heap;
  auto* small = static_cast<char*>(heap.allocate(48, 64));
  auto* large = static_cast<char*>(heap.allocate(1 << 20));
  void* foreign = other.allocate(32);
  struct Free {
    void* p;
    std::size_t size;
    std::size_t align;
    const char* says;
  };
  const Free bad[] = {{foreign, 32, 16, "not a block of this heap"},
                      {segment_base(small) + 8, 16, 16, "not a block of this heap"},
                      {small + 16, 16, 16, "points inside a block"},
                      {small, 48, 16, small == fm::align_up(small, 64) ? "" : "points inside a block"},
                      {large + 4096, 16, 16, "not a block of this heap"},
                      {small, 4096, 64, "but the block holds only"},
                      {large, (1 << 21), 16, "but the block holds only"}};
  for (const Free& f : bad) {
    CAPTURE(f.says);
    const fm::HeapStats before = heap.heap_stats();
    const std::string checked = check_free_error(ref, f.p, f.size, f.align);
    CHECK(checked.find(f.says) != std::string::npos);
    if (*f.says != 0) CHECK(checked.find("heap 'checked'") != std::string::npos);
    CHECK(heap.heap_stats().requested == before.requested);
    CHECK(heap.heap_stats().deallocations == before.deallocations);
    if (*f.says != 0) CHECK(deallocate_error(heap, f.p, f.size, f.align) == checked);
  }
  CHECK(check_free_error(ref, small, 48, 64).empty());
  CHECK(check_free_error(ref, nullptr, 48, 64).empty());
  CHECK(heap.heap_stats().requested == 48 + (1 << 20));
  heap.deallocate(small, 48, 64);
  heap.deallocate(large, 1 << 20);
  other.deallocate(foreign, 32);
  CHECK(heap.heap_stats().requested == 0);
}
#endif

TEST_CASE("max_alignment tells debug layers and pools the largest alignment the heap accepts") {
  fm::Heap heap("max-align");
  const fm::AllocatorRef ref = heap;
  CHECK(fm::max_alignment_of(heap) == fm::Heap::max_alignment());
  CHECK(ref.max_alignment() == fm::Heap::max_alignment());
  void* p = heap.allocate(8, fm::Heap::max_alignment());
  CHECK(fm::is_aligned(p, fm::Heap::max_alignment()));
  heap.deallocate(p, 8, fm::Heap::max_alignment());
  CHECK_THROWS_AS((void)heap.allocate(8, fm::Heap::max_alignment() * 2), fm::bad_alignment);
}

TEST_CASE("collect returns every empty page, parked batches included, so an idle heap keeps only metadata") {
  fm::Heap heap("collect");
  std::vector<void*> blocks;
  for (int i = 0; i < 4000; ++i) blocks.push_back(heap.allocate(200 * 1024));  // batch size 1: each free is parked
  void* large = heap.allocate(1 << 20);
  heap.deallocate(large, 1 << 20);  // its mapping is kept for reuse until collect
  for (void* p : blocks) heap.deallocate(p, 200 * 1024);
  heap.collect();
  const fm::HeapStats st = heap.heap_stats();
  CHECK(st.classes[fm::heap::size_class_of(200 * 1024)].committed == 0);
  CHECK(st.classes[fm::heap::size_class_of(200 * 1024)].pages == 0);
  CHECK(st.committed == st.metadata);
  void* again = heap.allocate(200 * 1024);  // the released pages serve new blocks
  CHECK(heap.usable_size(again) >= 200 * 1024);
  heap.deallocate(again, 200 * 1024);
}

TEST_CASE("segments given back and taken again by another class free each block to its new class") {
  fm::Heap heap("segment reuse");
  constexpr std::size_t big = 200 * 1024;  // pages of 2 MiB: whole segments of one class
  std::vector<void*> blocks;
  for (int i = 0; i < 64; ++i) blocks.push_back(heap.malloc(big));
  for (void* p : blocks) heap.free(p);
  heap.collect();
  REQUIRE(heap.heap_stats().committed == heap.heap_stats().metadata);  // every page went back
  // Small blocks on segments that may sit where the big class's were: each free goes back to its class.
  std::vector<void*> small;
  for (int i = 0; i < 20000; ++i) {
    small.push_back(heap.malloc(48));
    fill(small.back(), 48, static_cast<std::uint32_t>(i));
  }
  for (int i = 0; i < 20000; ++i) CHECK_MESSAGE(intact(small[i], 48, static_cast<std::uint32_t>(i)), i);
  for (void* p : small) heap.free(p);
  const fm::HeapStats st = heap.heap_stats();
  CHECK(st.classes[fm::heap::size_class_of(48)].live_blocks == 0);
  CHECK(st.allocations == st.deallocations);
}

TEST_CASE("blocks freed in random order, to pages whose free lists are taken in runs, are each handed out again once") {
  fm::Heap heap("runs");
  constexpr std::size_t size = 48;
  constexpr int count = 20000;  // pages of 1365 blocks: free lists of many runs of 64
  std::vector<void*> blocks;
  for (int i = 0; i < count; ++i) blocks.push_back(heap.malloc(size));
  std::vector<void*> kept;
  std::vector<void*> freed;
  for (int i = 0; i < count; ++i) (i % 7 == 0 ? kept : freed).push_back(blocks[i]);  // pages stay in use
  for (std::size_t i = 0; i < kept.size(); ++i) fill(kept[i], size, static_cast<std::uint32_t>(i));
  std::shuffle(freed.begin(), freed.end(), std::mt19937(7));
  for (void* p : freed) heap.free(p);
  heap.collect();  // parked batches go to their pages too
  std::vector<void*> again;
  for (std::size_t i = 0; i < freed.size(); ++i) {
    again.push_back(heap.malloc(size));
    fill(again.back(), size, static_cast<std::uint32_t>(count + i));
  }
  std::vector<void*> all = kept;
  all.insert(all.end(), again.begin(), again.end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(heap.heap_stats().classes[fm::heap::size_class_of(size)].live_blocks == count);
  for (std::size_t i = 0; i < kept.size(); ++i) CHECK_MESSAGE(intact(kept[i], size, static_cast<std::uint32_t>(i)), i);
  for (std::size_t i = 0; i < again.size(); ++i) {
    CHECK_MESSAGE(intact(again[i], size, static_cast<std::uint32_t>(count + i)), i);
  }
  for (void* p : all) heap.free(p);
  const fm::HeapStats st = heap.heap_stats();
  CHECK(st.classes[fm::heap::size_class_of(size)].live_blocks == 0);
  CHECK(st.allocations == st.deallocations);
}

#if defined(__linux__) && !FM_HAS_ASAN && !FM_HAS_TSAN
TEST_CASE("a heap whose segment range cannot be reserved still allocates and frees, on its slow paths") {
  // The sanitizers need far more address space than the limit below leaves, hence not in their builds.
  const fm::test::ChildResult child = fm::test::run_in_child([] {
    long pages = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    if (pages == 0) return 1;
    // Room for the heap's segments (about 100 MiB below), not for its 16 GiB range.
    const rlimit limit{static_cast<rlim_t>(pages) * 4096 + (rlim_t{1} << 30), static_cast<rlim_t>(pages) * 4096 + (rlim_t{1} << 30)};
    if (setrlimit(RLIMIT_AS, &limit) != 0) return 2;
    fm::Heap heap("no range");
    std::vector<void*> blocks;
    for (std::uint32_t i = 0; i < 100000; ++i) {
      const std::size_t size = 16 + (i * 37) % 2000;
      blocks.push_back(heap.allocate(size));
      fill(blocks.back(), size, i);
    }
    for (std::uint32_t i = 0; i < blocks.size(); ++i) {
      const std::size_t size = 16 + (i * 37) % 2000;
      if (!intact(blocks[i], size, i)) return 3;
      heap.deallocate(blocks[i], size);
    }
    const fm::HeapStats st = heap.heap_stats();
    return st.requested == 0 && st.allocations == 100000 && st.deallocations == 100000 ? 0 : 4;
  });
  INFO(child.describe());
  CHECK(child.exited_with(0));
}
#endif

#if defined(__linux__)
namespace {
[[nodiscard]] long minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_minflt;
}
void touch_pages(char* p, std::size_t n) {
  for (std::size_t at = 0; at < n; at += 4096) p[at] = 1;
}
}  // namespace

TEST_CASE("a freed large block of several MiB serves a larger request with its pages still resident") {
  fm::Heap heap("large-reuse");
  constexpr std::size_t first = std::size_t{6} << 20, second = std::size_t{7} << 20;
  auto* p = static_cast<char*>(heap.malloc(first));
  touch_pages(p, first);
  heap.free(p);
  CHECK(heap.heap_stats().total_free >= first);  // kept, not unmapped
  const long before = minor_faults();
  auto* q = static_cast<char*>(heap.malloc(second));
  touch_pages(q, second);
  const long faults = minor_faults() - before;
  // Only the 1 MiB of growth (256 pages) is new; a fresh mapping would fault all 1792 pages. The margin
  // covers AddressSanitizer's shadow pages (1/8 of the range) in the sanitizer build.
  CHECK(faults < 1024);
  heap.free(q);
}
#endif

#if FM_HAS_ASAN
// Meaningful only where AddressSanitizer watches the poisoned bytes, so registered only in ASan builds.
TEST_CASE("AddressSanitizer reports touching a freed heap block, a never-used block and a cached large mapping") {
  struct Misuse {
    const char* what;
    int (*touch)(fm::Heap&);
  };
  const Misuse misuses[] = {
      {"freed small block",
       [](fm::Heap& heap) {
         auto* p = static_cast<volatile char*>(heap.allocate(64));
         heap.deallocate(const_cast<char*>(p), 64);
         return static_cast<int>(p[8]);
       }},
      {"block never handed out",
       [](fm::Heap& heap) {
         auto* p = static_cast<volatile char*>(heap.allocate(64));
         return static_cast<int>(p[64 + 8]);  // the next block of the page
       }},
      {"cached large mapping",
       [](fm::Heap& heap) {
         auto* p = static_cast<volatile char*>(heap.allocate(1 << 20));
         heap.deallocate(const_cast<char*>(p), 1 << 20);
         return static_cast<int>(p[4096]);
       }},
  };
  for (const Misuse& misuse : misuses) {
    INFO("misuse: " << misuse.what);
    const fm::test::ChildResult child = fm::test::run_in_child([&] {
      fm::Heap heap("poisoned");
      (void)misuse.touch(heap);
      return 0;
    });
    INFO(child.describe());
    CHECK_FALSE(child.exited_with(0));
    CHECK(child.output.find("ERROR: AddressSanitizer: use-after-poison") != std::string::npos);
  }
}
#endif

namespace {

// Whether check_free and checked deallocate both refuse `p` as a double free naming the heap, leaving the
// statistics as they were. check_free goes first: on a heap that misses the double free it changes nothing.
void require_double_free_refused(fm::Heap& heap, void* p, std::size_t size, std::size_t align = 16) {
  CAPTURE(p);
  const fm::HeapStats before = heap.heap_stats();
  const std::string checked = check_free_error(fm::AllocatorRef(heap), p, size, align);
  REQUIRE(checked.find("double free") != std::string::npos);
  CHECK(checked.find("heap '" + std::string(heap.name()) + "'") != std::string::npos);
#if FM_CHECKED
  CHECK(deallocate_error(heap, p, size, align) == checked);
#endif
  const fm::HeapStats after = heap.heap_stats();
  CHECK(after.requested == before.requested);
  CHECK(after.allocations == before.allocations);
  CHECK(after.deallocations == before.deallocations);
}

// Allocations after refused double frees must all be distinct blocks: a block that entered a free list twice
// would be handed out twice.
void check_next_allocations_distinct(fm::Heap& heap, std::size_t size, std::size_t count) {
  std::vector<void*> got;
  for (std::size_t i = 0; i < count; ++i) got.push_back(heap.allocate(size));
  std::vector<void*> sorted = got;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  for (void* p : got) heap.deallocate(p, size);
}

}  // namespace

TEST_CASE("check_free and checked deallocate refuse a double free of a small block wherever it sits, naming the heap") {
  fm::Heap heap("twice");
  void* keep = heap.allocate(64);  // keeps the page in use, so a freed block stays on its free list
  void* once = heap.allocate(64);
  heap.deallocate(once, 64);
  SUBCASE("in the freeing thread's cache") { require_double_free_refused(heap, once, 64); }
  SUBCASE("on its page's free list") {
    heap.collect();
    require_double_free_refused(heap, once, 64);
  }
  SUBCASE("with a zero first word, as a live block may have") {
    void* zeroed = heap.allocate(64);
    std::memset(zeroed, 0, 64);
    CHECK(check_free_error(fm::AllocatorRef(heap), zeroed, 64, 16).empty());
    heap.deallocate(zeroed, 64);
  }
  SUBCASE("aligned, its block starting before the pointer") {
    void* aligned = heap.allocate(40, padded_alignment);
    heap.deallocate(aligned, 40, padded_alignment);
    require_double_free_refused(heap, aligned, 40, padded_alignment);
  }
  SUBCASE("in batches parked on the central list") {
    std::vector<void*> blocks;
    for (int i = 0; i < 600; ++i) blocks.push_back(heap.allocate(64));
    for (void* p : blocks) heap.deallocate(p, 64);  // overflows the cache: whole batches are parked
    for (void* p : blocks) require_double_free_refused(heap, p, 64);
  }
  SUBCASE("in another thread's cache, while that thread lives, and after it exited") {
    std::vector<void*> blocks;
    for (int i = 0; i < 20; ++i) blocks.push_back(heap.allocate(64));
    fm::model::Barrier freed(2);
    fm::model::Barrier checked(2);
    std::thread other([&] {
      for (void* p : blocks) heap.deallocate(p, 64);
      freed.arrive_and_wait();
      checked.arrive_and_wait();  // alive, its cache holding the blocks, while the main thread tries them again
    });
    freed.arrive_and_wait();
    for (void* p : blocks) require_double_free_refused(heap, p, 64);
    checked.arrive_and_wait();
    other.join();
    for (void* p : blocks) require_double_free_refused(heap, p, 64);
  }
  check_next_allocations_distinct(heap, 64, 200);
  heap.deallocate(keep, 64);
  CHECK(heap.heap_stats().requested == 0);
}

TEST_CASE("check_free and checked deallocate refuse a double free of a large block, cached or unmapped") {
  fm::Heap heap("twice-large");
  for (const std::size_t size : {std::size_t{1} << 20, std::size_t{16} << 20}) {
    CAPTURE(size);
    void* p = heap.allocate(size);
    heap.deallocate(p, size);
    const std::string checked = check_free_error(fm::AllocatorRef(heap), p, size, 16);
    CHECK(checked.find("heap 'twice-large'") != std::string::npos);
#if FM_CHECKED
    CHECK(deallocate_error(heap, p, size, 16) == checked);
#endif
    CHECK(heap.heap_stats().large_blocks == 0);
  }
  CHECK(heap.heap_stats().requested == 0);
}

TEST_CASE("owns and usable_size of a misaligned pointer into a large block read no header through it") {
  // Old code read the would-be block header 64 bytes before any pointer into a large block's unit, misaligned
  // here, which UBSan (built to abort) reports: hence the child process.
  const fm::test::ChildResult child = fm::test::run_in_child([] {
    fm::Heap heap("misaligned");
    auto* p = static_cast<char*>(heap.allocate(1 << 20));
    int code = 0;
    for (std::size_t offset : {1, 3, 7, 12, 4097}) {
      if (heap.owns(p + offset) || heap.usable_size(p + offset) != 0) code = 1;
    }
    heap.deallocate(p, 1 << 20);
    return code;
  });
  INFO(child.describe());
  CHECK(child.exited_with(0));
}

TEST_CASE("a pointer into a large block's unit but past its mapping is no block, and nothing is read there") {
  // Old code read a would-be header 64 bytes before any such pointer: past a small mapping that is unmapped
  // memory (SIGSEGV), which a double free of a freed large block's pointer reached: hence the child process.
  const fm::test::ChildResult child = fm::test::run_in_child([] {
    fm::Heap heap("past-mapping");
    constexpr std::size_t size = 300 * 1024;  // mapped directly, far less than its 4 MiB unit
    auto* p = static_cast<char*>(heap.allocate(size));
    int code = 0;
    for (const std::size_t unit_offset : {std::size_t{1} << 20, std::size_t{2} << 20, std::size_t{3} << 20}) {
      char* past = p - 64 + unit_offset;
      if (heap.owns(past) || heap.usable_size(past) != 0) code = 1;
      try {
        heap.check_free(past, 16);
        code = 2;
      } catch (const fm::bad_free&) {
      }
    }
    heap.deallocate(p, size);
    return code;
  });
  INFO(child.describe());
  CHECK(child.exited_with(0));
}

TEST_CASE("realloc that keeps a large block in place counts the new size as requested") {
  fm::Heap heap("realloc-in-place");
  // Aligned to 1 MiB, even a small request is mapped directly; 4 KiB usable, so 2210 bytes stay in place.
  void* p = heap.aligned_malloc(1979, std::size_t{1} << 20);
  REQUIRE(p != nullptr);
  CHECK(heap.heap_stats().requested == 1979);
  void* q = heap.realloc(p, 2210);
  CHECK(q == p);
  CHECK(heap.heap_stats().requested == 2210);
  heap.free(q);
  CHECK(heap.heap_stats().requested == 0);
}
