// Passive false sharing: the main thread allocates small objects back to back (so they share cache lines)
// and hands one to each of two workers; each worker frees it, then allocates, writes many times and frees
// objects of the same size. An allocator that gives a worker back the block it just freed, or one next to
// the other worker's, makes the two threads write to one cache line.
#include <cstdlib>
#include <thread>
#include <vector>

#include "workload.hpp"

int main() {
  constexpr int workers = 2, rounds = 20000, writes = 5000;
  constexpr std::size_t object_size = 8;
  std::vector<char*> handed(workers);
  for (auto& p : handed) p = static_cast<char*>(std::malloc(object_size));
  std::vector<std::uint64_t> sums(workers, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < workers; ++t) {
    threads.emplace_back([&, t] {
      std::free(handed[static_cast<std::size_t>(t)]);
      std::uint64_t sum = 0;
      for (int round = 0; round < rounds; ++round) {
        auto* object = static_cast<volatile char*>(std::malloc(object_size));
        for (int i = 0; i < writes; ++i) object[i % object_size] = static_cast<char>(object[0] + 1);
        sum += static_cast<unsigned char>(object[0]);
        std::free(const_cast<char*>(object));
      }
      sums[static_cast<std::size_t>(t)] = sum;
    });
  }
  for (auto& t : threads) t.join();
  std::uint64_t total = 0;
  for (auto s : sums) total += s;
  fm::bench::report("false_sharing", total);
}
