// realloc growth: many buffers grown in small steps (the pattern of growing strings and arrays), and a
// few grown far into large-block territory.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "workload.hpp"

int main() {
  std::uint64_t sum = 0;
  fm::bench::Rng rng(3);
  for (int round = 0; round < 4; ++round) {
    std::vector<char*> small(3000, nullptr);
    std::vector<std::size_t> sizes(small.size(), 0);
    for (int step = 0; step < 60; ++step) {
      for (std::size_t i = 0; i < small.size(); ++i) {
        sizes[i] += rng.between(1, 200);
        small[i] = static_cast<char*>(std::realloc(small[i], sizes[i]));
        small[i][sizes[i] - 1] = static_cast<char>(step);
      }
    }
    for (std::size_t i = 0; i < small.size(); ++i) {
      sum += sizes[i] + static_cast<unsigned char>(small[i][sizes[i] - 1]);
      std::free(small[i]);
    }
    for (int b = 0; b < 2; ++b) {
      char* big = nullptr;
      std::size_t size = 0;
      while (size < (std::size_t{8} << 20)) {
        size += 64 * 1024;
        big = static_cast<char*>(std::realloc(big, size));
        big[size - 1] = 1;
      }
      sum += size;
      std::free(big);
    }
  }
  fm::bench::report("realloc", sum);
}
