// Handles against the references games use instead: resolving random live references (HandlePool vs raw
// pointers, unordered_map<id, T*> and weak_ptr::lock), create/destroy churn (HandlePool vs new/delete
// and make_shared), the life cycle of N 64-byte objects (create, destroy in random order, create again,
// 1% churn; HandlePool vs new/delete) and iteration after churn (HandlePool and SparseSet vs a dense
// array of the live objects). The entity stores come from demo/sim, so the demo measures the same thing.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fm/handle/handle_pool.hpp"
#include "fm/soa/sparse_set.hpp"
#include "sim/entities.hpp"

namespace {

using fm::sim::EntityState;

EntityState entity(std::uint32_t id) { return {float(id), 0, 0, 0, float(id % 100), id, 0, 0}; }

// Resolves every live entity once per iteration, in a fixed random order, reading one field.
template <class Store>
void resolve_random_live(benchmark::State& state) {
  const auto population = static_cast<std::uint32_t>(state.range(0));
  Store store;
  std::vector<typename Store::Ref> refs;
  refs.reserve(population);
  for (std::uint32_t i = 0; i < population; ++i) refs.push_back(store.create(entity(i)));
  std::shuffle(refs.begin(), refs.end(), std::mt19937(42));
  for (auto _ : state) {
    float sum = 0;
    for (const auto& ref : refs) sum += store.resolve(ref)->state.health;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * population);
  state.counters["ns_per_resolve"] = benchmark::Counter(static_cast<double>(population) * 1e-9,
                                                        benchmark::Counter::kIsIterationInvariantRate |
                                                            benchmark::Counter::kInvert);
}

// The same as resolve_random_live<SharedEntities>, once the process has started a second thread, as a game
// always has: from then on libstdc++ counts shared_ptr references with atomic instructions (it counts plainly
// while the process is single-threaded, which the other benchmarks here are). scripts/bench_handles.sh runs it
// in a process of its own, so no other benchmark runs in a process that has had a thread.
void resolve_weak_ptr_threaded(benchmark::State& state) {
  std::thread([] {}).join();
  resolve_random_live<fm::sim::SharedEntities>(state);
}

// Churn: `live` objects, then `ops` replacements (destroy a random live one, create a new one).
struct Churn {
  static constexpr std::size_t live = 10'000;
  static constexpr std::size_t ops = 1'000'000;
  std::vector<std::uint32_t> victims;
  Churn() : victims(ops) {
    std::mt19937 rng(7);
    for (auto& v : victims) v = static_cast<std::uint32_t>(rng() % live);
  }
};

template <class Slots, class Make, class Kill>
void churn(benchmark::State& state, Slots& slots, Make make, Kill kill) {
  static const Churn plan;
  for (std::uint32_t i = 0; i < Churn::live; ++i) slots.push_back(make(i));
  for (auto _ : state) {
    std::uint32_t id = 0;
    for (const std::uint32_t v : plan.victims) {
      kill(slots[v]);
      slots[v] = make(++id);
    }
    benchmark::ClobberMemory();
  }
  for (auto& s : slots) kill(s);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * Churn::ops));
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(Churn::ops) * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}

void BM_churn_HandlePool(benchmark::State& state) {
  fm::HandlePool<EntityState> pool;
  std::vector<fm::Handle<EntityState>> slots;
  churn(state, slots, [&](std::uint32_t id) { return pool.create(entity(id)); },
        [&](fm::Handle<EntityState> h) { pool.destroy(h); });
}

void BM_churn_new_delete(benchmark::State& state) {
  std::vector<EntityState*> slots;
  churn(state, slots, [](std::uint32_t id) { return new EntityState(entity(id)); },
        [](EntityState* p) { delete p; });
}

void BM_churn_make_shared(benchmark::State& state) {
  std::vector<std::shared_ptr<EntityState>> slots;
  churn(state, slots, [](std::uint32_t id) { return std::make_shared<EntityState>(entity(id)); },
        [](std::shared_ptr<EntityState>& p) { p.reset(); });
}

// ---- life cycle of N 64-byte objects: HandlePool against new/delete of the same object ----

struct Object {
  std::array<std::uint64_t, 8> fields{};  // 64 bytes, like a small game object
};
static_assert(sizeof(Object) == 64);

Object object(std::uint32_t i) {
  Object o;
  o.fields[0] = i;
  return o;
}

struct HandleObjects {
  using Ref = fm::Handle<Object>;
  Ref make(std::uint32_t i) { return pool.create(object(i)); }
  void kill(Ref r) { pool.destroy(r); }
  fm::HandlePool<Object> pool;
};

struct HeapObjects {
  using Ref = Object*;
  static Ref make(std::uint32_t i) { return new Object(object(i)); }
  static void kill(Ref p) { delete p; }
};

void per_op(benchmark::State& state, std::size_t ops) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ops));
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(ops) * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}

// A fixed random order of 0..n-1.
std::vector<std::uint32_t> shuffled(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0U);
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  return order;
}

// One fresh store per iteration: create n objects, destroy them all in random order, create n again; only
// `timed` is measured.
enum class Stage { create, destroy_random, recreate };

template <class Store>
void life_cycle(benchmark::State& state, Stage timed) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const std::vector<std::uint32_t> order = shuffled(n, 11);
  std::vector<typename Store::Ref> refs(n);
  const auto run = [&](Stage stage, auto&& work) {
    if (stage != timed) return work();
    state.ResumeTiming();
    work();
    state.PauseTiming();
  };
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<Store>();
    run(Stage::create, [&] {
      for (std::uint32_t i = 0; i < n; ++i) refs[i] = store->make(i);
    });
    run(Stage::destroy_random, [&] {
      for (const std::uint32_t i : order) store->kill(refs[i]);
    });
    if (timed == Stage::recreate) {
      run(Stage::recreate, [&] {
        for (std::uint32_t i = 0; i < n; ++i) refs[i] = store->make(i);
      });
      for (auto& r : refs) store->kill(r);
    }
    store.reset();
    state.ResumeTiming();
  }
  per_op(state, n);
}

