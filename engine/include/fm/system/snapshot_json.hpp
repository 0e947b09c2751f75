// Writes a memory-system Snapshot as JSON (hand-written: fm::core uses only the standard library), for
// reports and external tools that draw fragmentation pictures from it.
#pragma once

#include <string>

#include "fm/system/snapshot.hpp"

namespace fm {

// Appends one JSON object describing `s` to `out` (reusing its capacity). Field names match the struct
// members; 64-bit bitmaps are written as hex strings because JSON numbers are exact only to 2^53.
void write_json(std::string& out, const Snapshot& s);

[[nodiscard]] std::string to_json(const Snapshot& s);

}  // namespace fm
