// Text form of a snapshot's system table.
#include "fm/system/usage_report.hpp"

namespace fm {

std::string usage_report(const Snapshot& s) {
  std::string out = "frame " + std::to_string(s.frame) + ", " + std::to_string(s.system_count) + " systems, " +
                    std::to_string(s.budget_overruns) + " budget overruns\n";
  for (std::uint32_t i = 0; i < s.system_count; ++i) {
    const SystemSnapshot& sys = s.systems[i];
    out += std::string(2 + 2 * sys.depth, ' ') + std::string(sys.name.view()) + "  " + std::string(sys.kind.view());
    out += "  used " + std::to_string(sys.bytes_used) + " B (total " + std::to_string(sys.total_bytes_used) + " B)";
    if (sys.has_allocator) out += "  live " + std::to_string(sys.allocations_total - sys.frees_total);
    if (sys.budget != 0) out += "  budget " + std::to_string(sys.budget) + " B";
    if (sys.over_budget) out += "  OVER BUDGET";
    out += "\n";
  }
  return out;
}

}  // namespace fm
