// fm::overlay: Dear ImGui panels. Each draw_* function draws into the current ImGui window (the game
// calls it between its own ImGui::Begin/End); fm::overlay::Dashboard lays out its own windows for the
// whole set. Panels draw view models (fm/system/view*.hpp) of memory-system snapshots plus a few figures
// only the game knows (its timings, cache measurements); they own nothing and allocate nothing per frame.
// Every panel shows the frame a fm::Timeline selects: the newest one, or a paused frame of the history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fm/system/frame_diff.hpp"
#include "fm/system/memory_system.hpp"
#include "fm/system/snapshot.hpp"
#include "fm/system/timeline.hpp"
#include "fm/system/view_cache.hpp"
#include "fm/system/view_pages.hpp"

namespace fm::overlay {

// Version string of the overlay library (also proves the library links).
[[nodiscard]] const char* version() noexcept;

// Read-only view of a memory system's recent snapshots and the one shown. at(0) is the newest snapshot;
// shown() is what the panels describe: the newest, or the frame a paused timeline holds. The overlay reads
// the ring in place and never copies snapshots.
class History {
 public:
  // Live: shows the newest frame.
  explicit History(const MemorySystem& memory) noexcept : timeline_(memory) {}
  // Shows what `timeline` selects now.
  explicit History(const Timeline& timeline) noexcept : timeline_(timeline) {}
  [[nodiscard]] std::size_t size() const noexcept { return timeline_.size(); }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // `back` < size().
  [[nodiscard]] const Snapshot& at(std::size_t back) const noexcept { return timeline_.at(back); }
  [[nodiscard]] const Snapshot& latest() const noexcept { return timeline_.memory().latest(); }
  [[nodiscard]] const Snapshot& shown() const noexcept { return timeline_.shown(); }
  [[nodiscard]] std::size_t shown_age() const noexcept { return timeline_.shown_age(); }
  [[nodiscard]] const Timeline& timeline() const noexcept { return timeline_; }

 private:
  Timeline timeline_;
};

// A fixed ring of float samples the game fills with what only it knows (simulation ms, render ms,
// ns per particle), each tagged with the memory-system frame it belongs to. Oldest sample first.
class Series {
 public:
  static constexpr std::size_t capacity = 256;
  void push(float v, std::uint64_t frame = 0) noexcept {
    values_[next_] = v;
    frames_[next_] = frame;
    next_ = (next_ + 1) % capacity;
    if (count_ < capacity) ++count_;
  }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] float at(std::size_t oldest_first) const noexcept { return values_[index(oldest_first)]; }
  [[nodiscard]] std::uint64_t frame_at(std::size_t oldest_first) const noexcept { return frames_[index(oldest_first)]; }
  [[nodiscard]] float last() const noexcept { return count_ == 0 ? 0.0f : at(count_ - 1); }
  // Index (oldest first) of the newest sample of a frame at most `frame`; size() when there is none.
  [[nodiscard]] std::size_t find(std::uint64_t frame) const noexcept;
  [[nodiscard]] float max() const noexcept;
  [[nodiscard]] float mean() const noexcept;

 private:
  [[nodiscard]] std::size_t index(std::size_t oldest_first) const noexcept {
    return (next_ + capacity - count_ + oldest_first) % capacity;
  }
  float values_[capacity]{};
  std::uint64_t frames_[capacity]{};
  std::size_t next_ = 0;
  std::size_t count_ = 0;
};

// Timings only the game can measure.
struct GameTimes {
  const Series* sim_ms = nullptr;
  const Series* render_ms = nullptr;
};

using CacheFigure = fm::CacheFigure;

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

// Each panel draws into the current ImGui window.
// 0. The timeline: live / paused frame N, buttons, and a strip of the history (frames over budget in red)
// that selects a frame when clicked or dragged.
void draw_timeline(Timeline& timeline);
// 1. FPS, frame ms, simulation/render ms, heap allocations and bytes per frame, with history graphs.
void draw_frame_panel(const History& history, const GameTimes& times);
// 2. Name, kind, used / reserved / peak, budget bar (red when over), allocations and frees per frame.
void draw_systems_table(const Snapshot& snapshot);
// 3. Every page of every pool as a row of cells coloured by use, with the pool metrics and buttons.
[[nodiscard]] PoolActions draw_pool_map(const Snapshot& snapshot);
// 4. Frame arena bytes per frame (graph), high-water mark, padding, overflow events (red when any).
void draw_frame_arena_panel(const History& history);
// 5. Cache behaviour of the current layout, each figure labelled with how it was obtained.
void draw_cache_panel(const CacheView& view);
// 7. Each pool's pages along its address range (large gaps compressed); live cells coloured by how many
// frames they have been live. `rows` is the caller's scratch, reused from frame to frame.
void draw_address_map(const History& history, std::vector<AddressMapPage>& rows);
// 8. What changed from `older` to `newer` per system (fm::frame_diff), largest growth first; pools whose
// fragmentation rose in red. `rows` is the caller's scratch, reused from frame to frame.
void draw_frame_diff(const Snapshot& older, const Snapshot& newer, std::vector<SystemDelta>& rows);

// Timeline moves a game binds to keys (the Dashboard binds arrows, Home, End and Space itself).
enum class TimelineKey : std::uint8_t { toggle_pause, back, forward, back_many, forward_many, oldest, newest, last_overrun };
void press(Timeline& timeline, TimelineKey key) noexcept;

// A row of mutually exclusive buttons (the current one highlighted); returns the clicked index or -1.
// Used by a game's control panel (6.) for storage-mode switches. When `rects` is given it receives each
// button's screen rectangle as x0, y0, x1, y1 (4 floats per option), e.g. for UI tests.
[[nodiscard]] int choice_row(const char* label, std::span<const char* const> options, int current,
                             float* rects = nullptr);

}  // namespace fm::overlay
