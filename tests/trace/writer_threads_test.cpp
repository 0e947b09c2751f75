// Several threads record through one Writer with fewer chunks than threads (so they wait for each other:
// back-pressure); every thread's events read back exactly, and cross-thread frees keep their order.
#include <doctest/doctest.h>

#include <thread>

#include "fm/heap/heap.hpp"
#include "fm/trace/recording.hpp"
#include "model/driver.hpp"
#include "trace/support.hpp"

namespace {

using fm::model::ScratchFile;
using fm::model::TraceStreamModel;

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

TEST_CASE("threads recording through one writer with fewer chunks than threads read back exactly") {
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

}  // namespace
