// FrameArena used from several threads: each thread bumps in its own buffers, frames flip at a barrier.
#include "fm/alloc/frame_arena.hpp"

#include <doctest/doctest.h>

#include <barrier>
#include <cstring>
#include <memory_resource>
#include <thread>
#include <vector>

namespace {

TEST_CASE("threads allocate from their own frame buffers without disturbing each other") {
  constexpr int threads = 4;
  constexpr int frames = 20;
  constexpr int blocks_per_frame = 200;
  fm::FrameArena frame{{.capacity = 8 * 1024}};  // small: every thread overflows into chained chunks
  std::barrier sync(threads + 1);
  std::vector<int> corrupted(threads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int f = 0; f < frames; ++f) {
        std::vector<unsigned char*> mine;
        for (int i = 0; i < blocks_per_frame; ++i) {
          auto* p = static_cast<unsigned char*>(frame.allocate(48, 16));
          std::memset(p, t + 1, 48);
          mine.push_back(p);
        }
        std::pmr::vector<int> scratch{&frame.resource()};
        for (int i = 0; i < 100; ++i) scratch.push_back(t);
        sync.arrive_and_wait();  // everyone wrote; nobody has flipped yet
        for (unsigned char* p : mine) {
          for (int b = 0; b < 48; ++b) corrupted[t] += p[b] != t + 1 ? 1 : 0;
        }
        sync.arrive_and_wait();  // checks done; main flips the frame
        sync.arrive_and_wait();  // flip done
      }
    });
  }
  for (int f = 0; f < frames; ++f) {
    sync.arrive_and_wait();
    sync.arrive_and_wait();
    frame.next_frame();
    sync.arrive_and_wait();
  }
  for (auto& th : pool) th.join();
  for (int t = 0; t < threads; ++t) CHECK(corrupted[t] == 0);
  CHECK(frame.thread_count() == threads);
  CHECK(frame.stats().allocations >= static_cast<std::uint64_t>(threads * frames * blocks_per_frame));
  CHECK(frame.arena_stats().overflow_events > 0);
}

}  // namespace
