// The contents the replayer writes into every block and checks when the block ends: an 8-byte value
// derived from the block's index, repeated, so a block holding another block's bytes is caught too.
#pragma once

#include <cstdint>
#include <cstring>

namespace fm::replay {

[[nodiscard]] inline std::uint64_t pattern_of(std::uint64_t block) noexcept {
  std::uint64_t z = (block + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  return z ^ (z >> 27) ^ 0x0101010101010101ull;
}

inline void fill(void* p, std::uint64_t n, std::uint64_t v) noexcept {
  auto* c = static_cast<unsigned char*>(p);
  std::uint64_t i = 0;
  for (; i + 8 <= n; i += 8) std::memcpy(c + i, &v, 8);
  unsigned char tail[8];
  std::memcpy(tail, &v, 8);
  for (; i < n; ++i) c[i] = tail[i % 8];
}

// The offset of the first byte of [p, p + n) that differs from the pattern `v`, or n.
[[nodiscard]] inline std::uint64_t first_mismatch(const void* p, std::uint64_t n, std::uint64_t v) noexcept {
  const auto* c = static_cast<const unsigned char*>(p);
  std::uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, c + i, 8);
    if (w != v) break;
  }
  unsigned char bytes[8];
  std::memcpy(bytes, &v, 8);
  for (; i < n; ++i) {
    if (c[i] != bytes[i % 8]) return i;
  }
  return n;
}

}  // namespace fm::replay
