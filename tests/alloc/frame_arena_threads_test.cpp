// FrameArena used from several threads: each thread bumps in its own buffers, frames flip at a barrier.
#include "fm/alloc/frame_arena.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <memory_resource>
#include <thread>
#include <vector>

#include "model/barrier.hpp"

namespace {

TEST_CASE("threads allocate from their own frame buffers without disturbing each other") {
  constexpr int threads = 4;
  constexpr int frames = 20;
  constexpr int blocks_per_frame = 200;
  fm::FrameArena frame{{.capacity = 8 * 1024}};  // small: every thread overflows into chained chunks
  fm::model::Barrier sync(threads + 1);
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

namespace {

TEST_CASE("deallocate on a thread that never allocated creates no thread state") {
  fm::FrameArena frame{{.capacity = 4096}};
  void* p = frame.allocate(64, 16);
  const fm::AllocatorStats before = frame.stats();
  std::thread([&] {
    frame.deallocate(p, 64, 16);
    frame.resource().deallocate(p, 64, 16);  // what a pmr container destroyed on this thread does
  }).join();
  CHECK(frame.thread_count() == 1);
  CHECK(frame.stats().bytes_reserved == before.bytes_reserved);
  CHECK(frame.stats().allocations == before.allocations);
}

TEST_CASE("a thread's frame buffers pass to a later thread once it has exited") {
  constexpr std::size_t capacity = 4096;
  fm::FrameArena frame{{.capacity = capacity, .buffers = 2}};
  // Threads that never touch the arena stay alive meanwhile, so each worker is a new thread with a new id
  // (the system would otherwise hand an exited thread's id straight to the next one).
  fm::model::Barrier release_idle(7);  // the six idle threads and this one
  std::vector<std::thread> idle;
  for (int t = 0; t < 6; ++t) {
    std::thread([&] {
      auto* p = static_cast<unsigned char*>(frame.allocate(100, 8));
      std::memset(p, t, 100);
    }).join();
    idle.emplace_back([&] { release_idle.arrive_and_wait(); });
  }
  release_idle.arrive_and_wait();
  for (auto& th : idle) th.join();
  CHECK(frame.thread_count() == 1);
  CHECK(frame.stats().bytes_reserved == 2 * capacity);
  CHECK(frame.stats().allocations == 6);
  frame.next_frame();
  CHECK(frame.arena_stats().bytes_used == 0);
}

}  // namespace
