// fm::SnapshotCopy: a snapshot's rows copied into room reserved up front, for hand-off to another thread.
#include "fm/system/snapshot.hpp"

namespace fm {

SnapshotCopy::SnapshotCopy(std::size_t max_systems, std::size_t max_pools, std::size_t max_pages) {
  systems_.reserve(max_systems);
  pools_.reserve(max_pools);
  pages_.reserve(max_pages);
}

bool SnapshotCopy::assign(const Snapshot& s) noexcept {
  std::size_t pages = 0;
  for (const PoolSnapshot& p : s.pools) pages += p.pages.size();
  if (s.systems.size() > systems_.capacity() || s.pools.size() > pools_.capacity() || pages > pages_.capacity()) {
    return false;
  }
  // Within the reserved capacity these copies of trivially copyable rows neither allocate nor throw.
  systems_.assign(s.systems.begin(), s.systems.end());
  pools_.assign(s.pools.begin(), s.pools.end());
  pages_.clear();
  for (PoolSnapshot& p : pools_) {
    const std::size_t at = pages_.size();
    pages_.insert(pages_.end(), p.pages.begin(), p.pages.end());
    p.pages = {pages_.data() + at, p.pages.size()};
  }
  snapshot_ = s;
  snapshot_.systems = systems_;
  snapshot_.pools = pools_;
  return true;
}

}  // namespace fm
