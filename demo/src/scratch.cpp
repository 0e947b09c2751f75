// Scratch memory: malloc-per-request or the calling thread's FrameArena.
#include "scratch.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>

#include "fm/core/align.hpp"
#include "fm/core/error.hpp"

namespace demo {

Scratch::Scratch(ScratchMode mode, fm::AllocatorRef arena) : mode_(mode), arena_(arena) { live_.reserve(1024); }

Scratch::~Scratch() { end_frame(); }

void* Scratch::allocate(std::size_t bytes, std::size_t align) {
  if (mode_ == ScratchMode::frame_arena) return arena_.allocate(bytes, align);
  fm::check_alignment("scratch (malloc per frame)", align, fm::max_alignment);
  // aligned_alloc wants a multiple of the alignment; rounding a size this close to SIZE_MAX up would
  // wrap to a tiny block.
  if (bytes > SIZE_MAX - (align - 1)) throw std::bad_alloc();
  void* p = align <= alignof(std::max_align_t) ? std::malloc(bytes)
                                               : std::aligned_alloc(align, fm::align_up(bytes, align));
  if (p == nullptr) throw std::bad_alloc();
  try {
    live_.push_back(p);
  } catch (...) {
    std::free(p);  // a refused request keeps nothing
    throw;
  }
  ++mallocs_;
  malloc_bytes_ += bytes;
  return p;
}

void Scratch::end_frame() {
  for (void* p : live_) std::free(p);
  live_.clear();
  mallocs_ = 0;
  malloc_bytes_ = 0;
}

}  // namespace demo
