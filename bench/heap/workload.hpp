// What the heap workloads share: a small fast random generator, size distributions and the result line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace fm::bench {

// xorshift64*: deterministic per seed and cheap enough not to dominate an allocation loop.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + below(hi - lo + 1); }
  // Mostly small, sometimes larger: uniform exponent, then uniform within the power of two.
  std::size_t log_size(unsigned min_shift, unsigned max_shift) {
    const unsigned shift = min_shift + static_cast<unsigned>(below(max_shift - min_shift + 1));
    return between(std::size_t{1} << shift >> 1, std::size_t{1} << shift);
  }

 private:
  std::uint64_t state_;
};

// One line per run; the checksum lets the benchmark script see that every allocator did the same work.
inline void report(const char* workload, std::uint64_t checksum) {
  std::printf("%s checksum %llu\n", workload, static_cast<unsigned long long>(checksum));
}

}  // namespace fm::bench
