// StackAllocator's slow paths: LIFO checks, stale-marker detection, errors, stats.
#include "fm/alloc/stack_allocator.hpp"

#include <algorithm>
#include <new>

namespace fm {
namespace {

constexpr std::size_t buffer_alignment = 64;
constexpr std::size_t initial_depth = 64;

}  // namespace

StackAllocator::StackAllocator(StackAllocatorOptions options)
    : upstream_(options.parent), owns_buffer_(true), strict_lifo_(options.strict_lifo), name_(options.name) {
  begin_ = static_cast<std::byte*>(upstream_.try_allocate(options.capacity, buffer_alignment));
  if (begin_ == nullptr) {
    throw out_of_memory(name_, options.capacity, buffer_alignment, options.capacity,
                        "parent allocator could not provide the stack buffer");
  }
  cursor_ = begin_;
  end_ = begin_ + options.capacity;
  tops_.reserve(initial_depth);
  if (debug::annotations_active) debug::poison(begin_, options.capacity);
}

StackAllocator::StackAllocator(std::span<std::byte> buffer, StackAllocatorOptions options)
    : begin_(buffer.data()),
      cursor_(buffer.data()),
      end_(buffer.data() + buffer.size()),
      upstream_(options.parent),
      owns_buffer_(false),
      strict_lifo_(options.strict_lifo),
      name_(options.name) {
  tops_.reserve(initial_depth);
  if (debug::annotations_active) debug::poison(begin_, buffer.size());
}

StackAllocator::~StackAllocator() {
  if (debug::annotations_active) debug::unpoison(begin_, capacity());
  if (owns_buffer_) upstream_.deallocate(begin_, capacity(), buffer_alignment);
}

void StackAllocator::throw_allocate_error(std::size_t size, std::size_t align) const {
  check_alignment(name_, align, max_alignment);
  throw out_of_memory(name_, size, align, capacity(),
                      "stack full: " + std::to_string(top()) + " bytes in use");
}

void StackAllocator::deallocate(void* p, std::size_t size, std::size_t /*align*/) {
  if (p == nullptr) return;
  const auto* b = static_cast<std::byte*>(p);
  const bool is_top = !tops_.empty() && owns(p) && static_cast<std::size_t>(cursor_ - b) == size;
  if (!is_top) {
#if FM_CHECKED
    if (!strict_lifo_ && owns(p)) return;
    if (!owns(p)) {
      throw bad_free("foreign pointer in stack '" + name_ + "': the block is not inside its " +
                     std::to_string(capacity()) + "-byte buffer");
    }
    throw bad_free("out-of-order free in stack '" + name_ + "': block at offset " +
                   std::to_string(b - begin_) + " (" + std::to_string(size) + " bytes) is not the top block; top is at offset " +
                   std::to_string(top()));
#else
    return;  // documented: ignored, the memory comes back with the next rewind or reset
#endif
  }
  ++deallocations_;
  lower_top(tops_.back(), requested_ - size, tops_.size() - 1);
}

std::string_view StackAllocator::stale_reason(const Marker& m) const noexcept {
  if (m.offset > top()) return "it is above the current top";
  // The oldest drop at or after the marker's time holds the lowest top seen since the marker was taken.
  const auto* first = std::lower_bound(drops_.begin(), drops_.begin() + drop_count_, m.serial,
                                       [](const Drop& d, std::uint64_t serial) { return d.time < serial; });
  if (first != drops_.begin() + drop_count_ && first->offset < m.offset) {
    return "the stack was unwound below it after it was taken";
  }
  return {};
}

bool StackAllocator::try_rewind(Marker m) noexcept {
  if (!stale_reason(m).empty()) return false;
  lower_top(m.offset, m.requested, m.depth);
  return true;
}

void StackAllocator::rewind(Marker m) {
  const std::string_view why = stale_reason(m);
  if (why.empty()) return lower_top(m.offset, m.requested, m.depth);
#if FM_CHECKED
  throw bad_free("rewind to a stale marker in stack '" + name_ + "': marker at offset " + std::to_string(m.offset) +
                 " is invalid because " + std::string(why) + " (top at offset " + std::to_string(top()) + ")");
#endif
}

bool StackAllocator::grow_tops() noexcept {
  try {
    tops_.reserve(tops_.capacity() * 2);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

void StackAllocator::lower_top(std::size_t offset, std::size_t requested, std::size_t depth) noexcept {
  high_water_ = high_water();
  tops_.resize(depth);
  if (debug::annotations_active) debug::poison(begin_ + offset, top() - offset);
  cursor_ = begin_ + offset;
  requested_ = requested;
  while (drop_count_ > 0 && drops_[drop_count_ - 1].offset >= offset) --drop_count_;
  if (drop_count_ == max_drops) {
    std::copy(drops_.begin() + 1, drops_.end(), drops_.begin());
    --drop_count_;
  }
  drops_[drop_count_++] = Drop{serial_, offset};
}

void StackAllocator::reset() noexcept { lower_top(0, 0, 0); }

ArenaStats StackAllocator::arena_stats() const noexcept {
  return ArenaStats{
      .bytes_used = top(),
      .padding = top() - requested_,
      .high_water = high_water(),
      .capacity = capacity(),
      .chunks = 1,
      .overflow_events = 0,
  };
}

AllocatorStats StackAllocator::stats() const noexcept {
  return AllocatorStats{
      .bytes_used = top(),
      .bytes_reserved = capacity(),
      .bytes_peak = high_water(),
      .allocations = allocations_,
      .deallocations = deallocations_,
      .overflow_events = 0,
  };
}

}  // namespace fm
