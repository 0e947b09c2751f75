// fm::Timeline: which snapshot of a memory system's history ring is shown. Live, it follows the newest
// frame; paused, it holds one frame by its number while the game goes on, so the selection stays put as
// new frames arrive, and falls back to the oldest kept frame once the ring has overwritten it. Stepping,
// the ends of the ring and the last frame over budget are the moves a scrubbing UI needs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fm/system/memory_system.hpp"
#include "fm/system/snapshot.hpp"

namespace fm {

// True when any system of `s` is over its budget (what a timeline marks).
[[nodiscard]] bool any_over_budget(const Snapshot& s) noexcept;

class Timeline {
 public:
  explicit Timeline(const MemorySystem& memory) noexcept : memory_(&memory) {}

  [[nodiscard]] const MemorySystem& memory() const noexcept { return *memory_; }
  // Snapshots in the ring; at(age) with age < size(), 0 = newest.
  [[nodiscard]] std::size_t size() const noexcept { return memory_->history_size(); }
  [[nodiscard]] const Snapshot& at(std::size_t age) const noexcept { return memory_->history(age); }

  [[nodiscard]] bool live() const noexcept { return !paused_; }
  // Holds the frame shown now (the newest one when live).
  void pause() noexcept;
  // Follows the newest frame again.
  void resume() noexcept { paused_ = false; }
  void toggle_pause() noexcept { live() ? pause() : resume(); }
  // Moves the selection `frames` frames (negative: back in time) and pauses; stops at either end of the ring.
  void step(std::ptrdiff_t frames) noexcept;
  // Pauses on the snapshot `age` frames before the newest (clamped to the oldest kept).
  void show_age(std::size_t age) noexcept;
  // Pauses on the newest snapshot whose frame number is at most `frame` (the oldest kept when all are newer).
  void show_frame(std::uint64_t frame) noexcept { show_age(age_of(frame)); }
  void show_oldest() noexcept { show_age(size() == 0 ? 0 : size() - 1); }
  void show_newest() noexcept { show_age(0); }
  // Pauses on the newest frame in the ring where a system is over budget; false (selection unchanged) when
  // there is none.
  bool show_last_overrun() noexcept;

  // Age of the shown snapshot: 0 when live; for a paused frame its current age, or the oldest kept when the
  // ring has moved past it.
  [[nodiscard]] std::size_t shown_age() const noexcept;
  [[nodiscard]] const Snapshot& shown() const noexcept { return memory_->history(shown_age()); }
  // True when the paused frame is no longer in the ring (an older frame than any kept was selected).
  [[nodiscard]] bool shown_expired() const noexcept;

 private:
  // Age of the newest snapshot whose frame number is at most `frame` (size() when all are newer).
  [[nodiscard]] std::size_t age_of(std::uint64_t frame) const noexcept;

  const MemorySystem* memory_;
  bool paused_ = false;
  std::uint64_t frame_ = 0;  // the frame held while paused
};

}  // namespace fm
