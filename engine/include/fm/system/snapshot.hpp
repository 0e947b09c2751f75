// The memory system's per-frame snapshot: plain structs whose rows (systems, pools, pages) live in the
// memory system's ring and are reached through spans, so a frame costs only the rows in use and a
// snapshot header is cheap to pass around. fm::SnapshotCopy detaches one for another thread. Every ratio
// in it is computed by fm::metrics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fm/config.hpp"

namespace fm {

// A name the memory system stores once, NUL-terminated, for as long as it lives; snapshot rows refer to it,
// so a row costs no name-sized copy and names have no fixed length in snapshots.
struct NameRef {
  const char* chars = "";
  std::uint32_t size = 0;

  constexpr NameRef() noexcept = default;
  // `nul_terminated` must outlive every snapshot that refers to it (e.g. a string literal).
  constexpr NameRef(const char* nul_terminated) noexcept  // NOLINT: implicit from literals, like string_view
      : chars(nul_terminated), size(static_cast<std::uint32_t>(std::char_traits<char>::length(nul_terminated))) {}
  [[nodiscard]] constexpr std::string_view view() const noexcept { return {chars, size}; }
  [[nodiscard]] constexpr const char* c_str() const noexcept { return chars; }
};

// One page of a pool, for the occupancy map and the address map.
struct PageSnapshot {
  std::uint64_t address = 0;      // first byte of the page
  std::uint32_t live_blocks = 0;
  std::uint32_t blocks = 0;       // blocks in this page
  std::uint64_t live_summary = 0; // bit i set: a live block lies in the i-th 64th of the page
};

struct PoolSnapshot {
  std::uint32_t system = 0;          // index into Snapshot::systems
  std::uint64_t block_size = 0;
  std::uint64_t page_bytes = 0;
  std::uint64_t live_blocks = 0;
  std::uint64_t committed_blocks = 0;
  std::uint32_t committed_pages = 0;
  std::uint32_t empty_pages = 0;
  std::uint32_t partial_pages = 0;
  std::uint32_t full_pages = 0;
  double occupancy = 0;              // fm::metrics::occupancy
  double page_fragmentation = 0;     // fm::metrics::page_fragmentation
  std::uint64_t releasable_bytes = 0;// bytes in empty pages
  double free_list_scatter = 0;      // fm::metrics::free_list_scatter
  std::uint64_t address_begin = 0;   // lowest page address
  std::uint64_t address_end = 0;     // one past the highest page's last byte
  bool pages_truncated = false;      // pages.size() < committed_pages: the snapshot's page room ran out
  std::span<const PageSnapshot> pages;  // the first pages of the pool, in page order
};

struct SystemSnapshot {
  NameRef name;                         // "entities/ai"
  NameRef kind;                         // "pool", "frame arena", "heap", "scope"...
  std::int32_t parent = -1;             // index of the enclosing scope, -1 at top level
  std::int32_t pool = -1;               // index into Snapshot::pools, -1 when not a pool
  std::uint32_t depth = 0;              // 0 for top level, 1 for "a/b"...
  bool has_allocator = false;           // false for a pure scope that only groups children
  // This system's own allocator. Frees are deallocate() calls: an arena counts them but frees nothing.
  std::uint64_t bytes_used = 0;
  std::uint64_t bytes_reserved = 0;     // capacity held from the parent allocator
  std::uint64_t bytes_peak = 0;
  std::uint64_t allocations_total = 0;  // cumulative
  std::uint64_t frees_total = 0;
  std::uint64_t allocations_this_frame = 0;
  std::uint64_t frees_this_frame = 0;
  std::uint64_t overflow_events = 0;
  double overhead = 0;                  // fm::metrics::overhead(bytes_reserved, bytes_used)
  // Rolled up over this system and every child scope. total_bytes_used is THE used quantity: the budget
  // check, the overlay's bar, the usage report and the JSON all compare it with the budget.
  std::uint64_t total_bytes_used = 0;
  std::uint64_t total_bytes_reserved = 0;
  // Budgets (fm::Budget) and whether this frame kept them. over_budget is true when any of the three is
  // not kept: the overlay marks those frames.
  std::uint64_t budget = 0;             // soft budget in bytes (0 = none)
  std::uint64_t hard_budget = 0;        // bytes (0 = none)
  std::optional<std::uint64_t> frame_allocation_budget;  // allocations per frame (none when empty)
  std::uint64_t total_allocations_this_frame = 0;     // rolled up like the bytes: what the per-frame budget limits
  std::uint64_t allocations_refused_this_frame = 0;   // by this system's hard budget (made here or in a child)
  std::uint64_t allocations_refused = 0;              // the same, cumulative
  bool over_soft_budget = false;        // total_bytes_used > budget
  // An allocation through this system was refused this frame, or total_bytes_used > hard_budget (bytes
  // allocated around the memory system, or an arena's padding, can pass it).
  bool over_hard_budget = false;
  bool over_frame_budget = false;       // total_allocations_this_frame > frame_allocation_budget
  bool over_budget = false;             // any of the three
  std::uint64_t budget_overruns = 0;    // times this system went over one of its budgets (cumulative)
};

// The frame arena's figures, each defined once. A frame's memory stays readable through the next frame(s),
// so the arena holds more than the frame that just ended allocated.
struct FrameArenaSnapshot {
  bool available = false;               // false when the memory system has no frame arena
  std::uint64_t bytes_this_frame = 0;   // allocated by the frame that just ended (all threads, padding included)
  std::uint64_t bytes_held = 0;         // in every buffer: this frame plus the earlier frames still readable;
                                        // the same figure as the "frame" system's bytes_used
  std::uint64_t capacity_per_frame = 0; // of one frame's buffers (summed over threads)
  std::uint64_t high_water = 0;         // largest bytes_this_frame of any frame so far
  std::uint64_t padding = 0;            // bytes lost to alignment in the frame that just ended
  std::uint64_t overflow_events = 0;    // cumulative
};

struct HeapSnapshot {
  bool available = false;               // false unless fm::new_counter is linked: show "unavailable"
  std::uint64_t allocations_this_frame = 0;
  std::uint64_t frees_this_frame = 0;
  std::uint64_t bytes_this_frame = 0;
  std::uint64_t allocations_total = 0;
  std::uint64_t bytes_total = 0;
};

struct Snapshot {
  std::uint64_t frame = 0;              // number of the frame this describes (first frame is 1)
  double frame_seconds = 0;             // begin_frame() to end_frame()
  double interval_seconds = 0;          // previous begin_frame() to this one (0 for the first frame)
  std::uint64_t budget_overruns = 0;    // cumulative over all systems
  std::span<const SystemSnapshot> systems;  // in hierarchy order: each parent precedes its children
  std::span<const PoolSnapshot> pools;
  FrameArenaSnapshot frame_arena;
  HeapSnapshot heap;
};

// A snapshot detached from the ring, e.g. to hand to a tools thread: the ring reuses its slots after
// history_capacity() frames, a copy keeps its rows until the next assign(). Room is reserved at
// construction, so assign() copies only the rows in use and never allocates. Names still refer to the
// memory system's name table: a copy is valid while its memory system lives.
class SnapshotCopy {
 public:
  SnapshotCopy(std::size_t max_systems, std::size_t max_pools, std::size_t max_pages);
  // Copies `s`; false (and unchanged) when its rows do not fit the reserved room.
  bool assign(const Snapshot& s) noexcept;
  [[nodiscard]] const Snapshot& get() const noexcept { return snapshot_; }

 private:
  Snapshot snapshot_;
  std::vector<SystemSnapshot> systems_;
  std::vector<PoolSnapshot> pools_;
  std::vector<PageSnapshot> pages_;
};

}  // namespace fm
