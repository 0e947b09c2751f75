// realloc growth: many buffers grown in small steps (the pattern of growing strings and arrays), and a
// few grown far into large-block territory. An argument runs one phase alone, to see where time goes:
// `small` (the many buffers) or `large` (the few); none runs both.
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "workload.hpp"

namespace {

std::uint64_t grow_small_buffers(fm::bench::Rng& rng) {
  std::uint64_t sum = 0;
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
  return sum;
}

std::uint64_t grow_large_buffers() {
  std::uint64_t sum = 0;
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
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view phase = argc > 1 ? argv[1] : "";
  if (phase != "" && phase != "small" && phase != "large") {
    std::fprintf(stderr, "usage: fm_heap_realloc [small|large]\n");
    return 2;
  }
  std::uint64_t sum = 0;
  fm::bench::Rng rng(3);
  for (int round = 0; round < 4; ++round) {
    if (phase != "large") sum += grow_small_buffers(rng);
    if (phase != "small") sum += grow_large_buffers();
  }
  fm::bench::report("realloc", sum);
}
