// Text form of a snapshot's system table, from the same rows the overlay's systems table draws.
#include "fm/system/usage_report.hpp"

#include <cstdio>

#include "fm/system/view.hpp"

namespace fm {

std::string usage_report(const Snapshot& s) {
  std::string out = "frame " + std::to_string(s.frame) + ", " + std::to_string(s.systems.size()) + " systems, " +
                    std::to_string(s.budget_overruns) + " budget overruns\n";
  for (std::size_t i = 0; i < s.systems.size(); ++i) {
    const SystemRow r = system_row(s, i);
    const SystemSnapshot& f = r.figures;
    out += std::string(2 + 2 * r.indent, ' ') + std::string(r.name) + "  " + std::string(r.kind);
    out += "  used " + std::to_string(f.total_bytes_used) + " B";
    if (f.has_allocator) {
      out += " [own " + std::to_string(f.bytes_used) + " B, " + std::to_string(f.allocations_total) +
             " allocations, " + std::to_string(f.frees_total) + " frees]";
    }
    if (f.budget != 0) {
      char use[32];
      std::snprintf(use, sizeof use, " (%.0f%%)", r.budget_use * 100.0);
      out += "  budget " + std::to_string(f.budget) + " B" + use;
    }
    if (f.hard_budget != 0) {
      out += "  hard budget " + std::to_string(f.hard_budget) + " B";
      if (f.allocations_refused_this_frame != 0) {
        out += " (" + std::to_string(f.allocations_refused_this_frame) + " refused)";
      } else if (f.over_hard_budget) {
        out += " (passed)";
      }
    }
    if (f.frame_allocation_budget) {
      out += "  per-frame budget " + std::to_string(*f.frame_allocation_budget) + " allocations (" +
             std::to_string(f.total_allocations_this_frame) + " this frame" +
             (f.over_frame_budget ? ", over)" : ")");
    }
    if (f.over_budget) out += "  OVER BUDGET";
    out += "\n";
  }
  return out;
}

}  // namespace fm
