// A plain-text table of a snapshot's systems, indented by scope, with own and rolled-up usage, live
// allocations and budget: what a game prints at shutdown to see which scope still holds memory.
#pragma once

#include <string>

#include "fm/system/snapshot.hpp"

namespace fm {

// One line per system, e.g. "  entities/ai  pool  used 1536 B (total 1536 B)  live 32  budget 65536 B".
// Systems that still hold allocations at shutdown are leaks of that scope.
[[nodiscard]] std::string usage_report(const Snapshot& s);

}  // namespace fm
