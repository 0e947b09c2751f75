// The LRU set-associative cache model: each set is a small array of line tags kept in recency order,
// like cachegrind's, so both count the same misses for the same trace.
#include "fm/cache/cache_simulator.hpp"

#include <algorithm>
#include <stdexcept>

#include "fm/core/error.hpp"

namespace fm {

CacheLevelModel::CacheLevelModel(const CacheLevelGeometry& g) : geometry_(g), sets_(g.sets()) {
  if (!g.valid()) {
    raise(std::invalid_argument("cache simulator: invalid geometry (" + std::to_string(g.size_bytes) + " bytes, " +
                                std::to_string(g.line_bytes) + "-byte lines, " + std::to_string(g.ways) +
                                " ways): size must be a non-zero multiple of line size times ways"));
  }
  tags_.assign(sets_ * g.ways, empty);
}

bool CacheLevelModel::touch_line(std::uintptr_t line) noexcept {
  std::uintptr_t* set = tags_.data() + (line % sets_) * geometry_.ways;
  std::uintptr_t* const end = set + geometry_.ways;
  std::uintptr_t* const found = std::find(set, end, line);
  const bool hit = found != end;
  // Move the line to the front: on a hit it leaves its slot, on a miss the least recently used one is evicted.
  std::copy_backward(set, hit ? found : end - 1, hit ? found + 1 : end);
  set[0] = line;
  return hit;
}

void CacheLevelModel::clear() noexcept { std::fill(tags_.begin(), tags_.end(), empty); }

CacheSimulator::CacheSimulator(const CacheGeometry& g) : geometry_(g), l1d_(g.l1d), l2_(g.l2) {}

bool CacheSimulator::touch_l1d_line(std::uintptr_t line) noexcept {
  if (l1d_.touch_line(line)) return true;
  // The L2 model works on its own line size; with equal line sizes this is the same line.
  const std::uintptr_t address = line * geometry_.l1d.line_bytes;
  ++l2_counts_.accesses;
  if (!l2_.touch_line(address / geometry_.l2.line_bytes)) ++l2_counts_.misses;
  return false;
}

void CacheSimulator::access(std::uintptr_t address, std::size_t size) noexcept {
  const std::size_t line_bytes = geometry_.l1d.line_bytes;
  const std::uintptr_t first = address / line_bytes;
  const std::uintptr_t last = (address + (size ? size - 1 : 0)) / line_bytes;
  bool miss = false;
  for (std::uintptr_t line = first; line <= last; ++line) miss |= !touch_l1d_line(line);
  ++l1d_counts_.accesses;
  if (miss) ++l1d_counts_.misses;
}

void CacheSimulator::replay(std::span<const MemoryAccess> trace) noexcept {
  for (const MemoryAccess& a : trace) access(a.address, a.size);
}

void CacheSimulator::reset() noexcept {
  l1d_.clear();
  l2_.clear();
  reset_counts();
}

}  // namespace fm
