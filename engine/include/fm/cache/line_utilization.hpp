// Line utilization from a layout: of the bytes a loop pulls into the cache (whole lines), the share it
// actually uses. A 64-byte particle of which the update reads 24 bytes uses 37.5% of every line; a
// structure-of-arrays column read end to end uses all of it.
#pragma once

#include <cstddef>
#include <span>

#include "fm/config.hpp"

namespace fm {

// Bytes [offset, offset + size) of each element that a loop touches.
struct FieldSpan {
  std::size_t offset = 0;
  std::size_t size = 0;
};

// A loop over `count` elements `stride` bytes apart, starting at a line boundary, touching `fields` of
// each element: bytes touched / bytes of the distinct cache lines touched (fm::metrics::ratio).
// `fields` must be sorted by offset and lie within the stride.
[[nodiscard]] double line_utilization(std::size_t stride, std::span<const FieldSpan> fields, std::size_t line_bytes,
                                      std::size_t count);

}  // namespace fm
