// Per-frame scratch memory in the two ways a game can get it: a malloc per request, freed at frame end,
// or a bump allocation in the calling thread's FrameArena, recycled two frames later. Both count their
// requests so the overlay can show what each costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "fm/core/allocator.hpp"
#include "modes.hpp"

namespace demo {

class Scratch {
 public:
  // `arena`: the frame arena, or the memory system's recordable ref to it, so a recording sees scratch.
  Scratch(ScratchMode mode, fm::AllocatorRef arena);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  [[nodiscard]] ScratchMode mode() const noexcept { return mode_; }
  // Throws std::bad_alloc when the memory is not there and fm::bad_alignment for an alignment that is
  // not a power of two up to fm::max_alignment (the arena's own errors in frame_arena mode).
  [[nodiscard]] void* allocate(std::size_t bytes, std::size_t align);
  // Throws std::bad_alloc (std::bad_array_new_length) when n * sizeof(T) does not fit in a size_t.
  template <class T>
  [[nodiscard]] T* allocate_array(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate(n * sizeof(T), alignof(T)));
  }
  // Frees what malloc mode handed out this frame (the arena recycles on its own).
  void end_frame();

  // malloc() calls made this frame (operator new is counted separately by the counting hook).
  [[nodiscard]] std::uint64_t mallocs_this_frame() const noexcept { return mallocs_; }
  [[nodiscard]] std::uint64_t malloc_bytes_this_frame() const noexcept { return malloc_bytes_; }

 private:
  ScratchMode mode_;
  fm::AllocatorRef arena_;
  std::vector<void*> live_;  // malloc mode: blocks to free at frame end (capacity kept across frames)
  std::uint64_t mallocs_ = 0;
  std::uint64_t malloc_bytes_ = 0;
};

}  // namespace demo
