// Counts the distinct lines a strided loop touches by walking its fields in address order.
#include "fm/cache/line_utilization.hpp"

#include <cstdint>

#include "fm/core/metrics.hpp"

namespace fm {

double line_utilization(std::size_t stride, std::span<const FieldSpan> fields, std::size_t line_bytes,
                        std::size_t count) {
  std::size_t used = 0;
  std::size_t lines = 0;
  std::size_t next_line = 0;  // lines below this one are already counted (addresses only grow)
  for (std::size_t i = 0; i < count; ++i) {
    for (const FieldSpan& f : fields) {
      if (f.size == 0) continue;
      const std::size_t begin = i * stride + f.offset;
      const std::size_t first = begin / line_bytes;
      const std::size_t last = (begin + f.size - 1) / line_bytes;
      const std::size_t from = first > next_line ? first : next_line;
      if (last >= from) lines += last - from + 1;
      if (last + 1 > next_line) next_line = last + 1;
      used += f.size;
    }
  }
  return metrics::ratio(static_cast<double>(used), static_cast<double>(lines * line_bytes));
}

}  // namespace fm
