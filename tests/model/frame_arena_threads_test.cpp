// The FrameArena model on several threads at once (run under TSan too): each thread drives its own model
// over one shared arena, then reads and frees its neighbour's blocks of the frame before, and one thread
// flips the frame between phases. A second team of threads then takes over the models and the arena.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/barrier.hpp"
#include "model/driver.hpp"
#include "model/frame_arena_model.hpp"

namespace {

using fm::model::expect;
using fm::model::FrameThreadModel;

// The arena's parent is called from every thread whose buffer overflows: a budget behind a lock.
class LockedBudget {
 public:
  explicit LockedBudget(std::size_t budget) : inner_(budget) {}
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align) {
    std::lock_guard lock(mutex_);
    return inner_.allocate(size, align);
  }
  void deallocate(void* p, std::size_t size, std::size_t align) noexcept {
    std::lock_guard lock(mutex_);
    inner_.deallocate(p, size, align);
  }
  [[nodiscard]] fm::AllocatorStats stats() const {
    std::lock_guard lock(mutex_);
    return inner_.stats();
  }
  [[nodiscard]] std::string_view name() const noexcept { return "locked budget"; }

 private:
  mutable std::mutex mutex_;
  fm::test::BudgetAllocator inner_;
};

constexpr int team = 3;
constexpr std::size_t budget = 256u << 20;

struct Run {
  fm::FrameArena& arena;
  std::vector<std::unique_ptr<FrameThreadModel>>& models;
  std::vector<fm::model::Source>& sources;
  std::optional<std::string> failure;  // the first disagreement; every thread still meets every barrier
  std::mutex failure_mutex;

  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const fm::model::mismatch& m) {
      std::lock_guard lock(failure_mutex);
      if (!failure) failure = m.what();
    }
  }

  // With every thread waiting: the arena's totals are the models' sums, and no two live blocks overlap.
  void check_totals() {
    std::uint64_t allocations = 0, deallocations = 0;
    std::size_t requested = 0;
    std::vector<FrameThreadModel::Block> all;
    for (const auto& m : models) {
      m->check_ownership(sources[0]);
      allocations += m->allocations();
      deallocations += m->deallocations();
      requested += m->requested();
      all.insert(all.end(), m->blocks().begin(), m->blocks().end());
    }
    const fm::AllocatorStats s = arena.stats();
    const fm::ArenaStats a = arena.arena_stats();
    expect(s.allocations == allocations, "allocations: arena " + std::to_string(s.allocations) + ", models " +
                                             std::to_string(allocations));
    expect(s.deallocations == deallocations, "deallocations differ from the models");
    expect(a.bytes_used - a.padding == requested, "bytes asked for this frame differ from the models");
    expect(arena.thread_count() <= team, "more thread states than threads alive");
    std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.p < y.p; });
    for (std::size_t i = 1; i < all.size(); ++i) {
      const auto& prev = all[i - 1];
      expect(prev.size == 0 || all[i].size == 0 || prev.p + prev.size <= all[i].p,
             "blocks of two threads overlap");
    }
  }

  void thread_body(int t, int phases, int steps, fm::model::Barrier& sync) {
    for (int phase = 0; phase < phases; ++phase) {
      guarded([&] {
        for (int i = 0; i < steps; ++i) models[t]->step(sources[t]);
      });
      sync.arrive_and_wait();
      guarded([&] { models[t]->visit_neighbour(sources[t], *models[(t + 1) % team]); });
      sync.arrive_and_wait();
      if (t == 0) {
        guarded([&] { check_totals(); });
        arena.next_frame();
      }
      sync.arrive_and_wait();
      guarded([&] { models[t]->frame_flipped(arena.frame()); });
    }
    sync.arrive_and_wait();  // nobody starts the next team's phase while a model is still being updated
  }

  void run_team(int phases, int steps) {
    fm::model::Barrier sync(team);
    std::vector<std::thread> threads;
    for (int t = 0; t < team; ++t) threads.emplace_back([&, t] { thread_body(t, phases, steps, sync); });
    for (auto& th : threads) th.join();
  }
};

void run_threads(fm::model::Source& src, std::size_t steps) {
  LockedBudget parent(budget);
  std::vector<std::uint64_t> destroyed(team, 0);  // outlives the arena, whose destructor runs what is left
  std::uint64_t made = 0;
  {
    fm::FrameArena arena(fm::model::frame_options(src, parent));
    std::vector<std::unique_ptr<FrameThreadModel>> models;
    std::vector<fm::model::Source> sources;
    for (int t = 0; t < team; ++t) {
      models.push_back(std::make_unique<FrameThreadModel>(arena, budget, "thread " + std::to_string(t),
                                                          destroyed[static_cast<std::size_t>(t)]));
      models.back()->share_arena();
      sources.push_back(fm::model::Source::from_seed((std::uint64_t{src.u32()} << 32) | src.u32()));
    }
    Run run{arena, models, sources, {}, {}};
    const int phases = 6;
    const int per_phase = static_cast<int>(steps) / phases;
    run.run_team(phases, per_phase);
    const std::size_t states = arena.thread_count();
    // A new team: the exited threads' states pass to it, and the models' blocks of the last frame stay valid.
    run.run_team(phases, per_phase);
    if (run.failure) throw fm::model::mismatch(*run.failure);
    expect(arena.thread_count() == states, "a second team of threads added thread states (" +
                                               std::to_string(states) + " -> " + std::to_string(arena.thread_count()) +
                                               ")");
    for (const auto& m : models) made += m->objects_made();
  }
  std::uint64_t all_destroyed = 0;
  for (const std::uint64_t d : destroyed) all_destroyed += d;
  expect(all_destroyed == made, "the arena's destructor did not destroy every object left");
  expect(parent.stats().bytes_used == 0, "the arena kept memory of its parent after destruction");
}

}  // namespace

TEST_CASE("frame arena matches per-thread models on several threads, frames flipped between phases") {
  fm::model::run_seeds("frame_arena threads", 40, 120, run_threads);
}
