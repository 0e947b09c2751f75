// Snapshots are plain values: a tools thread can receive copies while the game thread keeps running
// frames (run under ThreadSanitizer by the test script).
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "fm/system/memory_system.hpp"

TEST_CASE("copies of snapshots handed to another thread stay consistent while frames go on") {
  fm::MemorySystem ms({.history = 8});
  fm::Pool pool(32, 8, {.name = "bullets"});
  ms.add_pool("bullets", pool);

  std::mutex mutex;
  fm::Snapshot shared;  // the hand-over slot
  std::atomic<bool> done{false};
  std::uint64_t seen = 0;
  bool consistent = true;
  std::thread reader([&] {
    fm::Snapshot copy;
    while (!done.load()) {
      {
        const std::lock_guard lock(mutex);
        copy = shared;
      }
      if (copy.frame == 0) continue;
      // Each published copy is whole: frame n was taken with n blocks live.
      consistent = consistent && copy.pools[0].live_blocks == copy.frame && copy.systems[1].name.view() == "bullets";
      seen = copy.frame > seen ? copy.frame : seen;
    }
  });
  for (std::uint64_t frame = 1; frame <= 200; ++frame) {
    ms.begin_frame();
    (void)pool.allocate(32, 8);
    ms.end_frame();
    const std::lock_guard lock(mutex);
    shared = ms.latest();
  }
  done = true;
  reader.join();
  CHECK(consistent);
  CHECK(seen <= 200);
  CHECK(ms.latest().pools[0].live_blocks == 200);
}
