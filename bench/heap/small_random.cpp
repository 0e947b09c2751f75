// Loops of random small sizes in the style of glibc's malloc micro-benchmark: each thread keeps a working
// set of slots and, per step, frees a random slot and refills it with a new block of a random size (mostly
// tiny, few up to 4 KiB). The thread count is the argument (1 or 2).
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "workload.hpp"

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::stoi(argv[1]) : 1;
  constexpr int steps = 6000000;
  constexpr std::size_t slots = 1000;
  std::vector<std::uint64_t> sums(static_cast<std::size_t>(threads), 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      fm::bench::Rng rng(static_cast<std::uint64_t>(t + 1));
      std::vector<char*> working(slots, nullptr);
      std::uint64_t sum = 0;
      for (int step = 0; step < steps / threads; ++step) {
        char*& slot = working[rng.below(slots)];
        std::free(slot);
        // Sizes fall off like 1/size: a uniform exponent, then uniform within the power of two.
        const std::size_t size = rng.log_size(3, 12);
        slot = static_cast<char*>(std::malloc(size));
        slot[0] = static_cast<char>(size);
        sum += size;
      }
      for (char* p : working) std::free(p);
      sums[static_cast<std::size_t>(t)] = sum;
    });
  }
  for (auto& w : workers) w.join();
  std::uint64_t total = 0;
  for (auto s : sums) total += s;
  fm::bench::report("small_random", total);
}
