// The capstone heap's size classes: 16-byte steps up to 128 bytes, then four classes per power of two up
// to max_small_size (256 KiB). Rounding loses at most 25% above 128 bytes; larger blocks are mapped directly.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "fm/config.hpp"

namespace fm::heap {

inline constexpr std::size_t min_block_size = 16;  // also the alignment every block has
inline constexpr std::size_t max_small_size = std::size_t{256} * 1024;
inline constexpr std::uint32_t fine_classes = 8;  // 16, 32, ..., 128
inline constexpr std::uint32_t classes_per_doubling = 4;
inline constexpr std::uint32_t class_count =
    fine_classes + classes_per_doubling * (std::bit_width(max_small_size) - std::bit_width(std::size_t{128}));

// The class rule itself; size_class_of answers the same, faster for the most common sizes.
[[nodiscard]] constexpr std::uint32_t size_class_by_rule(std::size_t size) noexcept {
  if (size <= 128) return size == 0 ? 0 : static_cast<std::uint32_t>((size - 1) >> 4);
  const auto e = static_cast<std::uint32_t>(std::bit_width(size - 1));  // 2^(e-1) < size <= 2^e
  const auto step = static_cast<std::uint32_t>(((size - 1) >> (e - 3)) & 3);
  return fine_classes + (e - 8) * classes_per_doubling + step;
}

// Every block size is a multiple of 16, so all sizes in (16(i-1), 16i] share a class: up to 1 KiB, a table
// indexed by (size + 15) / 16 replaces the bit scan on malloc's fast path.
inline constexpr std::size_t class_table_max = 1024;
inline constexpr auto class_table = [] {
  std::array<std::uint8_t, class_table_max / 16 + 1> t{};
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = static_cast<std::uint8_t>(size_class_by_rule(i * 16));
  return t;
}();

// Class index for a request of `size` <= class_table_max bytes.
[[nodiscard]] constexpr std::uint32_t table_size_class(std::size_t size) noexcept { return class_table[(size + 15) >> 4]; }

// Class index for a request of `size` bytes (0 counts as 1); only valid for size <= max_small_size.
[[nodiscard]] constexpr std::uint32_t size_class_of(std::size_t size) noexcept {
  return size <= class_table_max ? table_size_class(size) : size_class_by_rule(size);
}

// Block size of class `c` (a multiple of min_block_size).
[[nodiscard]] constexpr std::size_t class_block_size(std::uint32_t c) noexcept {
  if (c < fine_classes) return (std::size_t{c} + 1) * 16;
  const std::uint32_t k = c - fine_classes;
  const std::uint32_t e = 8 + k / classes_per_doubling;
  return (std::size_t{1} << (e - 1)) + (std::size_t{k % classes_per_doubling} + 1) * (std::size_t{1} << (e - 3));
}

static_assert(class_block_size(class_count - 1) == max_small_size);
static_assert(size_class_of(max_small_size) == class_count - 1);

}  // namespace fm::heap
