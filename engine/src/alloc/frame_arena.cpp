// FrameArena's slow paths: thread numbers and their release at thread exit, thread registration, frame
// flips and stats gathered over threads.
#include "fm/alloc/frame_arena.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "../os/os.hpp"
#include "fm/core/error.hpp"

namespace fm {
namespace detail {
namespace {

// Numbers of the threads alive that use frame arenas. The lowest free number is handed out first, so the
// arenas' tables stay as small as the number of threads alive at once. Claims take the mutex; a number goes
// back by setting its bit, with no lock and no allocation, because that happens at thread exit (and on
// Windows at process exit, after the C runtime has shut down its locks).
struct ThreadNumbers {
  std::mutex mutex;
  std::array<std::atomic<std::uint64_t>, max_frame_threads / 64> free{};  // bit n - 1: number n is free
  std::uint32_t issued = 0;
};

// Never destroyed: threads may exit (and give their numbers back) while statics are being destroyed.
ThreadNumbers& thread_numbers() {
  static auto* numbers = new ThreadNumbers;
  return *numbers;
}

// Gives the thread's number back when the thread exits, after which a later thread inherits its states. It
// runs as the OS layer's thread-exit callback, with the number as its value, rather than as a thread_local
// destructor: where thread_local is emulated (MinGW), such a destructor finds the thread's thread_locals,
// and even its own object, already freed. The callback runs after the thread_local destructors, so a frame
// arena used from one of those gives its number back too.
void give_back(void* value) noexcept {
  const auto index = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(value)) - 1;
  thread_numbers().free[index / 64].fetch_or(std::uint64_t{1} << (index % 64), std::memory_order_release);
  if constexpr (os::thread_locals_outlive_exit_callbacks) {
    // The states now pass to a later thread: this one must not reach them through its cache either.
    frame_thread = 0;
    frame_cache = {};
  }
}

// The lowest number given back, taken out of the free set; 0 when there is none. Under the mutex.
std::uint32_t take_free_number(ThreadNumbers& numbers) noexcept {
  for (std::uint32_t w = 0; w * 64 < numbers.issued; ++w) {
    const std::uint64_t bits = numbers.free[w].load(std::memory_order_acquire);
    if (bits == 0) continue;
    const auto bit = static_cast<std::uint32_t>(std::countr_zero(bits));
    numbers.free[w].fetch_and(~(std::uint64_t{1} << bit), std::memory_order_relaxed);
    return w * 64 + bit + 1;
  }
  return 0;
}

// The key whose thread-exit callback gives numbers back; null when the OS had none left.
const os::ThreadKey* number_key() noexcept {
  static const std::optional<os::ThreadKey> key = []() -> std::optional<os::ThreadKey> {
    os::ThreadKey k;
    if (!os::create_thread_key(k, give_back)) return std::nullopt;
    return k;
  }();
  return key ? &*key : nullptr;
}

}  // namespace

std::uint64_t next_frame_epoch() noexcept {
  static std::atomic<std::uint64_t> epochs{0};
  return epochs.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::uint32_t try_claim_frame_thread() noexcept {
  const os::ThreadKey* key = number_key();
  if (key == nullptr) return 0;
  ThreadNumbers& numbers = thread_numbers();
  {
    std::lock_guard lock(numbers.mutex);
    if (const std::uint32_t reused = take_free_number(numbers); reused != 0) {
      frame_thread = reused;
    } else if (numbers.issued < max_frame_threads) {
      frame_thread = ++numbers.issued;
    } else {
      return 0;
    }
  }
  os::set_thread_value(*key, reinterpret_cast<void*>(std::uintptr_t{frame_thread}));
  return frame_thread;
}

std::uint32_t claim_frame_thread() {
  if (const std::uint32_t n = try_claim_frame_thread(); n != 0) return n;
  if (number_key() == nullptr) raise(error("frame arena: the OS has no thread-exit key left"));
  raise(error("frame arena: more than " + std::to_string(max_frame_threads) + " threads use frame arenas at once"));
}

}  // namespace detail

FrameArena::FrameArena(FrameArenaOptions options) : options_(options), name_(options.name) {
  if (options_.buffers == 0) {
    raise(std::invalid_argument("frame arena '" + name_ + "': needs at least one buffer, got 0"));
  }
  options_.name = name_;
}

FrameArena::~FrameArena() {
  for (auto& block : blocks_) delete block.load(std::memory_order_relaxed);
}

LinearArena* FrameArena::try_local() noexcept {
  if (ThreadState* state = find_state()) return state->current;
  if (detail::frame_thread == 0 && detail::try_claim_frame_thread() == 0) return nullptr;
#if defined(__cpp_exceptions)
  try {
    return register_thread().current;
  } catch (...) {  // the first buffers' memory
    return nullptr;
  }
#else
  // Registration can now fail only where a buffer's parent refuses the first chunk, which goes to the handler.
  return register_thread().current;
#endif
}

LinearArena& FrameArena::local_slow() {
  ThreadState* state = find_state();
  if (state == nullptr) state = &register_thread();
  detail::frame_cache = detail::FrameCache{epoch_, state->current};
  return *state->current;
}

FrameArena::ThreadState& FrameArena::register_thread() {
  const std::uint32_t n = detail::frame_thread != 0 ? detail::frame_thread : detail::claim_frame_thread();
  std::lock_guard lock(mutex_);
  ++locked_lookups_;
  std::atomic<StateBlock*>& block = blocks_[(n - 1) / states_per_block];
  if (block.load(std::memory_order_relaxed) == nullptr) block.store(new StateBlock{}, std::memory_order_release);
  ThreadState*& entry = (*block.load(std::memory_order_relaxed))[(n - 1) % states_per_block];
  if (entry == nullptr) {
    auto fresh = std::make_unique<ThreadState>();
    const LinearArenaOptions buffer{
        .capacity = options_.capacity, .overflow = options_.overflow, .name = name_, .parent = options_.parent};
    for (std::size_t i = 0; i < options_.buffers; ++i) fresh->buffers.emplace_back(buffer);
    fresh->current = &fresh->buffers[frame_ % options_.buffers];
    threads_.reserve(threads_.size() + 1);
    entry = threads_.emplace_back(std::move(fresh)).get();
  }
  return *entry;
}
void FrameArena::next_frame() {
  std::lock_guard lock(mutex_);
  ++frame_;
  epoch_ = detail::next_frame_epoch();
  for (auto& t : threads_) {
    t->current = &t->buffers[frame_ % options_.buffers];
    t->current->reset();
  }
}

ArenaStats FrameArena::arena_stats() const {
  std::lock_guard lock(mutex_);
  ArenaStats total{};
  for (const auto& t : threads_) {
    const ArenaStats now = t->current->arena_stats();
    total.bytes_used += now.bytes_used;
    total.padding += now.padding;
    total.capacity += now.capacity;
    total.chunks += now.chunks;
    std::size_t thread_high = 0;
    for (const LinearArena& b : t->buffers) {
      thread_high = std::max(thread_high, b.high_water());
      total.overflow_events += b.arena_stats().overflow_events;
    }
    total.high_water += thread_high;
  }
  return total;
}

AllocatorStats FrameArena::stats() const {
  std::lock_guard lock(mutex_);
  AllocatorStats total{};
  for (const auto& t : threads_) {
    for (const LinearArena& b : t->buffers) {
      const AllocatorStats s = b.stats();
      total.bytes_used += s.bytes_used;
      total.bytes_reserved += s.bytes_reserved;
      total.bytes_peak += s.bytes_peak;
      total.allocations += s.allocations;
      total.deallocations += s.deallocations;
      total.overflow_events += s.overflow_events;
    }
  }
  total.deallocations += stateless_deallocations_.load(std::memory_order_relaxed);
  return total;
}

bool FrameArena::owns(const void* p) const {
  std::lock_guard lock(mutex_);
  return std::any_of(threads_.begin(), threads_.end(), [&](const auto& t) {
    return std::any_of(t->buffers.begin(), t->buffers.end(), [&](const LinearArena& b) { return b.owns(p); });
  });
}

std::size_t FrameArena::thread_count() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

std::uint64_t FrameArena::locked_lookups() const {
  std::lock_guard lock(mutex_);
  return locked_lookups_;
}

}  // namespace fm
