// Alignment arithmetic shared by every allocator: power-of-two checks, rounding, and over-aligned
// heap helpers. Everything here is constexpr where the language allows it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fm/config.hpp"

namespace fm {

// Largest alignment any framemem allocator accepts (one page).
inline constexpr std::size_t max_alignment = 4096;

// Whether a block of `size` bytes aligned to `align` can exist at all. libstdc++'s aligned operator new rounds
// the size up to the alignment without an overflow check, so larger requests must be refused before it.
[[nodiscard]] constexpr bool fits_address_space(std::size_t size, std::size_t align) noexcept {
  return size <= static_cast<std::size_t>(PTRDIFF_MAX) - align;
}

[[nodiscard]] constexpr bool is_pow2(std::size_t x) noexcept { return x != 0 && (x & (x - 1)) == 0; }

// Rounds `n` up to a multiple of `align` (a power of two).
[[nodiscard]] constexpr std::size_t align_up(std::size_t n, std::size_t align) noexcept {
  return (n + align - 1) & ~(align - 1);
}

[[nodiscard]] constexpr std::size_t align_down(std::size_t n, std::size_t align) noexcept {
  return n & ~(align - 1);
}


[[nodiscard]] inline void* align_up(void* p, std::size_t align) noexcept {
  return reinterpret_cast<void*>(align_up(reinterpret_cast<std::uintptr_t>(p), align));
}

[[nodiscard]] constexpr bool is_aligned(std::size_t n, std::size_t align) noexcept { return (n & (align - 1)) == 0; }

[[nodiscard]] inline bool is_aligned(const void* p, std::size_t align) noexcept {
  return is_aligned(reinterpret_cast<std::uintptr_t>(p), align);
}

// Bytes needed to move `p` forward to the next multiple of `align`.
[[nodiscard]] inline std::size_t padding_for(const void* p, std::size_t align) noexcept {
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  return align_up(addr, align) - addr;
}

}  // namespace fm
