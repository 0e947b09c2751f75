// fm::overlay: Dear ImGui panels a game calls inside its own ImGui frame. Panels are free functions of
// memory-system snapshots (fm/system/snapshot.hpp) plus a few figures only the game knows (its own
// timings, cache measurements); they own nothing and allocate nothing per frame.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "fm/system/frame_diff.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/snapshot.hpp"

namespace fm::overlay {

// Version string of the overlay library (also proves the library links).
[[nodiscard]] const char* version() noexcept;

// Read-only view of a memory system's recent snapshots, newest first: at(0) is the latest. The overlay
// reads the ring in place and never copies snapshots.
class History {
 public:
  explicit History(const MemorySystem& memory) noexcept : memory_(&memory) {}
  [[nodiscard]] std::size_t size() const noexcept { return memory_->history_size(); }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // `back` < size().
  [[nodiscard]] const Snapshot& at(std::size_t back) const noexcept { return memory_->history(back); }
  [[nodiscard]] const Snapshot& latest() const noexcept { return memory_->latest(); }

 private:
  const MemorySystem* memory_;
};

// A fixed ring of float samples the game fills with what only it knows (simulation ms, render ms,
// ns per particle). Oldest sample first for plotting.
class Series {
 public:
  static constexpr std::size_t capacity = 240;
  void push(float v) noexcept {
    values_[next_] = v;
    next_ = (next_ + 1) % capacity;
    if (count_ < capacity) ++count_;
  }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] float at(std::size_t oldest_first) const noexcept {
    return values_[(next_ + capacity - count_ + oldest_first) % capacity];
  }
  [[nodiscard]] float last() const noexcept { return count_ == 0 ? 0.0f : at(count_ - 1); }
  [[nodiscard]] float max() const noexcept;
  [[nodiscard]] float mean() const noexcept;

 private:
  float values_[capacity]{};
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

// Timings only the game can measure.
struct GameTimes {
  const Series* sim_ms = nullptr;
  const Series* render_ms = nullptr;
};

// One figure of the cache panel with how it was obtained (never a number that was not measured).
struct CacheFigure {
  const char* label = "";
  double value = 0;
  bool available = false;
  const char* unit = "";
  const char* how = "";  // e.g. "layout", "simulated LRU 48K/12-way", "perf_event_open"
};

struct CacheView {
  const char* layout_name = "";
  const Series* ns_per_item = nullptr;  // measured
  std::span<const CacheFigure> figures;
  const char* unavailable_reason = nullptr;  // set when hardware counters are unavailable
};

// What the user asked for through panel buttons this frame; the game applies it at the frame boundary.
struct PoolActions {
  bool compact_handles = false;
  bool release_empty_pages = false;
};

// 1. FPS, frame/simulation/render ms, heap allocations and bytes per frame, with history graphs.
void draw_frame_panel(const History& history, const GameTimes& times);
// 2. Name, kind, used / reserved / peak, budget bar (red when over), allocations and frees per frame.
void draw_systems_table(const Snapshot& snapshot);
// 3. Every page of every pool as a row of cells coloured by use, with the pool metrics and buttons.
[[nodiscard]] PoolActions draw_pool_map(const Snapshot& snapshot);
// 4. Frame arena bytes per frame (graph), high-water mark, padding, overflow events (red when any).
void draw_frame_arena_panel(const History& history);
// 5. Cache behaviour of the current layout, each figure labelled with how it was obtained.
void draw_cache_panel(const CacheView& view);
// 7. Each pool's address range as a strip; live cells coloured by how many frames they have been live.
void draw_address_map(const History& history);
// 8. What changed from `older` to `newer` per system (fm::frame_diff), largest growth first; pools whose
// fragmentation rose in red. `rows` is the caller's scratch, reused from frame to frame.
void draw_frame_diff(const Snapshot& older, const Snapshot& newer, std::vector<SystemDelta>& rows);

// A row of mutually exclusive buttons (the current one highlighted); returns the clicked index or -1.
// Used by a game's control panel (6.) for storage-mode switches. When `rects` is given it receives each
// button's screen rectangle as x0, y0, x1, y1 (4 floats per option), e.g. for UI tests.
[[nodiscard]] int choice_row(const char* label, std::span<const char* const> options, int current,
                             float* rects = nullptr);

}  // namespace fm::overlay
