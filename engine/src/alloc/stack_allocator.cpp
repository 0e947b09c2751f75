// StackAllocator's slow paths: LIFO checks, stale-marker detection, errors, stats.
#include "fm/alloc/stack_allocator.hpp"

#include <new>
#include <utility>

#include "fm/core/move_assign.hpp"

namespace fm {
namespace {

constexpr std::size_t buffer_alignment = 64;
constexpr std::size_t initial_depth = 64;

}  // namespace

StackAllocator::StackAllocator(StackAllocatorOptions options)
    : upstream_(options.parent), owns_buffer_(true), strict_lifo_(options.strict_lifo), name_(options.name) {
  begin_ = static_cast<std::byte*>(upstream_.try_allocate(options.capacity, buffer_alignment));
  if (begin_ == nullptr) {
    raise(out_of_memory(name_, options.capacity, buffer_alignment, options.capacity,
                        "parent allocator could not provide the stack buffer"));
  }
  cursor_ = begin_;
  end_ = begin_ + options.capacity;
  blocks_.reserve(initial_depth);
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
  blocks_.reserve(initial_depth);
  if (debug::annotations_active) debug::poison(begin_, buffer.size());
}

StackAllocator::~StackAllocator() {
  if (debug::annotations_active) debug::unpoison(begin_, capacity());
  if (owns_buffer_) upstream_.deallocate(begin_, capacity(), buffer_alignment);
}

StackAllocator::StackAllocator(StackAllocator&& other) noexcept
    : begin_(std::exchange(other.begin_, nullptr)),
      cursor_(std::exchange(other.cursor_, nullptr)),
      end_(std::exchange(other.end_, nullptr)),
      requested_(std::exchange(other.requested_, 0)),
      high_water_(std::exchange(other.high_water_, 0)),
      serial_(std::exchange(other.serial_, 0)),
      allocations_(std::exchange(other.allocations_, 0)),
      deallocations_(std::exchange(other.deallocations_, 0)),
      blocks_(std::exchange(other.blocks_, {})),
      upstream_(other.upstream_),
      owns_buffer_(std::exchange(other.owns_buffer_, false)),
      strict_lifo_(other.strict_lifo_),
      name_(std::move(other.name_)) {}

StackAllocator& StackAllocator::operator=(StackAllocator&& other) noexcept {
  return detail::move_assign(*this, std::move(other));
}

void StackAllocator::throw_allocate_error(std::size_t size, std::size_t align) const {
  check_alignment(name_, align, fm::max_alignment);
  raise(out_of_memory(name_, size, align, capacity(),
                      "stack full: " + std::to_string(top()) + " bytes in use"));
}

void StackAllocator::deallocate(void* p, std::size_t size, std::size_t align) {
  if (p == nullptr) return;
  if (!is_top_block(p, size)) {
#if FM_CHECKED
    check_free(p, size, align);
#else
    (void)align;
#endif
    return;  // not strict (or unchecked): ignored, the memory comes back with the next rewind or reset
  }
  lower_top(end_of_first(blocks_.size() - 1), requested_ - size, blocks_.size() - 1);
}

void StackAllocator::check_free(const void* p, std::size_t size, std::size_t /*align*/) const {
  if (p == nullptr || is_top_block(p, size)) return;
  const auto* b = static_cast<const std::byte*>(p);
  if (!owns(p)) {
    raise(bad_free("foreign pointer in stack '" + name_ + "': the block is not inside its " +
                   std::to_string(capacity()) + "-byte buffer"));
  }
  if (!strict_lifo_) return;
  if (!blocks_.empty() && b == begin_ + blocks_.back().start) {
    raise(bad_free("size mismatch in stack '" + name_ + "': the top block at offset " +
                   std::to_string(blocks_.back().start) + " is " + std::to_string(blocks_.back().size) +
                   " bytes, freed as " + std::to_string(size)));
  }
  raise(bad_free("out-of-order free in stack '" + name_ + "': block at offset " + std::to_string(b - begin_) + " (" +
                 std::to_string(size) + " bytes) is not the top block; top is at offset " + std::to_string(top())));
}

std::string_view StackAllocator::stale_reason(const Marker& m) const noexcept {
  if (m.stack != this) return "it was taken on another stack";
  if (m.offset > top()) return "it is above the current top";
  // The block under the marker is the one it saw exactly when the stack never went below the marker.
  if (m.depth > blocks_.size() || (m.depth > 0 && blocks_[m.depth - 1].serial != m.serial) ||
      end_of_first(m.depth) != m.offset) {
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
  raise(bad_free("rewind to a stale marker in stack '" + name_ + "': marker at offset " + std::to_string(m.offset) +
                 " is invalid because " + std::string(why) + " (top at offset " + std::to_string(top()) + ")"));
#endif
}

bool StackAllocator::grow_blocks() noexcept {
  return detail::grew([&] { blocks_.reserve(blocks_.capacity() * 2); });
}

// Every block above `depth` is freed here, whether popped, rewound or reset, so stats() counts each of them as a
// deallocation and allocations - deallocations stays the number of live blocks.
void StackAllocator::lower_top(std::size_t offset, std::size_t requested, std::size_t depth) noexcept {
  high_water_ = high_water();
  deallocations_ += blocks_.size() - depth;
  blocks_.resize(depth);
  if (debug::annotations_active) debug::poison(begin_ + offset, top() - offset);
  cursor_ = begin_ + offset;
  requested_ = requested;
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
