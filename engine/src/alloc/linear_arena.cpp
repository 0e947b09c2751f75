// LinearArena's slow paths: chunk chaining on overflow, errors, reset and teardown.
#include "fm/alloc/linear_arena.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "fm/core/move_assign.hpp"

namespace fm {
namespace {

constexpr std::size_t chunk_alignment = 64;  // chunks and their data start on a cache line

}  // namespace

LinearArena::LinearArena(LinearArenaOptions options)
    : chunk_size_(options.capacity),
      upstream_(options.parent),
      policy_(options.overflow),
      owns_first_(true),
      name_(options.name) {
  auto* buffer = static_cast<std::byte*>(upstream_.try_allocate(options.capacity, chunk_alignment));
  if (buffer == nullptr) {
    raise(out_of_memory(name_, options.capacity, chunk_alignment, options.capacity,
                        "parent allocator could not provide the arena buffer"));
  }
  first_ = Chunk{nullptr, buffer, buffer + options.capacity};
  capacity_ = options.capacity;
  if (debug::annotations_active) debug::poison(buffer, options.capacity);
  enter(&first_);
}

LinearArena::LinearArena(std::span<std::byte> buffer, LinearArenaOptions options)
    : capacity_(buffer.size()),
      chunk_size_(buffer.empty() ? options.capacity : buffer.size()),
      upstream_(options.parent),
      policy_(options.overflow),
      owns_first_(false),
      name_(options.name) {
  first_ = Chunk{nullptr, buffer.data(), buffer.data() + buffer.size()};
  if (debug::annotations_active) debug::poison(buffer.data(), buffer.size());
  enter(&first_);
}

LinearArena::~LinearArena() {
  run_finalizers();
  for (Chunk* c = &first_; c != nullptr;) {
    Chunk* next = c->next;
    if (debug::annotations_active) debug::unpoison(c->begin, static_cast<std::size_t>(c->end - c->begin));
    if (c != &first_) {
      upstream_.deallocate(c, static_cast<std::size_t>(c->end - reinterpret_cast<std::byte*>(c)), chunk_alignment);
    } else if (owns_first_) {
      upstream_.deallocate(c->begin, static_cast<std::size_t>(c->end - c->begin), chunk_alignment);
    }
    c = next;
  }
}

LinearArena::LinearArena(LinearArena&& other) noexcept
    : cursor_(other.cursor_),
      end_(other.end_),
      current_(other.current_ == &other.first_ ? &first_ : other.current_),  // the first chunk's header is inside
      first_(other.first_),
      finalizers_(std::exchange(other.finalizers_, nullptr)),
      retired_(std::exchange(other.retired_, 0)),
      padding_(std::exchange(other.padding_, 0)),
      high_water_(std::exchange(other.high_water_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      chunk_size_(other.chunk_size_),
      chunks_(std::exchange(other.chunks_, 1)),
      allocations_(std::exchange(other.allocations_, 0)),
      deallocations_(std::exchange(other.deallocations_, 0)),
      overflow_events_(std::exchange(other.overflow_events_, 0)),
      upstream_(other.upstream_),
      policy_(other.policy_),
      owns_first_(std::exchange(other.owns_first_, false)),
      name_(std::move(other.name_)) {
  other.first_ = Chunk{};
  other.enter(&other.first_);
}

LinearArena& LinearArena::operator=(LinearArena&& other) noexcept {
  return detail::move_assign(*this, std::move(other));
}

void* LinearArena::allocate_slow(std::size_t size, std::size_t align) {
  check_alignment(name_, align, fm::max_alignment);
  if (next_chunk(size, align)) return bump(size, align);
  raise(out_of_memory(name_, size, align, capacity_,
                      policy_ == OverflowPolicy::fail ? "arena full, overflow policy is fail"
                                                      : "parent allocator refused a new chunk"));
}

void* LinearArena::try_allocate_slow(std::size_t size, std::size_t align) noexcept {
  if (!is_pow2(align) || align > fm::max_alignment || !next_chunk(size, align)) return nullptr;
  return bump(size, align);
}

bool LinearArena::next_chunk(std::size_t size, std::size_t align) noexcept {
  if (policy_ == OverflowPolicy::fail) return false;
  Chunk* next = current_->next;
  if (next == nullptr || bump_start(reinterpret_cast<std::uintptr_t>(next->begin),
                                    reinterpret_cast<std::uintptr_t>(next->end), size, align) == 0) {
    if (size > std::numeric_limits<std::size_t>::max() / 2) return false;
    const std::size_t data = std::max(chunk_size_, size + align);
    void* raw = upstream_.try_allocate(chunk_header + data, chunk_alignment);
    if (raw == nullptr) return false;
    auto* begin = static_cast<std::byte*>(raw) + chunk_header;
    next = ::new (raw) Chunk{current_->next, begin, begin + data};
    current_->next = next;
    capacity_ += data;
    ++chunks_;
    if (debug::annotations_active) debug::poison(begin, data);
  }
  ++overflow_events_;
  retired_ += static_cast<std::size_t>(cursor_ - current_->begin);
  enter(next);
  return true;
}

void LinearArena::enter(Chunk* chunk) noexcept {
  current_ = chunk;
  cursor_ = chunk->begin;
  end_ = chunk->end;
}

void LinearArena::restore(const Position& before, void* block, std::size_t size) noexcept {
  if (debug::annotations_active) debug::poison(block, size);
  enter(before.chunk);
  cursor_ = before.cursor;
  finalizers_ = before.finalizers;
  retired_ = before.retired;
  padding_ = before.padding;
  allocations_ = before.allocations;
  overflow_events_ = before.overflow_events;
}

void LinearArena::run_finalizers() noexcept {
  for (Finalizer* f = finalizers_; f != nullptr; f = f->previous) f->destroy(f->object);
  finalizers_ = nullptr;
}

void LinearArena::reset() noexcept {
  run_finalizers();
  high_water_ = high_water();
  if (debug::annotations_active) {
    for (Chunk* c = &first_; c != current_->next; c = c->next) {
      debug::poison(c->begin, static_cast<std::size_t>(c->end - c->begin));
    }
  }
  retired_ = 0;
  padding_ = 0;
  enter(&first_);
}

bool LinearArena::owns(const void* p) const noexcept {
  const auto* b = static_cast<const std::byte*>(p);
  for (const Chunk* c = &first_; c != nullptr; c = c->next) {
    if (b >= c->begin && b < c->end) return true;
  }
  return false;
}

ArenaStats LinearArena::arena_stats() const noexcept {
  return ArenaStats{
      .bytes_used = bytes_used(),
      .padding = padding_,
      .high_water = high_water(),
      .capacity = capacity_,
      .chunks = chunks_,
      .overflow_events = overflow_events_,
  };
}

AllocatorStats LinearArena::stats() const noexcept {
  return AllocatorStats{
      .bytes_used = bytes_used(),
      .bytes_reserved = capacity_,
      .bytes_peak = high_water(),
      .allocations = allocations_,
      .deallocations = deallocations_,
      .overflow_events = overflow_events_,
  };
}

}  // namespace fm
