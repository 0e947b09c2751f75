// Large blocks freed and allocated again in one thread: a window of buffers of several MiB, one replaced
// at random per step, each written once per 64 KiB. Allocators that reuse a freed buffer's memory skip
// the page faults a fresh mapping costs.
#include <cstdlib>
#include <vector>

#include "workload.hpp"

int main() {
  constexpr int steps = 3000, window = 8;
  constexpr std::size_t touch_stride = 64 * 1024;
  std::vector<char*> buffers(window, nullptr);
  std::vector<std::size_t> sizes(window, 0);
  fm::bench::Rng rng(11);
  std::uint64_t sum = 0;
  for (int step = 0; step < steps; ++step) {
    const std::size_t slot = rng.below(window);
    std::free(buffers[slot]);
    sizes[slot] = rng.between(std::size_t{1} << 20, std::size_t{10} << 20);
    char* p = static_cast<char*>(std::malloc(sizes[slot]));
    for (std::size_t at = 0; at < sizes[slot]; at += touch_stride) p[at] = static_cast<char>(at >> 16);
    p[sizes[slot] - 1] = 1;
    buffers[slot] = p;
    sum += sizes[slot] + static_cast<unsigned char>(buffers[rng.below(window)] == nullptr ? 0 : 1);
  }
  for (char* p : buffers) std::free(p);
  fm::bench::report("large", sum);
}
