// A plain-text table of a snapshot's systems, indented by scope, with own and rolled-up usage, live
// allocations and budget: what a game prints at shutdown to see which scope still holds memory.
#pragma once

#include <string>

#include "fm/system/snapshot.hpp"

namespace fm {

// One line per system, children under their parent, e.g.
// "    entities/ai  pool  used 1536 B [own 1536 B, 40 allocations, 8 frees]  budget 65536 B (2%)".
// "used" is the rolled-up figure the budget limits; allocations and frees are cumulative calls (an arena's
// frees are no-ops, so their difference is no live count). Systems still using bytes at shutdown leak.
[[nodiscard]] std::string usage_report(const Snapshot& s);

}  // namespace fm
