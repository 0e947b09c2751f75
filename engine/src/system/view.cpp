// The view models of fm/system/view.hpp.
#include "fm/system/view.hpp"

#include "fm/core/metrics.hpp"
#include "fm/system/snapshot_fields.hpp"

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
  r.hard_budget = sys.hard_budget;
  r.frame_allocation_budget = sys.frame_allocation_budget;
  r.allocations_refused_this_frame = sys.allocations_refused_this_frame;
  r.over_soft_budget = sys.over_soft_budget;
  r.over_hard_budget = sys.over_hard_budget;
  r.over_frame_budget = sys.over_frame_budget;
  r.allocations_this_frame = sys.allocations_this_frame;
  r.frees_this_frame = sys.frees_this_frame;
  return r;
}

// The arena's figures in the order and with the labels of its field list; `available` is the view's own flag.
FrameArenaView frame_arena_view(const Snapshot& s) noexcept {
  FrameArenaView view{s.frame_arena.available, {}};
  std::size_t next = 0;
  for_each_field(s.frame_arena, [&](const FieldInfo& field, const auto& value) {
    if (field.unit != FieldUnit::bytes && field.unit != FieldUnit::count) return;
    const auto v = static_cast<std::uint64_t>(value);
    view.figures[next++] = {field.label, v, field.unit == FieldUnit::bytes ? Unit::bytes : Unit::count,
                            field.alert_when_nonzero && v != 0};
  });
  return view;
}

}  // namespace fm
