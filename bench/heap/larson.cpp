// larson-like server churn: each thread replaces random blocks in its slot array; every round the threads
// exit and new threads inherit the arrays, so blocks are freed by threads that did not allocate them.
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "workload.hpp"

int main() {
  constexpr int threads = 2, rounds = 12, slots = 2000, ops_per_round = 150000;
  std::vector<std::vector<char*>> arrays(threads, std::vector<char*>(slots, nullptr));
  std::vector<std::uint64_t> sums(threads, 0);
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      // Rotate arrays so each round's thread frees blocks a previous (now exited) thread allocated.
      workers.emplace_back([&, t, round] {
        auto& mine = arrays[static_cast<std::size_t>((t + round) % threads)];
        fm::bench::Rng rng(static_cast<std::uint64_t>(round * threads + t + 1));
        std::uint64_t sum = 0;
        for (int i = 0; i < ops_per_round; ++i) {
          const std::size_t slot = rng.below(slots);
          std::free(mine[slot]);
          const std::size_t size = rng.between(16, 512);
          mine[slot] = static_cast<char*>(std::malloc(size));
          mine[slot][0] = static_cast<char>(size);
          mine[slot][size - 1] = 1;
          sum += size;
        }
        sums[static_cast<std::size_t>(t)] += sum;
      });
    }
    for (auto& w : workers) w.join();
  }
  std::uint64_t total = 0;
  for (auto& a : arrays) {
    for (char* p : a) std::free(p);
  }
  for (auto s : sums) total += s;
  fm::bench::report("larson", total);
}
