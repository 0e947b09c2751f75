// Handles against the references games use instead: resolving random live references (HandlePool vs raw
// pointers, unordered_map<id, T*> and weak_ptr::lock) and create/destroy churn (HandlePool vs new/delete
// and make_shared). The entity stores come from demo/sim, so the demo measures the same thing.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "fm/handle/handle_pool.hpp"
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

}  // namespace

// Populations: 64k entities (a busy game level, ~4 MB) and the 1M of the issue (beyond the caches).
BENCHMARK(resolve_random_live<fm::sim::HandleEntities>)->Name("resolve/HandlePool")->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK(resolve_random_live<fm::sim::RawPointerEntities>)->Name("resolve/raw_pointer")->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK(resolve_random_live<fm::sim::MapEntities>)->Name("resolve/unordered_map")->Arg(1 << 16)->Arg(1 << 20);
BENCHMARK(resolve_random_live<fm::sim::SharedEntities>)->Name("resolve/weak_ptr_lock")->Arg(1 << 16)->Arg(1 << 20);

BENCHMARK(BM_churn_HandlePool)->Name("churn/HandlePool")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_churn_new_delete)->Name("churn/new_delete")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_churn_make_shared)->Name("churn/make_shared")->Unit(benchmark::kMillisecond);
