// FrameArena: per-frame scratch memory. Each thread bumps in its own N-buffered set of LinearArenas (no lock
// after the thread's first use); next_frame() recycles the oldest buffer, so memory from frame F stays valid
// through frame F+N-1 (F+1 with the default N = 2). Objects made with make<T>() are destroyed at recycling.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/memory_resource.hpp"
#include "fm/core/allocator.hpp"

namespace fm {

struct FrameArenaOptions {
  std::size_t capacity = 256 * 1024;  // bytes per buffer per thread
  std::size_t buffers = 2;            // frames a buffer lives; at least 1
  OverflowPolicy overflow = OverflowPolicy::grow;
  std::string_view name = "frame";
  AllocatorRef parent = {};  // where buffers and overflow chunks come from; the global heap when null
};

namespace detail {
// The calling thread's last few FrameArena lookups, keyed by arena id (ids are never reused, so a slot of a
// destroyed arena can never match again).
struct FrameSlot {
  std::uint64_t arena_id = 0;
  void* state = nullptr;
};
inline constexpr std::size_t frame_slot_count = 8;
inline thread_local FrameSlot frame_slots[frame_slot_count];
}  // namespace detail

// Thread safety: allocate/try_allocate/make/resource() may be called from any thread at any time; each
// thread uses its own buffers. next_frame(), stats(), arena_stats() and owns() touch every thread's buffers,
// so call them at the frame boundary, when no other thread allocates from this arena.
class FrameArena {
 public:
  explicit FrameArena(FrameArenaOptions options = {});
  ~FrameArena();
  FrameArena(const FrameArena&) = delete;
  FrameArena& operator=(const FrameArena&) = delete;

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) {
    return local().allocate(size, align);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    LinearArena* arena = try_local();
    return arena ? arena->try_allocate(size, align) : nullptr;
  }
  // A no-op, as in every arena: the memory comes back when its buffer is recycled.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    if (LinearArena* arena = try_local()) arena->deallocate(p, size, align);
  }

  // Constructs a T in the calling thread's current buffer; its destructor runs when that buffer is recycled.
  template <class T, class... Args>
  [[nodiscard]] T* make(Args&&... args) {
    return local().make<T>(std::forward<Args>(args)...);
  }
  template <class T, class... Args>
  [[nodiscard]] T* try_make(Args&&... args) {
    LinearArena* arena = try_local();
    return arena ? arena->try_make<T>(std::forward<Args>(args)...) : nullptr;
  }

  // The calling thread's current buffer, for loops that allocate many times: one thread lookup instead of
  // one per call. Valid until the next next_frame(); use it only on the calling thread.
  [[nodiscard]] LinearArena& local() {
    const detail::FrameSlot& slot = detail::frame_slots[id_ % detail::frame_slot_count];
    if (slot.arena_id == id_) return *static_cast<ThreadState*>(slot.state)->current;
    return *register_thread().current;
  }

  // Frame end: every thread moves to its next buffer, which is reset (destructors run, bytes reused).
  void next_frame();

  // A pmr resource over this arena: each call allocates from the calling thread's current buffer.
  [[nodiscard]] std::pmr::memory_resource& resource() noexcept { return resource_; }

  // The current frame summed over threads (bytes_used, padding, capacity, chunks); high_water sums each
  // thread's largest frame; overflow_events is cumulative over all buffers.
  [[nodiscard]] ArenaStats arena_stats() const;
  // Summed over every buffer of every thread.
  [[nodiscard]] AllocatorStats stats() const;
  [[nodiscard]] bool owns(const void* p) const;
  [[nodiscard]] std::string_view name() const noexcept { return name_; }
  [[nodiscard]] std::uint64_t frame() const noexcept { return frame_; }
  [[nodiscard]] std::size_t buffer_count() const noexcept { return options_.buffers; }
  [[nodiscard]] std::size_t thread_count() const;
  // Lookups of the calling thread's buffers that took the arena's lock.
  [[nodiscard]] std::uint64_t locked_lookups() const;

 private:
  struct ThreadState {
    std::thread::id thread;
    std::deque<LinearArena> buffers;  // deque: arenas are not movable
    LinearArena* current;
  };

  [[nodiscard]] LinearArena* try_local() noexcept;
  // Slow path: finds or creates the calling thread's state (locks once per thread and slot miss).
  ThreadState& register_thread();

  FrameArenaOptions options_;
  std::string name_;
  std::uint64_t id_;
  std::uint64_t frame_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<ThreadState>> threads_;
  std::uint64_t locked_lookups_ = 0;
  MemoryResource<FrameArena> resource_{*this};
};

}  // namespace fm
