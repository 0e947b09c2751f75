// FrameArena's slow paths: thread registration, frame flips and stats gathered over threads.
#include "fm/alloc/frame_arena.hpp"

#include <algorithm>
#include <stdexcept>

namespace fm {
namespace {

std::atomic<std::uint64_t> next_arena_id{1};

}  // namespace

FrameArena::FrameArena(FrameArenaOptions options)
    : options_(options), name_(options.name), id_(next_arena_id.fetch_add(1, std::memory_order_relaxed)) {
  if (options_.buffers == 0) {
    throw std::invalid_argument("frame arena '" + name_ + "': needs at least one buffer, got 0");
  }
  options_.name = name_;
}

FrameArena::~FrameArena() = default;

LinearArena* FrameArena::try_local() noexcept {
  try {
    return &local();
  } catch (...) {
    return nullptr;
  }
}

FrameArena::ThreadState& FrameArena::register_thread() {
  const std::thread::id me = std::this_thread::get_id();
  std::lock_guard lock(mutex_);
  ++locked_lookups_;
  auto it = std::find_if(threads_.begin(), threads_.end(), [&](const auto& t) { return t->thread == me; });
  ThreadState* state = nullptr;
  if (it != threads_.end()) {
    state = it->get();
  } else {
    auto fresh = std::make_unique<ThreadState>();
    fresh->thread = me;
    const LinearArenaOptions buffer{
        .capacity = options_.capacity, .overflow = options_.overflow, .name = name_, .parent = options_.parent};
    for (std::size_t i = 0; i < options_.buffers; ++i) fresh->buffers.emplace_back(buffer);
    fresh->current = &fresh->buffers[frame_ % options_.buffers];
    threads_.reserve(threads_.size() + 1);
    state = threads_.emplace_back(std::move(fresh)).get();
  }
  detail::frame_slots[id_ % detail::frame_slot_count] = detail::FrameSlot{id_, state};
  return *state;
}

void FrameArena::next_frame() {
  std::lock_guard lock(mutex_);
  ++frame_;
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
