// fm::Budget: what a memory system holds a system to. A soft budget is a warning (callback, red row), a hard
// budget a limit that allocations through the memory system cannot pass, and a per-frame allocation budget
// a contract on a frame's behaviour ("this system does not allocate in steady state").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "fm/config.hpp"

namespace fm {

// What end_frame() does when a system made more allocations in a frame than its per-frame budget allows.
enum class FrameBudgetCheck : std::uint8_t {
  report,  // like any overrun: the snapshot row says so, on_budget_overrun is called on the crossing
  fail,    // the same, then end_frame() throws fm::error naming the system and the frame (for tests)
};

// Every byte figure is the system's rolled-up used bytes (SystemSnapshot::total_bytes_used: the system and
// its child scopes), the quantity the overlay's bar and the usage report show.
struct Budget {
  // Bytes (0 = none). Going over calls on_budget_overrun and draws the row red; nothing is refused.
  std::size_t soft = 0;
  // Bytes (0 = none). An allocation through the memory system's allocator of this system or of any child
  // (MemorySystem::system(name)) that would take the used bytes past it fails: fm::out_of_memory naming the
  // system and the budget, or null from try_allocate. A request is charged what it adds to the used bytes:
  // its size, or a whole block for a pool; an arena's alignment padding is not foreseen. Allocations made on
  // the registered allocator itself bypass the memory system and are never refused; the snapshot row then
  // shows the budget passed (over_hard_budget).
  std::size_t hard = 0;
  // Allocations per frame, counted by the allocators of the system and its child scopes (every allocation
  // they see, through the memory system or not); none when empty, 0 = "does not allocate". There is no
  // per-frame bytes budget: allocators count allocations and bytes in use, not bytes allocated, so the bytes
  // a frame allocated and freed again cannot be told from what the memory system reads.
  std::optional<std::uint64_t> per_frame_allocations = {};
  FrameBudgetCheck per_frame_check = FrameBudgetCheck::report;
};

}  // namespace fm
