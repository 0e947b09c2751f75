// The memory system's per-frame snapshot: plain, fixed-size, trivially copyable structs (no pointers
// into live state), so a snapshot can be copied to another thread, kept in a ring, drawn by the overlay
// and written as JSON. Every ratio in it is computed by fm::metrics.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace fm {

// A short name stored inline (truncation is rejected where names are registered, never silent).
template <std::size_t N>
struct FixedString {
  std::array<char, N> chars{};  // NUL-terminated

  static constexpr std::size_t capacity = N - 1;
  [[nodiscard]] std::string_view view() const noexcept { return {chars.data()}; }
  [[nodiscard]] const char* c_str() const noexcept { return chars.data(); }
  // Copies `s`; false (and unchanged) when it does not fit.
  bool assign(std::string_view s) noexcept {
    if (s.size() > capacity) return false;
    chars = {};
    for (std::size_t i = 0; i < s.size(); ++i) chars[i] = s[i];
    return true;
  }
};

inline constexpr std::size_t snapshot_max_systems = 32;
inline constexpr std::size_t snapshot_max_pools = 8;
inline constexpr std::size_t snapshot_max_pages = 256;

using SystemName = FixedString<48>;
using KindName = FixedString<24>;

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
  std::uint32_t page_count = 0;      // pages recorded below (at most snapshot_max_pages)
  bool pages_truncated = false;      // committed_pages > snapshot_max_pages: the map shows the first ones
  std::array<PageSnapshot, snapshot_max_pages> pages{};
};

struct SystemSnapshot {
  SystemName name;                      // "entities/ai"
  KindName kind;                        // "pool", "frame arena", "heap", "scope"...
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
  std::uint64_t budget = 0;             // 0 = no budget
  bool over_budget = false;             // total_bytes_used > budget (budget != 0)
  std::uint64_t budget_overruns = 0;    // times this system went over its budget (cumulative)
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
  std::uint32_t system_count = 0;       // systems in hierarchy order: each parent precedes its children
  std::uint32_t pool_count = 0;
  std::array<SystemSnapshot, snapshot_max_systems> systems{};
  std::array<PoolSnapshot, snapshot_max_pools> pools{};
  FrameArenaSnapshot frame_arena;
  HeapSnapshot heap;
};

static_assert(std::is_trivially_copyable_v<Snapshot>, "snapshots are copied between threads by value");

}  // namespace fm
