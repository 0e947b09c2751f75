// MemorySystem::end_frame at engine scale: pools of 200k blocks with half of them free in scattered order
// (the case a free-list walk made cost milliseconds), and the cost of each registered system on its own.
// Figures are per frame, per pool and per system, so they stay comparable when the pool cap changes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/system/memory_system.hpp"

namespace {

// The engine-scale scene: 64 pools, the default MemorySystemOptions::max_pools.
constexpr std::size_t pool_count = 64;
static_assert(pool_count <= fm::MemorySystemOptions{}.max_pools);
constexpr std::size_t blocks_per_pool = 200'000;
constexpr std::size_t block_bytes = 64;

// A pool of `blocks_per_pool` blocks, every other one freed in random order: half free, pages partial, and a
// free list whose links almost all jump. `live` receives the blocks still allocated.
std::unique_ptr<fm::Pool> scattered_pool(std::size_t seed, std::vector<void*>* live = nullptr) {
  auto pool = std::make_unique<fm::Pool>(block_bytes, alignof(std::max_align_t), fm::PoolOptions{.name = "bench"});
  std::vector<void*> blocks(blocks_per_pool);
  for (void*& p : blocks) p = pool->allocate(block_bytes, alignof(std::max_align_t));
  std::vector<std::size_t> odd(blocks_per_pool / 2);
  std::iota(odd.begin(), odd.end(), std::size_t{0});
  for (std::size_t& i : odd) i = 2 * i + 1;
  std::shuffle(odd.begin(), odd.end(), std::mt19937_64(seed));
  for (std::size_t i : odd) pool->deallocate(blocks[i], block_bytes, alignof(std::max_align_t));
  if (live != nullptr) {
    for (std::size_t i = 0; i < blocks_per_pool; i += 2) live->push_back(blocks[i]);
  }
  return pool;
}

void run_frames(benchmark::State& state, fm::MemorySystem& ms) {
  for (auto _ : state) {
    ms.begin_frame();
    ms.end_frame();
  }
  benchmark::DoNotOptimize(ms.latest().frame);
}

// Reports CPU microseconds per registered unit (pool or system) next to Google Benchmark's time per frame.
void report(benchmark::State& state, const char* per_name, std::size_t units) {
  const double frames = static_cast<double>(state.iterations());
  state.counters[per_name] = benchmark::Counter(frames * static_cast<double>(units) * 1e-6,
                                                benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The same pools, each with `range(0)` live blocks freed and allocated again before every frame (other blocks
// each frame, 31 pages apart, so each lies in a page of its own): every pool has changed, in range(0) of its
// pages (the counter pages_changed_per_pool says how many exactly). The frees and allocations (2 x range(0) x
// 64 pool calls) are outside the timed part; only begin_frame and end_frame are timed.
void end_frame_scattered_pools(benchmark::State& state) {
  const auto churn = static_cast<std::size_t>(state.range(0));
  std::vector<std::unique_ptr<fm::Pool>> pools;
  std::vector<std::vector<void*>> live(pool_count);
  fm::MemorySystem ms;
  for (std::size_t i = 0; i < pool_count; ++i) {
    pools.push_back(scattered_pool(i + 1, &live[i]));
    ms.add_pool("pool" + std::to_string(i), *pools.back());
  }
  const fm::PoolStats st = pools.front()->pool_stats();
  state.counters["pools"] = static_cast<double>(pool_count);
  state.counters["pages_per_pool"] = static_cast<double>(st.pages);
  state.counters["scatter"] = st.free_list_scatter;
  const auto churned = [&](std::size_t pool, std::size_t next, std::size_t c) -> void*& {
    return live[pool][(next + c * 977) % live[pool].size()];
  };
  std::set<std::uintptr_t> pages_changed;
  for (std::size_t c = 0; c < churn; ++c) {
    pages_changed.insert(reinterpret_cast<std::uintptr_t>(churned(0, 0, c)) / st.page_bytes);
  }
  state.counters["pages_changed_per_pool"] = static_cast<double>(pages_changed.size());
  std::size_t next = 0;  // the live block churned first this frame, the same index in every pool
  for (auto _ : state) {
    state.PauseTiming();
    for (std::size_t i = 0; i < pool_count && churn != 0; ++i) {
      for (std::size_t c = 0; c < churn; ++c) {
        void*& p = churned(i, next, c);
        pools[i]->deallocate(p, block_bytes, alignof(std::max_align_t));
        p = pools[i]->allocate(block_bytes, alignof(std::max_align_t));
      }
    }
    next = (next + 1) % live[0].size();
    state.ResumeTiming();
    ms.begin_frame();
    ms.end_frame();
  }
  benchmark::DoNotOptimize(ms.latest().frame);
  report(state, "us_per_pool", pool_count);
}

// Pool statistics alone (what end_frame reads for each pool), without the snapshot around them.
void pool_stats_scattered(benchmark::State& state) {
  const auto pool = scattered_pool(1);
  for (auto _ : state) benchmark::DoNotOptimize(pool->pool_stats());
}

// `range(0)` plain systems (linear arenas with a little in use) besides the memory system's own frame arena.
void end_frame_systems(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<std::unique_ptr<fm::LinearArena>> arenas;
  fm::MemorySystem ms;
  for (std::size_t i = 0; i < count; ++i) {
    arenas.push_back(std::make_unique<fm::LinearArena>(fm::LinearArenaOptions{.capacity = 4096}));
    (void)arenas.back()->allocate(100, 8);
    ms.add_system("system" + std::to_string(i), *arenas.back(), "arena");
  }
  run_frames(state, ms);
  report(state, "us_per_system", count + 1);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("end_frame/scattered_pools", end_frame_scattered_pools)
      ->ArgName("churn")
      ->Arg(0)
      ->Arg(4)
      ->Arg(1024)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("pool_stats/scattered_pool", pool_stats_scattered);
  auto* systems = benchmark::RegisterBenchmark("end_frame/systems", end_frame_systems)->Unit(benchmark::kMicrosecond);
  for (long n : {1L, 8L, static_cast<long>(fm::MemorySystemOptions{}.max_systems - 1)}) systems->Arg(n);
  return true;
}();

}  // namespace
