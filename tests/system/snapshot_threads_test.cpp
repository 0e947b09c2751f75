// A tools thread receives snapshots while the game thread keeps running frames: the game thread copies
// the rows in use into a preallocated fm::SnapshotCopy (run under ThreadSanitizer by the test script).
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "fm/system/memory_system.hpp"

TEST_CASE("copies of snapshots handed to another thread stay consistent while frames go on") {
  fm::MemorySystem ms({.history = 8});
  fm::Pool pool(32, 8, {.blocks_per_page = 16, .name = "bullets"});
  ms.add_pool("bullets", pool);

  std::mutex mutex;
  fm::SnapshotCopy shared = ms.make_copy();  // the hand-over slot
  std::atomic<bool> done{false};
  std::uint64_t seen = 0;
  bool consistent = true;
  std::thread reader([&, copy = ms.make_copy()]() mutable {
    while (!done.load()) {
      {
        const std::lock_guard lock(mutex);
        consistent = copy.assign(shared.get()) && consistent;
      }
      const fm::Snapshot& s = copy.get();
      if (s.frame == 0) continue;
      // Each published copy is whole: frame n was taken with n blocks live, and its page rows add up to them.
      std::uint64_t page_live = 0;
      for (const fm::PageSnapshot& page : s.pools[0].pages) page_live += page.live_blocks;
      consistent = consistent && s.pools[0].live_blocks == s.frame && page_live == s.frame &&
                   s.pools[0].pages.size() == s.pools[0].committed_pages && s.systems[1].name.view() == "bullets";
      seen = s.frame > seen ? s.frame : seen;
    }
  });
  for (std::uint64_t frame = 1; frame <= 200; ++frame) {
    ms.begin_frame();
    (void)pool.allocate(32, 8);
    ms.end_frame();
    const std::lock_guard lock(mutex);
    CHECK(shared.assign(ms.latest()));
  }
  done = true;
  reader.join();
  CHECK(consistent);
  CHECK(seen <= 200);
  CHECK(ms.latest().pools[0].live_blocks == 200);
}