// n live objects, then 100 steps that each destroy 1% of them and then create as many: ns per
// destroy+create. The victims are a fixed random order of all n (distinct within a step), the same for both
// stores.
template <class Store>
void churn_percent(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::size_t per_step = std::max<std::size_t>(n / 100, 1);
  constexpr std::size_t steps = 100;
  const std::vector<std::uint32_t> victims = shuffled(n, 5);
  Store store;
  std::vector<typename Store::Ref> refs(n);
  for (std::uint32_t i = 0; i < n; ++i) refs[i] = store.make(i);
  std::uint32_t id = static_cast<std::uint32_t>(n);
  for (auto _ : state) {
    for (std::size_t step = 0; step < steps; ++step) {
      const std::uint32_t* v = victims.data() + (step * per_step) % (n - per_step + 1);
      for (std::size_t k = 0; k < per_step; ++k) store.kill(refs[v[k]]);
      for (std::size_t k = 0; k < per_step; ++k) refs[v[k]] = store.make(++id);
    }
  }
  for (auto& r : refs) store.kill(r);
  per_op(state, steps * per_step);
}

// Iteration after churn: the live objects of a HandlePool that went through 1% churn, summed through
// each(); a SparseSet column of the same objects; and a dense array holding copies of them.
struct Churned {
  HandleObjects handles;
  fm::SparseSet<Object, Object> sparse;
  std::vector<Object> dense;
  explicit Churned(std::size_t n) {
    std::vector<HandleObjects::Ref> refs(n);
    for (std::uint32_t i = 0; i < n; ++i) refs[i] = handles.make(i);
    std::mt19937 rng(5);
    std::uint32_t id = static_cast<std::uint32_t>(n);
    for (std::size_t k = 0; k < n; ++k) {  // 100 steps of 1%
      const std::size_t v = rng() % n;
      handles.kill(refs[v]);
      refs[v] = handles.make(++id);
    }
    handles.pool.each([&](fm::Handle<Object> h, Object& o) {
      sparse.emplace(h, o);
      dense.push_back(o);
    });
  }
};

template <int Which>
void iterate_after_churn(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  static std::unique_ptr<Churned> churned;
  if (!churned || churned->dense.size() != n) churned = std::make_unique<Churned>(n);
  for (auto _ : state) {
    std::uint64_t sum = 0;
    if constexpr (Which == 0) {
      churned->handles.pool.each([&](const Object& o) { sum += o.fields[0]; });
    } else if constexpr (Which == 1) {
      for (const Object& o : churned->sparse.template column<Object>()) sum += o.fields[0];
    } else {
      for (const Object& o : churned->dense) sum += o.fields[0];
    }
    benchmark::DoNotOptimize(sum);
  }
  per_op(state, n);
}

}  // namespace

// Populations: 64k entities (a busy game level, ~4 MB) and the 1M of the issue (beyond the caches).
BENCHMARK(resolve_random_live<fm::sim::HandleEntities>)->Name("resolve/HandlePool")->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK(resolve_random_live<fm::sim::RawPointerEntities>)->Name("resolve/raw_pointer")->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK(resolve_random_live<fm::sim::MapEntities>)->Name("resolve/unordered_map")->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK(resolve_random_live<fm::sim::SharedEntities>)->Name("resolve/weak_ptr_lock")->Arg(1 << 16)->Arg(1 << 20);

BENCHMARK(BM_churn_HandlePool)->Name("churn/HandlePool")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_churn_new_delete)->Name("churn/new_delete")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_churn_make_shared)->Name("churn/make_shared")->Unit(benchmark::kMillisecond);

// Life cycle, churn and iteration at 10^4, 10^5 and 10^6 objects of 64 bytes.
namespace {
template <class F>
void at_every_size(const char* name, F f) {
  benchmark::RegisterBenchmark(name, f)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
}

const bool life_cycle_registered = [] {
  const std::pair<const char*, Stage> stages[] = {
      {"create", Stage::create}, {"destroy_random", Stage::destroy_random}, {"recreate", Stage::recreate}};
  for (const auto& [name, stage] : stages) {
    at_every_size((std::string(name) + "/HandlePool").c_str(),
                  [stage](benchmark::State& s) { life_cycle<HandleObjects>(s, stage); });
    at_every_size((std::string(name) + "/new_delete").c_str(),
                  [stage](benchmark::State& s) { life_cycle<HeapObjects>(s, stage); });
  }
  at_every_size("churn_1pct/HandlePool", churn_percent<HandleObjects>);
  at_every_size("churn_1pct/new_delete", churn_percent<HeapObjects>);
  at_every_size("iterate_after_churn/HandlePool", iterate_after_churn<0>);
  at_every_size("iterate_after_churn/SparseSet", iterate_after_churn<1>);
  at_every_size("iterate_after_churn/dense_array", iterate_after_churn<2>);
  return true;
}();
}  // namespace

// After it the process has had a second thread: run it alone (see resolve_weak_ptr_threaded).
BENCHMARK(resolve_weak_ptr_threaded)->Name("resolve/weak_ptr_lock_threaded")->Arg(1 << 16)->Arg(1 << 20);
