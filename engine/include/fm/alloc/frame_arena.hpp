// FrameArena: per-frame scratch memory. Each thread bumps in its own N-buffered set of LinearArenas (no lock
// after the thread's first use); next_frame() recycles the oldest buffer, so memory from frame F stays valid
// through frame F+N-1 (F+1 with the default N = 2). Objects made with make<T>() are destroyed at recycling.
// A thread's buffers pass to a later thread once it exits, so thread churn does not grow the arena.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <string>
#include <string_view>
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
// The calling thread's number among the threads alive that use frame arenas: 1-based, 0 before its first
// use. Numbers are dense and go to a later thread once their thread exits, so every arena indexes its
// per-thread states by them directly (no hashing, no collisions), and a later thread inherits the states.
inline thread_local std::uint32_t frame_thread = 0;
inline constexpr std::size_t max_frame_threads = 256 * 256;
// Gives the calling thread a number and arms its release at thread exit; throws fm::error past
// max_frame_threads threads at once.
std::uint32_t claim_frame_thread();
std::uint32_t try_claim_frame_thread() noexcept;  // 0 when no number (or no thread-exit key) is left

// The calling thread's current buffer in the frame arena it used last, valid while that arena's epoch is
// the one recorded: an arena takes a new epoch at construction and at every next_frame(), and epochs are
// unique in the process, so a cache entry never matches another arena, a later frame or a destroyed arena.
// This makes FrameArena::allocate one compare in front of the bump.
struct FrameCache {
  std::uint64_t epoch = 0;  // 0: nothing cached (epochs start at 1)
  LinearArena* buffer = nullptr;
};
inline thread_local FrameCache frame_cache;
// A process-wide fresh epoch.
std::uint64_t next_frame_epoch() noexcept;
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
  // A no-op, as in every arena: the memory comes back when its buffer is recycled. Only counted; on a thread
  // without buffers in this arena (e.g. a pmr container freed elsewhere) it creates none.
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept {
    if (const detail::FrameCache& cache = detail::frame_cache; cache.epoch == epoch_) [[likely]] {
      cache.buffer->deallocate(p, size, align);
    } else if (ThreadState* state = find_state()) {
      state->current->deallocate(p, size, align);
    } else {
      stateless_deallocations_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // deallocate() accepts every pointer, so there is nothing to reject (see fm::FreeCheckingAllocator).
  void check_free(const void* /*p*/, std::size_t /*size*/, std::size_t /*align*/ = alignof(std::max_align_t)) const
      noexcept {}
  [[nodiscard]] std::size_t max_alignment() const noexcept { return fm::max_alignment; }

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
    if (const detail::FrameCache& cache = detail::frame_cache; cache.epoch == epoch_) [[likely]]
      return *cache.buffer;
    return local_slow();
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
  // Thread states (N buffers each) the arena holds: one per thread number that used it, so at most the
  // number of threads alive at once, however many came and went.
  [[nodiscard]] std::size_t thread_count() const;
  // Lookups of the calling thread's buffers that took the arena's lock: one per thread number and arena.
  [[nodiscard]] std::uint64_t locked_lookups() const;

 private:
  struct ThreadState {
    std::deque<LinearArena> buffers;  // deque: arenas are not movable
    LinearArena* current;
  };
  // States by thread number in two levels, so the table grows without moving what other threads read.
  // An entry is written only by the thread holding its number (under mutex_); a block pointer is read
  // without the lock, hence atomic.
  static constexpr std::size_t states_per_block = 256;
  using StateBlock = std::array<ThreadState*, states_per_block>;

  // The calling thread's state in this arena, or null: two loads and no lock.
  [[nodiscard]] ThreadState* find_state() const noexcept {
    const std::uint32_t n = detail::frame_thread;
    if (n == 0) return nullptr;
    const StateBlock* block = blocks_[(n - 1) / states_per_block].load(std::memory_order_acquire);
    return block != nullptr ? (*block)[(n - 1) % states_per_block] : nullptr;
  }
  [[nodiscard]] LinearArena* try_local() noexcept;
  // Slow path of local(): finds (or registers) the calling thread's state and caches its current buffer.
  [[nodiscard]] LinearArena& local_slow();
  // Slow path: the calling thread's first use of this arena (locks once per thread number).
  ThreadState& register_thread();

  FrameArenaOptions options_;
  std::string name_;
  std::uint64_t frame_ = 0;
  std::uint64_t epoch_ = detail::next_frame_epoch();  // changes with every frame (see detail::FrameCache)
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<ThreadState>> threads_;
  std::array<std::atomic<StateBlock*>, detail::max_frame_threads / states_per_block> blocks_{};
  std::uint64_t locked_lookups_ = 0;
  std::atomic<std::uint64_t> stateless_deallocations_{0};
  MemoryResource<FrameArena> resource_{*this};
};

}  // namespace fm
