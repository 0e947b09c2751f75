// Cache geometry (size, line, associativity of L1d and L2) read from Linux sysfs, with a documented
// fallback when the machine does not expose it (common in containers and virtual machines).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fm/config.hpp"

namespace fm {

struct CacheLevelGeometry {
  std::size_t size_bytes = 0;
  std::size_t line_bytes = 0;
  std::size_t ways = 0;

  [[nodiscard]] constexpr std::size_t sets() const noexcept {
    return line_bytes && ways ? size_bytes / (line_bytes * ways) : 0;
  }
  // Every field non-zero and size an exact multiple of one way of lines.
  [[nodiscard]] constexpr bool valid() const noexcept { return sets() > 0 && sets() * line_bytes * ways == size_bytes; }
};

struct CacheGeometry {
  CacheLevelGeometry l1d;
  CacheLevelGeometry l2;
  bool from_sysfs = false;  // false: the fallback below, not this machine's caches
};

// Used when sysfs has no usable description: 32 KiB 8-way L1d and 1 MiB 16-way L2 with 64-byte lines,
// the geometry of most current x86-64 server cores (Intel since Skylake-SP, AMD since Zen 4).
inline constexpr CacheGeometry fallback_cache_geometry{{32 * 1024, 64, 8}, {1024 * 1024, 64, 16}, false};

// Reads `<dir>/index*/{level,type,size,ways_of_associativity,coherency_line_size}`; any level missing or
// malformed is taken from the fallback and `from_sysfs` is then false.
[[nodiscard]] CacheGeometry read_cache_geometry(const std::string& dir);

// This machine's geometry: read_cache_geometry("/sys/devices/system/cpu/cpu0/cache").
[[nodiscard]] CacheGeometry detect_cache_geometry();

// "L1d 32 KiB 8-way 64 B lines, L2 1024 KiB 16-way 64 B lines (sysfs)" or "(fallback: ...)".
[[nodiscard]] std::string describe(const CacheGeometry& g);

}  // namespace fm
