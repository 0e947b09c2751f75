// Scratch memory: malloc-per-request or the calling thread's FrameArena.
#include "scratch.hpp"

#include <cstdlib>
#include <new>

#include "fm/alloc/frame_arena.hpp"
#include "fm/core/align.hpp"

namespace demo {

Scratch::Scratch(ScratchMode mode, fm::FrameArena& arena) : mode_(mode), arena_(arena) { live_.reserve(1024); }

Scratch::~Scratch() { end_frame(); }

void* Scratch::allocate(std::size_t bytes, std::size_t align) {
  if (mode_ == ScratchMode::frame_arena) return arena_.allocate(bytes, align);
  void* p = align <= alignof(std::max_align_t) ? std::malloc(bytes)
                                               : std::aligned_alloc(align, fm::align_up(bytes, align));
  if (p == nullptr) throw std::bad_alloc();
  live_.push_back(p);
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
