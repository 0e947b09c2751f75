// Pool growth: TypedPool::create of N 64-byte objects into a fresh pool with default options (4 KiB pages from
// the global heap), for N from 10^4 to 10^6. Growth is amortized O(1) when the cost per create stays flat.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

#include "fm/alloc/typed_pool.hpp"

namespace {

struct Object {
  std::array<std::uint64_t, 8> fields{};  // 64 bytes, like a small game object
};
static_assert(sizeof(Object) == 64);

void report_per_object(benchmark::State& state, std::size_t n) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.counters["ns_per_create"] = benchmark::Counter(static_cast<double>(n) * 1e-9,
                                                       benchmark::Counter::kIsIterationInvariantRate |
                                                           benchmark::Counter::kInvert);
}

void fill_pool(std::size_t n) {
  auto pool = std::make_unique<fm::TypedPool<Object>>();
  for (std::size_t i = 0; i < n; ++i) benchmark::DoNotOptimize(pool->create());
}

// "fresh": glibc as configured by default, which returns a freed heap above its trim threshold to the OS, so
// from about 10^5 objects on every iteration faults its pages in again. "resident": glibc keeps freed memory
// (M_TRIM_THRESHOLD raised, after one untimed round), so every size measures the pool on memory that is
// already mapped. Runs after every "fresh" one: the setting is process-wide.
void typed_pool_create(benchmark::State& state, bool resident) {
  const auto n = static_cast<std::size_t>(state.range(0));
  if (resident) {
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    fill_pool(n);
  }
  for (auto _ : state) {
    auto pool = std::make_unique<fm::TypedPool<Object>>();
    for (std::size_t i = 0; i < n; ++i) benchmark::DoNotOptimize(pool->create());
    state.PauseTiming();  // giving the pages back is not growth
    pool.reset();
    state.ResumeTiming();
  }
  report_per_object(state, n);
}

// The memory floor: the same N objects constructed into one array that was allocated and touched before
// timing. Once N objects outgrow the caches, every object costs a cache line from memory and back.
void array_fill(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto array = std::make_unique<Object[]>(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) benchmark::DoNotOptimize(::new (&array[i]) Object{});
    benchmark::ClobberMemory();
  }
  report_per_object(state, n);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("array_fill", array_fill)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
  for (const bool resident : {false, true}) {
    benchmark::RegisterBenchmark(resident ? "typed_pool_create/resident" : "typed_pool_create/fresh",
                                 typed_pool_create, resident)
        ->Arg(10'000)
        ->Arg(100'000)
        ->Arg(1'000'000)
        ->Unit(benchmark::kMillisecond);
  }
  return true;
}();

}  // namespace
