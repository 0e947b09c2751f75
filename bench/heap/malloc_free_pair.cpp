// One malloc and one free per step, nothing else: the loop scripts/count_fast_path.sh runs under callgrind
// to count the instructions of an allocator's fast paths. Arguments: steps, block size.
#include <cstdlib>
#include <string>

#include "workload.hpp"

int main(int argc, char** argv) {
  const long steps = argc > 1 ? std::stol(argv[1]) : 1000000;
  const std::size_t size = argc > 2 ? std::stoul(argv[2]) : 32;
  std::uint64_t sum = 0;
  for (long i = 0; i < steps; ++i) {
    void* volatile p = std::malloc(size);
    sum += reinterpret_cast<std::uintptr_t>(p) & 1;
    std::free(p);
  }
  fm::bench::report("malloc_free_pair", sum);
}
