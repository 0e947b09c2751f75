// The frame panel's view model of fm/system/view_frame.hpp.
#include "fm/system/view_frame.hpp"

namespace fm {

FrameView frame_view(const Snapshot& s) noexcept {
  FrameView v;
  v.frame = s.frame;
  v.has_interval = s.interval_seconds > 0;
  v.interval_ms = s.interval_seconds * 1e3;
  v.fps = v.has_interval ? 1.0 / s.interval_seconds : 0.0;
  v.frame_ms = s.frame_seconds * 1e3;
  const HeapSnapshot& h = s.heap;
  v.heap_available = h.available;
  const bool allocated = h.allocations_this_frame > 0;
  v.heap = {{{"heap allocations this frame", h.allocations_this_frame, Unit::count, allocated},
             {"heap frees this frame", h.frees_this_frame, Unit::count, false},
             {"heap bytes this frame", h.bytes_this_frame, Unit::bytes, allocated}}};
  return v;
}

}  // namespace fm
