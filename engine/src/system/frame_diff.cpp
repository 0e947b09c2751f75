// The frame diff of fm/system/frame_diff.hpp.
#include "fm/system/frame_diff.hpp"

#include <algorithm>

namespace fm {

namespace {

// Row of `s` named `name`, trying index `hint` first (rows keep their index unless systems were added).
const SystemSnapshot* find(const Snapshot& s, std::string_view name, std::size_t hint) noexcept {
  if (hint < s.systems.size() && s.systems[hint].name.view() == name) return &s.systems[hint];
  for (const SystemSnapshot& sys : s.systems) {
    if (sys.name.view() == name) return &sys;
  }
  return nullptr;
}

const PoolSnapshot* pool_of(const Snapshot& s, const SystemSnapshot* sys) noexcept {
  if (sys == nullptr || sys->pool < 0) return nullptr;
  return &s.pools[static_cast<std::size_t>(sys->pool)];
}

std::int64_t change(std::uint64_t before, std::uint64_t after) noexcept {
  return static_cast<std::int64_t>(after - before);  // two's complement: negative when it shrank
}

// One row from the system's state in each snapshot (null where it is absent: all figures zero there).
SystemDelta delta(const Snapshot& older, const SystemSnapshot* was, const Snapshot& newer, const SystemSnapshot* is) {
  static const SystemSnapshot none{};
  static const PoolSnapshot no_pool{};
  const SystemSnapshot& a = was ? *was : none;
  const SystemSnapshot& b = is ? *is : none;
  const PoolSnapshot* pa = pool_of(older, was);
  const PoolSnapshot* pb = pool_of(newer, is);
  SystemDelta d;
  d.name = (is ? b : a).name.view();
  d.kind = (is ? b : a).kind.view();
  d.presence = was == nullptr ? SystemDelta::Presence::added
               : is == nullptr ? SystemDelta::Presence::removed
                               : SystemDelta::Presence::both;
  d.bytes = change(a.total_bytes_used, b.total_bytes_used);
  d.allocations = change(a.allocations_total, b.allocations_total);
  d.frees = change(a.frees_total, b.frees_total);
  d.pool = pa != nullptr || pb != nullptr;
  if (d.pool) {
    const PoolSnapshot& x = pa ? *pa : no_pool;
    const PoolSnapshot& y = pb ? *pb : no_pool;
    d.pages = static_cast<std::int64_t>(y.committed_pages) - static_cast<std::int64_t>(x.committed_pages);
    d.fragmentation = y.page_fragmentation - x.page_fragmentation;
    d.fragmentation_rose = d.fragmentation > 0;
  }
  return d;
}

}  // namespace

void frame_diff(const Snapshot& older, const Snapshot& newer, std::vector<SystemDelta>& out) {
  out.clear();
  for (std::size_t i = 0; i < newer.systems.size(); ++i) {
    const SystemSnapshot& is = newer.systems[i];
    out.push_back(delta(older, find(older, is.name.view(), i), newer, &is));
  }
  for (std::size_t i = 0; i < older.systems.size(); ++i) {
    const SystemSnapshot& was = older.systems[i];
    if (find(newer, was.name.view(), i) == nullptr) out.push_back(delta(older, &was, newer, nullptr));
  }
  std::sort(out.begin(), out.end(), [](const SystemDelta& x, const SystemDelta& y) {
    return x.bytes != y.bytes ? x.bytes > y.bytes : x.name < y.name;
  });
}

}  // namespace fm
