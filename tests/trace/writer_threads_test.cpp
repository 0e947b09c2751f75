// Several threads record through one Writer whose reserve of chunks is smaller than the number of threads (so
// they wait for each other: back-pressure); every thread's events read back exactly, cross-thread frees keep
// their order, more live threads than chunks never wait for each other forever, and threads that go on
// recording while the writer closes lose no event uncounted.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <thread>

#include "fm/heap/heap.hpp"
#include "fm/trace/recording.hpp"
#include "model/barrier.hpp"
#include "model/driver.hpp"
#include "trace/support.hpp"

namespace {

using fm::model::ScratchFile;
using fm::model::TraceStreamModel;

// Runs `body` on a thread of its own and ends the test program with `failure` when it has not returned within
// `limit`: a recording that hangs must fail the test run, not stall it.
template <class Body>
void finish_within(std::chrono::seconds limit, const char* failure, Body body) {
  std::mutex m;
  std::condition_variable finished;
  bool done = false;
  std::thread runner([&] {
    body();
    const std::lock_guard lock(m);
    done = true;
    finished.notify_all();
  });
  std::unique_lock lock(m);
  if (!finished.wait_for(lock, limit, [&] { return done; })) {
    std::fprintf(stderr, "%s\n", failure);
    std::fflush(stderr);
    std::_Exit(EXIT_FAILURE);
  }
  lock.unlock();
  runner.join();
}

void run_threads(fm::model::Source& src, std::size_t steps) {
  constexpr std::uint32_t threads = 4;
  const ScratchFile file("writer_threads");
  std::vector<TraceStreamModel> models;
  for (std::uint32_t k = 0; k < threads; ++k) models.emplace_back(2, std::uint64_t{k + 1} << 32, k == 0);
  std::vector<std::uint64_t> seeds;
  for (std::uint32_t k = 0; k < threads; ++k) seeds.push_back(src.u32());
  {
    fm::trace::Writer w(file.path(), {.chunk_bytes = 256, .chunks = 3});
    std::vector<std::thread> workers;
    for (std::uint32_t k = 0; k < threads; ++k) {
      // Systems of their own: a reset ends the live blocks of its system on every thread.
      const std::vector<std::uint32_t> systems{w.system("a" + std::to_string(k)), w.system("b" + std::to_string(k))};
      workers.emplace_back([&, k, systems] {
        fm::model::Source mine = fm::model::Source::from_seed(seeds[k]);
        for (std::size_t i = 0; i < steps; ++i) models[k].step(mine, w, systems, false);
      });
    }
    for (auto& t : workers) t.join();
    w.close();
  }
  const fm::trace::Trace t = fm::trace::read(file.path());
  fm::model::expect(t.threads.size() == threads, std::to_string(t.threads.size()) + " threads in the trace");
  for (std::uint32_t k = 0; k < threads; ++k) {
    bool found = false;
    for (std::uint32_t n = 0; n < threads && !found; ++n) {
      fm::model::RecordedStream read = fm::model::read_back(t, n);
      for (auto& e : read.events) e.thread = 0;
      found = read.events == models[k].out.events && read.ends == models[k].out.ends;
    }
    fm::model::expect(found, "thread " + std::to_string(k) + "'s events are not in the trace as written");
  }
}

TEST_CASE("threads recording through one writer with a reserve of fewer chunks than threads read back exactly") {
  fm::model::run_seeds("trace/threads", 40, 400, run_threads);
}

TEST_CASE("a block allocated on one thread and freed on another is ordered allocate first") {
  const ScratchFile file("writer_handoff");
  fm::Heap heap("handoff");
  {
    fm::trace::Writer w(file.path(), {.chunk_bytes = 512, .chunks = 4});
    fm::Recording<fm::Heap&> recorded(w, "handoff", heap);
    std::atomic<void*> slot{nullptr};
    std::thread producer([&] {
      for (int i = 0; i < 2000; ++i) {
        void* p = recorded.allocate(16 + i % 64, 16);
        while (slot.load(std::memory_order_acquire) != nullptr) std::this_thread::yield();
        slot.store(p, std::memory_order_release);
      }
    });
    std::thread consumer([&] {
      for (int i = 0; i < 2000; ++i) {
        void* p = nullptr;
        while ((p = slot.load(std::memory_order_acquire)) == nullptr) std::this_thread::yield();
        slot.store(nullptr, std::memory_order_release);
        recorded.deallocate(p, 16 + i % 64, 16);
      }
    });
    producer.join();
    consumer.join();
    w.close();
  }
  const fm::trace::Trace t = fm::trace::read(file.path());  // rejects a free stamped before its allocate
  CHECK(t.events.size() == 4000);
  CHECK(t.threads.size() == 2);
  for (const auto& b : t.blocks) CHECK(b.ended_by != fm::trace::no_block);
}

// A reset is stamped after every event any thread stamped before it, not only its own thread's: here the
// worker's allocate comes first, then the reset, then the worker allocates the same address again. Had
// the reset been stamped at or before that first allocate, the block would outlive it and the second
// allocate would reuse a live address.
TEST_CASE("a reset on one thread ends the blocks another thread allocated before it") {
  const ScratchFile file("writer_reset_barrier");
  {
    fm::trace::Writer w(file.path(), {.chunk_bytes = 512, .chunks = 4});
    const std::uint32_t arena = w.system("arena");
    w.frame_begin(1);  // the main thread is thread 0, so it wins a tie of stamps
    std::thread([&] { w.allocate(arena, 0x1000, 64, 16); }).join();
    w.reset(arena);
    std::thread([&] { w.allocate(arena, 0x1000, 64, 16); }).join();
    w.frame_end(1);
    w.close();
  }
  const fm::trace::Trace t = fm::trace::read(file.path());
  REQUIRE(t.blocks.size() == 2);
  CHECK(t.events[t.blocks[0].ended_by].op == fm::trace::Op::reset);
  CHECK(t.blocks[1].ended_by == fm::trace::no_block);
}

// Stamps are per-thread clocks that meet at blocks: a thread that recorded little frees a block another
// thread allocated after many events, then that thread allocates the same address again after the first
// recorded many more. Ordered by each thread's own count alone, the free would come before its allocate
// and the second allocate before the free.
TEST_CASE("events on one block are ordered across threads however many events each thread recorded") {
  const ScratchFile file("writer_block_order");
  {
    fm::trace::Writer w(file.path(), {.chunk_bytes = 512, .chunks = 4});
    const std::uint32_t s = w.system("heap");
    const auto busy = [&](std::uint64_t base) {
      for (std::uint64_t i = 0; i < 20; ++i) w.allocate(s, base + 64 * i, 64, 16);
    };
    std::thread([&] {
      busy(0x10000);
      w.allocate(s, 0x1000, 64, 16);
    }).join();
    std::thread([&] {
      w.free(0x1000);
      busy(0x20000);
      busy(0x30000);
    }).join();
    std::thread([&] { w.allocate(s, 0x1000, 64, 16); }).join();
    w.close();
  }
  const fm::trace::Trace t = fm::trace::read(file.path());
  CHECK(t.threads.size() == 3);
  CHECK(t.blocks.size() == 62);
}

// Each live recording thread holds a partial chunk until it fills it or exits. With more live threads than
// configured chunks, each recording once and then waiting for all the others, a writer that never adds
// chunks leaves the extra threads waiting for a chunk held by threads that wait for them: forever.
TEST_CASE("more live recording threads than configured chunks all record while the others hold theirs") {
  constexpr int threads = 8;
  const ScratchFile file("writer_many_threads");
  {
    fm::trace::Writer w(file.path(), {.chunk_bytes = 256, .chunks = 4});
    const std::uint32_t s = w.system("heap");
    fm::model::Barrier all_recorded(threads);
    finish_within(std::chrono::seconds(60),
                  "8 threads recording through a writer of 4 chunks did not finish within 60 s: the threads "
                  "without a chunk wait for one that threads waiting for them hold",
                  [&] {
                    std::vector<std::thread> workers;
                    for (int k = 0; k < threads; ++k) {
                      workers.emplace_back([&, k] {
                        const std::uint64_t block = 0x1000 + 64 * static_cast<std::uint64_t>(k);
                        w.allocate(s, block, 64, 16);
                        all_recorded.arrive_and_wait();
                        w.free(block);
                      });
                    }
                    for (auto& t : workers) t.join();
                  });
    CHECK(w.buffer_bytes() == (threads + 4) * 256);  // one chunk per live thread besides the reserve
    w.close();
  }
  const fm::trace::Trace t = fm::trace::read(file.path());
  CHECK(t.threads.size() == threads);
  CHECK(t.events.size() == 2 * threads);
  REQUIRE(t.blocks.size() == threads);
  for (const auto& b : t.blocks) CHECK(t.events[b.ended_by].op == fm::trace::Op::free);
}

// The chunk set grows for threads alive at once, not for threads over time nor for a disk slower than the
// program: a thread that fills chunk after chunk waits for the writer to return one (back-pressure).
TEST_CASE("a writer's chunks grow with the recording threads alive at once, not with events or exited threads") {
  const ScratchFile file("writer_chunk_bound");
  {
    fm::trace::Writer w(file.path(), {.chunk_bytes = 256, .chunks = 2});
    const std::uint32_t s = w.system("heap");
    CHECK(w.buffer_bytes() == 2 * 256);
    for (std::uint64_t k = 0; k < 20; ++k) {
      std::thread([&, k] {
        for (std::uint64_t i = 0; i < 300; ++i) {
          const std::uint64_t block = (k + 1) << 20 | i << 6;
          w.allocate(s, block, 64, 16);
          w.free(block);
        }
      }).join();
    }
    CHECK(w.buffer_bytes() == 3 * 256);
    w.close();
  }
  const fm::trace::Trace t = fm::trace::read(file.path());
  CHECK(t.threads.size() == 20);
  CHECK(t.events.size() == 20 * 600);
}

// close() takes the partial chunk of every thread, also of threads still recording (a process exiting while
// its threads allocate). Each thread here records without pause through tiny chunks (hand-overs and
// back-pressure all the time), with frames and resets among its events (they take the writer's lock), while
// the main thread closes. An event under way must end in a chunk that reaches the file, or be dropped and
// counted: never written into a chunk the writer is writing out or has freed (the sanitizer builds check
// that), and every attempted event is one or the other.
TEST_CASE("threads recording while the writer closes have each event written or counted as dropped") {
  constexpr std::size_t threads = 4;
  for (int round = 0; round < 10; ++round) {
    INFO("round " << round);
    const ScratchFile file("writer_close_race");
    std::vector<std::atomic<std::uint64_t>> attempted(threads);
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;
    {
      fm::trace::Writer w(file.path(), {.chunk_bytes = 256, .chunks = 2});
      std::vector<std::uint32_t> systems;
      for (std::size_t k = 0; k < threads; ++k) systems.push_back(w.system("heap " + std::to_string(k)));
      std::atomic<bool> stop{false};
      std::vector<std::thread> workers;
      for (std::size_t k = 0; k < threads; ++k) {
        workers.emplace_back([&, k] {
          const std::uint64_t base = std::uint64_t{k + 1} << 32;
          std::uint64_t n = 0;
          const auto record = [&](auto&& event) {
            event();
            attempted[k].store(++n, std::memory_order_relaxed);
          };
          for (std::uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
            if (k == 0 && i % 16 == 0) record([&] { w.frame_begin(i + 1); });
            const std::uint64_t block = base + (i % 32) * 64;
            record([&] { w.allocate(systems[k], block, 64, 16); });
            if (i % 8 == 7) {
              record([&] { w.reset(systems[k]); });
            } else {
              record([&] { w.free(block); });
            }
            if (k == 0 && i % 16 == 15) record([&] { w.frame_end(i - 14); });
          }
        });
      }
      const auto total = [&] {
        return std::accumulate(attempted.begin(), attempted.end(), std::uint64_t{0},
                               [](std::uint64_t sum, const auto& a) { return sum + a.load(std::memory_order_relaxed); });
      };
      while (total() < 2000 * threads) std::this_thread::yield();
      w.close();
      const std::uint64_t at_close = total();
      while (total() < at_close + 200 * threads) std::this_thread::yield();  // and on after the close
      stop.store(true, std::memory_order_relaxed);
      for (auto& t : workers) t.join();
      written = w.events_written();
      dropped = w.events_dropped();
    }
    const fm::trace::Trace t = fm::trace::read(file.path());  // complete, and every thread's events in order
    CHECK(t.events.size() == written);
    std::uint64_t sum = 0;
    for (const auto& a : attempted) sum += a.load();
    CHECK(written + dropped == sum);
    CHECK(dropped >= 200 * threads);
  }
}

}  // namespace
