// Recording cost: what fm::trace::Writer adds per event on the recording thread, alone and through
// fm::Recording<Pool> next to the same pool unrecorded (the difference is the recording). The writer thread's
// file writes go to /dev/null in the *_null cases so the disk does not set the pace; the *_file cases write a
// real file. Every benchmark reports events per second (items).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "fm/alloc/pool.hpp"
#include "fm/alloc/stack_allocator.hpp"
#include "fm/trace/recording.hpp"
#include "fm/trace/writer.hpp"

namespace {

constexpr std::size_t batch = 1000;  // blocks per iteration: allocate all, free all

std::string scratch_path() { return "/tmp/fm_trace_bench_" + std::to_string(::getpid()) + ".fmt"; }

// One allocate and one free event per block, addresses a block apart as a pool would hand them out.
void record_events(benchmark::State& state, fm::trace::Writer& w) {
  const std::uint32_t system = w.system("bench");
  const std::uint64_t base = 0x7f0000000000ull + static_cast<std::uint64_t>(state.thread_index()) * (1ull << 32);
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) w.allocate(system, base + i * 48, 48, 16);
    for (std::size_t i = 0; i < batch; ++i) w.free(base + i * 48);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 2 * batch));
}

void BM_Writer_file(benchmark::State& state) {
  const std::string path = scratch_path();
  {
    fm::trace::Writer w(path);
    record_events(state, w);
    w.close();
  }
  std::remove(path.c_str());
}

// Every thread its own writer: per-thread recording cost when several threads record at once (the stamp
// counter is then per writer; with one shared writer the threads would also share it, see the docs).
void BM_Writer_null_threads(benchmark::State& state) {
  fm::trace::Writer w("/dev/null");
  record_events(state, w);
  w.close();
}

template <bool recorded>
void BM_Pool(benchmark::State& state) {
  fm::trace::Writer w("/dev/null");
  fm::Pool pool{48, 16, {.name = "bench"}};
  fm::Recording<fm::Pool&> rec(w, "bench", pool);
  void* blocks[batch];
  for (auto _ : state) {
    for (auto& b : blocks) b = recorded ? rec.allocate(48, 16) : pool.allocate(48, 16);
    for (auto it = std::rbegin(blocks); it != std::rend(blocks); ++it) {
      if (recorded) {
        rec.deallocate(*it, 48, 16);
      } else {
        pool.deallocate(*it, 48, 16);
      }
    }
    benchmark::DoNotOptimize(blocks);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 2 * batch));
  w.close();
}

}  // namespace

// One writer for every thread, as a whole-process recording has: the threads share the stamp counter.
void BM_Writer_shared(benchmark::State& state) {
  static fm::trace::Writer shared("/dev/null");
  record_events(state, shared);
}

BENCHMARK(BM_Writer_file);
BENCHMARK(BM_Writer_shared)->Threads(1)->Threads(2);
BENCHMARK(BM_Writer_null_threads)->Threads(1)->Threads(2);
BENCHMARK(BM_Pool<false>)->Name("BM_Pool_plain");
BENCHMARK(BM_Pool<true>)->Name("BM_Pool_recorded");
