// mstress-like: random sizes (mostly small, rarely up to 1 MiB) with random lifetimes; some blocks move to
// the other thread through a shared exchange array and are freed there. Threads are recreated per round.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "workload.hpp"

int main() {
  constexpr int threads = 2, rounds = 4, slots = 4000, transfer_slots = 256, ops_per_round = 120000;
  std::vector<std::atomic<void*>> exchange(transfer_slots);
  std::vector<std::vector<void*>> kept(threads, std::vector<void*>(slots, nullptr));
  std::atomic<std::uint64_t> total{0};
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t, round] {
        auto& mine = kept[static_cast<std::size_t>(t)];
        fm::bench::Rng rng(static_cast<std::uint64_t>(round * 7 + t + 1));
        std::uint64_t sum = 0;
        for (int i = 0; i < ops_per_round; ++i) {
          const std::size_t size = rng.below(1000) == 0 ? rng.log_size(17, 20) : rng.log_size(3, 12);
          void* p = std::malloc(size);
          std::memset(p, static_cast<int>(i), size < 64 ? size : 64);
          sum += size;
          void*& slot = mine[rng.below(slots)];
          void* old = slot;
          slot = p;
          if (old != nullptr && rng.below(8) == 0) old = exchange[rng.below(transfer_slots)].exchange(old);
          std::free(old);
        }
        total += sum;
      });
    }
    for (auto& w : workers) w.join();
  }
  for (auto& v : kept) {
    for (void* p : v) std::free(p);
  }
  for (auto& e : exchange) std::free(e.load());
  fm::bench::report("mstress", total.load());
}
