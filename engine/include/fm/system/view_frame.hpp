// View model of the frame panel: the shown frame's number, rate and duration, and the global heap
// traffic the counting operator new saw in it. Plain figures computed from a snapshot; the ImGui code
// only draws them.
#pragma once

#include <array>
#include <cstdint>

#include "fm/system/snapshot.hpp"
#include "fm/system/view.hpp"

namespace fm {

struct FrameView {
  std::uint64_t frame = 0;
  // Whether a frame came before this one: the first frame has no interval, and no rate (both read 0).
  bool has_interval = false;
  double interval_ms = 0;     // previous begin_frame() to this one: the previous frame's whole cycle
  double fps = 0;             // 1000 / interval_ms
  double frame_ms = 0;        // begin_frame() to end_frame()
  bool heap_available = false;  // false unless fm::new_counter is linked: shown as unavailable
  // Heap allocations, frees and bytes in this frame; red when the frame allocated at all.
  std::array<Figure, 3> heap{};
};

[[nodiscard]] FrameView frame_view(const Snapshot& s) noexcept;

}  // namespace fm
