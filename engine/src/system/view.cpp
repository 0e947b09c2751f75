// The view models of fm/system/view.hpp.
#include "fm/system/view.hpp"

#include "fm/core/metrics.hpp"

namespace fm {

double budget_use(const SystemSnapshot& s) noexcept {
  return metrics::ratio(static_cast<double>(s.total_bytes_used), static_cast<double>(s.budget));
}

SystemRow system_row(const Snapshot& s, std::size_t i) noexcept {
  const SystemSnapshot& sys = s.systems[i];
  const std::string_view name = sys.name.view();
  const auto slash = name.rfind('/');
  SystemRow r;
  r.name = name;
  r.label = slash == std::string_view::npos ? name : name.substr(slash + 1);
  r.indent = sys.depth;
  r.kind = sys.kind.view();
  r.used = sys.total_bytes_used;
  r.reserved = sys.total_bytes_reserved;
  r.own_used = sys.bytes_used;
  r.has_allocator = sys.has_allocator;
  r.own_peak = sys.bytes_peak;
  r.budget = sys.budget;
  r.budget_use = budget_use(sys);
  r.over_budget = sys.over_budget;
  r.allocations_this_frame = sys.allocations_this_frame;
  r.frees_this_frame = sys.frees_this_frame;
  return r;
}

FrameArenaView frame_arena_view(const Snapshot& s) noexcept {
  const FrameArenaSnapshot& a = s.frame_arena;
  return {a.available,
          {{{"this frame", a.bytes_this_frame},
            {"held (frames still readable)", a.bytes_held},
            {"capacity per frame", a.capacity_per_frame},
            {"high-water (largest frame)", a.high_water},
            {"padding this frame", a.padding},
            {"overflow events (all frames)", a.overflow_events, Unit::count, a.overflow_events > 0}}}};
}

}  // namespace fm
