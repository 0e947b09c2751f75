// fm::Recording<A>: a layer of the allocator model that records every allocate and deallocate of the
// allocator below into a trace (fm::trace::Writer), tagged with a system name, plus frame boundaries,
// arena resets and stack rewinds, so framemem-replay can play a system's real traffic against other allocators.
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string_view>
#include <utility>

#include "fm/debug/decorator.hpp"
#include "fm/trace/writer.hpp"

namespace fm {

// A stack of the StackAllocator kind: LIFO with markers, and stats that count every block it freed.
template <class A>
concept RewindableAllocator = StatsAllocator<A> && requires(A& a) { a.rewind(a.mark()); };

template <class A>
class Recording : public debug::Decorator<A> {
  using Base = debug::Decorator<A>;

 public:
  // Records into `writer` (which must outlive this layer) under the system name `system`; the remaining
  // arguments construct the wrapped allocator (or name it, when A is a reference).
  template <class... Args>
    requires std::constructible_from<A, Args&&...>
  Recording(trace::Writer& writer, std::string_view system, Args&&... args)
      : Base(std::forward<Args>(args)...), writer_(&writer), system_(writer.system(system)) {}

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                               std::source_location where = std::source_location::current()) {
    return recorded(fm::allocate(this->inner_, size, align, where), size, align);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t),
                                   std::source_location where = std::source_location::current()) noexcept {
    return recorded(fm::try_allocate(this->inner_, size, align, where), size, align);
  }
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const {
    fm::check_free(this->inner_, p, size, align);
  }
  // The free is recorded only once the layers below accept it, and before it runs: a rejected free never
  // reaches the trace, and the block's address cannot be handed out again before its free is stamped.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    if constexpr (RewindableAllocator<typename Base::inner_type>) {
      if (p != nullptr) return deallocate_on_stack(p, size, align);
    }
    if (p != nullptr) {
      fm::check_free(this->inner_, p, size, align);
      writer_->free(id(p));
    }
    this->inner_.deallocate(p, size, align);
  }
  [[nodiscard]] std::size_t max_alignment() const noexcept { return max_alignment_of(this->inner_); }

  // Resets the wrapped arena and records that every live block of this system ended.
  void reset()
    requires requires(typename Base::inner_type& a) { a.reset(); }
  {
    writer_->reset(system_);
    this->inner_.reset();
  }

  [[nodiscard]] auto mark() const noexcept
    requires RewindableAllocator<typename Base::inner_type>
  {
    return this->inner_.mark();
  }
  // Rewinds the wrapped stack and records that the blocks above the marker ended. Recorded after the
  // rewind, so a stale marker the stack rejects never reaches the trace; a stack is used by one thread and
  // only it hands its addresses out again, so no other event can fall between.
  template <class Marker>
  void rewind(Marker m)
    requires RewindableAllocator<typename Base::inner_type>
  {
    const std::uint64_t before = live_blocks();
    this->inner_.rewind(m);
    if (const std::uint64_t ended = before - live_blocks(); ended != 0) writer_->rewind(system_, ended);
  }

  void begin_frame(std::uint64_t frame) { writer_->frame_begin(frame); }
  void end_frame(std::uint64_t frame) { writer_->frame_end(frame); }

  [[nodiscard]] std::uint32_t system() const noexcept { return system_; }
  [[nodiscard]] trace::Writer& writer() const noexcept { return *writer_; }

 private:
  static std::uint64_t id(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p); }

  std::uint64_t live_blocks() const noexcept {
    const AllocatorStats s = this->inner_.stats();
    return s.allocations - s.deallocations;
  }
  // A stack that is not strictly LIFO ignores a free of a block below the top (the memory comes back at the
  // next rewind), so the block stays live in the trace until the stack really lets it go: the free is
  // recorded only when the stack's count of freed blocks moved, which keeps rewind counts exact.
  void deallocate_on_stack(void* p, std::size_t size, std::size_t align) {
    const std::uint64_t before = live_blocks();
    this->inner_.deallocate(p, size, align);
    if (live_blocks() != before) writer_->free(id(p));
  }

  void* recorded(void* p, std::size_t size, std::size_t align) {
    if (p != nullptr) writer_->allocate(system_, id(p), size, align);
    return p;
  }

  trace::Writer* writer_;
  std::uint32_t system_;
};

}  // namespace fm
