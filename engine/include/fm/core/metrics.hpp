// The metric definitions shared by the overlay, the JSON report and the benchmarks: one code path per
// fact. Each function is the formula from the design's "Metric definitions"; callers gather the counts.
#pragma once

#include <cstddef>

#include "fm/config.hpp"

namespace fm::metrics {

// Share of `part` in `whole`, 0 when `whole` is 0.
[[nodiscard]] constexpr double ratio(double part, double whole) noexcept { return whole > 0 ? part / whole : 0.0; }

// Pool occupancy: live blocks / blocks in committed pages (also used per page).
[[nodiscard]] constexpr double occupancy(std::size_t live_blocks, std::size_t committed_blocks) noexcept {
  return ratio(static_cast<double>(live_blocks), static_cast<double>(committed_blocks));
}

// Page fragmentation: pages that are neither full nor empty / committed pages.
[[nodiscard]] constexpr double page_fragmentation(std::size_t partial_pages, std::size_t committed_pages) noexcept {
  return ratio(static_cast<double>(partial_pages), static_cast<double>(committed_pages));
}

// Free-list scatter: share of consecutive free-list links whose blocks are not address-adjacent
// (1.0 = every next allocation jumps). `links` is the number of consecutive pairs examined.
[[nodiscard]] constexpr double free_list_scatter(std::size_t non_adjacent_links, std::size_t links) noexcept {
  return ratio(static_cast<double>(non_adjacent_links), static_cast<double>(links));
}

// Heap fragmentation: 1 - largest free extent / total free bytes (0 when nothing is free).
[[nodiscard]] constexpr double heap_fragmentation(std::size_t largest_free_extent, std::size_t total_free) noexcept {
  return total_free == 0 ? 0.0 : 1.0 - ratio(static_cast<double>(largest_free_extent), static_cast<double>(total_free));
}

// Overhead: (committed - requested) / committed.
[[nodiscard]] constexpr double overhead(std::size_t committed, std::size_t requested) noexcept {
  return committed == 0 || requested >= committed
             ? 0.0
             : ratio(static_cast<double>(committed - requested), static_cast<double>(committed));
}

}  // namespace fm::metrics
