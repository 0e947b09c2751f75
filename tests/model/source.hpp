// Where a model test's operations come from: a seeded generator (the doctest driver runs thousands of
// seeds) or a fuzzer's input bytes (the libFuzzer driver). The step functions only see a Source, so one
// harness serves both. No test framework in here: a disagreement with the model throws model::mismatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace fm::model {

// The implementation and the reference model disagree; what() says how.
class mismatch : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Throws mismatch with `what` unless `ok`.
inline void expect(bool ok, const std::string& what) {
  if (!ok) throw mismatch(what);
}

class Source {
 public:
  // An endless stream from a seed (splitmix64).
  static Source from_seed(std::uint64_t seed) noexcept {
    Source s;
    s.state_ = seed;
    return s;
  }
  // The bytes of a fuzzer input; once they run out every draw returns 0 and done() is true.
  static Source from_bytes(const std::uint8_t* data, std::size_t size) noexcept {
    Source s;
    s.data_ = data;
    s.size_ = size;
    s.from_bytes_ = true;
    return s;
  }

  [[nodiscard]] bool done() const noexcept { return from_bytes_ && pos_ >= size_; }

  std::uint8_t byte() noexcept {
    if (!from_bytes_) return static_cast<std::uint8_t>(next64() >> 56);
    return pos_ < size_ ? data_[pos_++] : 0;
  }
  std::uint32_t u32() noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | byte();
    return v;
  }
  // Uniform-ish in [0, n); 0 when n is 0.
  std::uint32_t below(std::uint32_t n) noexcept { return n == 0 ? 0 : (n <= 256 ? byte() % n : u32() % n); }
  // True in about `percent` of draws.
  bool chance(unsigned percent) noexcept { return below(100) < percent; }

  // A size from a log-uniform table: zero, tiny, typical, large and the absurd sizes misuse tests need.
  std::size_t size() noexcept {
    const std::uint8_t pick = byte();
    if (pick < 8) return huge_size(pick);
    const unsigned bits = 1u + pick % 14u;  // 1 .. 14 bits: up to 16 KiB
    return below(1u << bits);
  }
  // A power of two from 1 to 4096, or now and then something that is not (0, 3, 48, 8192).
  std::size_t align() noexcept {
    const std::uint8_t pick = byte();
    if (pick < 6) {
      constexpr std::size_t odd[] = {0, 3, 48, 8192, 1u << 20, 24};
      return odd[pick];
    }
    return std::size_t{1} << (pick % 13u);
  }

 private:
  static std::size_t huge_size(std::uint8_t pick) noexcept {
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    constexpr std::size_t table[] = {max, max - 1, max - 8, max - 4095, max / 2, max / 8 + 2, std::size_t{1} << 40,
                                     (std::size_t{1} << 32) + 1};
    return table[pick % 8];
  }
  std::uint64_t next64() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  std::uint64_t state_ = 0;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t pos_ = 0;
  bool from_bytes_ = false;
};

}  // namespace fm::model
