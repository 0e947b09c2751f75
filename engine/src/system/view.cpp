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
  return {.figures = sys,
          .name = name,
          .label = slash == std::string_view::npos ? name : name.substr(slash + 1),
          .indent = sys.depth,
          .kind = sys.kind.view(),
          .budget_use = budget_use(sys)};
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
