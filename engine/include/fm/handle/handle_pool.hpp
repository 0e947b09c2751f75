// fm::HandlePool<T>: a slot map. Objects live in pages from an fm allocator; a handle reaches its object
// through a slot that records the slot's generation, so a handle to a destroyed object resolves to null.
// Destroy leaves a hole that the next create fills; compact() moves objects from the end into holes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"
#include "fm/debug/sanitizer.hpp"
#include "fm/handle/handle.hpp"
#include "fm/handle/page_table.hpp"

namespace fm {

// Plain counters for the overlay; reading them allocates nothing.
struct HandlePoolStats {
  std::size_t size = 0;            // live objects
  std::size_t capacity = 0;        // slots addressable before the slot table grows
  std::size_t slots_issued = 0;    // slots ever handed out (the index space in use)
  std::size_t free_slots = 0;      // slots waiting in the reuse queue
  std::size_t retired_slots = 0;   // slots whose generation ran out; never reissued
  std::size_t holes = 0;           // empty object cells below the last live one; compact() closes them
  std::size_t deferred = 0;        // destroys queued for flush()
  std::size_t bytes_reserved = 0;  // everything the pool holds from its allocator
  std::size_t pages = 0;
};

// What one compact() call did.
struct CompactResult {
  std::size_t objects_moved = 0;
  std::size_t bytes_moved = 0;
  std::size_t holes_left = 0;
};

// `MaxGeneration` is the last generation a slot may carry before it is retired (lowered in tests to reach
// wrap-around quickly).
template <class T, std::uint32_t MaxGeneration = std::numeric_limits<std::uint32_t>::max()>
class HandlePool {
  static_assert(MaxGeneration >= 1, "generation 0 is the null handle");

 public:
  using value_type = T;
  using handle_type = Handle<T>;

  // A freed slot is reissued only while more than this many wait, so each slot's generation advances
  // slowly and a stale handle stays detectable for a long time (as in the C++ slot map proposal).
  static constexpr std::size_t reuse_threshold = 64;
  static constexpr std::uint32_t max_generation = MaxGeneration;

  // Without an allocator the pool draws its pages from its own fm::NewAllocator.
  HandlePool() : HandlePool(AllocatorRef{}) {}
  explicit HandlePool(AllocatorRef alloc, std::string_view name = HandleLabel<T>::value())
      : alloc_(alloc ? alloc : AllocatorRef(own_heap_)),
        name_(name),
        slots_(alloc_),
        values_(alloc_),
        owners_(alloc_),
        holes_(alloc_),
        deferred_(alloc_) {}
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool() {
    each([](T& value) { std::destroy_at(&value); });
  }

  // Constructs a T from `args`; errors come from the allocator (out_of_memory naming it and the budget).
  template <class... Args>
  Handle<T> create(Args&&... args) {
    reserve_one(true);
    return emplace(std::forward<Args>(args)...);
  }
  // As create(), but a null handle when memory runs out.
  template <class... Args>
  Handle<T> try_create(Args&&... args) {
    if (!reserve_one(false)) return {};
    return emplace(std::forward<Args>(args)...);
  }

  // Destroys the object now; throws stale_handle (pool untouched) when `h` is not live.
  void destroy(Handle<T> h) {
    if (!try_destroy(h)) throw_stale(h);
  }
  bool try_destroy(Handle<T> h) noexcept {
    if (!contains(h)) return false;
    release(h.index());
    return true;
  }

  // Queues the destroy for flush() (end of frame): the object stays reachable until then.
  void destroy_deferred(Handle<T> h) {
    if (!contains(h)) throw_stale(h);
    deferred_.ensure(deferred_count_);
    deferred_[deferred_count_++] = h;
  }
  bool try_destroy_deferred(Handle<T> h) noexcept {
    if (!contains(h) || !deferred_.try_ensure(deferred_count_)) return false;
    deferred_[deferred_count_++] = h;
    return true;
  }
  // Applies queued destroys (a handle queued twice is destroyed once); returns how many died.
  std::size_t flush() noexcept {
    std::size_t destroyed = 0;
    for (std::size_t i = 0; i < deferred_count_; ++i) destroyed += try_destroy(deferred_[i]) ? 1 : 0;
    deferred_count_ = 0;
    return destroyed;
  }
  std::size_t end_frame() noexcept { return flush(); }

  // The object `h` refers to, or null when it was destroyed (or `h` is null or from elsewhere).
  [[nodiscard]] T* get(Handle<T> h) noexcept { return contains(h) ? values_.slot(slots_[h.index()].link) : nullptr; }
  [[nodiscard]] const T* get(Handle<T> h) const noexcept {
    return contains(h) ? values_.slot(slots_[h.index()].link) : nullptr;
  }

  // As get(), but throws stale_handle naming the handle and its slot's current generation.
  [[nodiscard]] T& at(Handle<T> h) {
    if (T* p = get(h)) return *p;
    throw_stale(h);
  }
  [[nodiscard]] const T& at(Handle<T> h) const {
    if (const T* p = get(h)) return *p;
    throw_stale(h);
  }

  [[nodiscard]] bool contains(Handle<T> h) const noexcept {
    return h.index() < slot_count_ && slots_[h.index()].generation == h.generation() && !h.is_null();
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::string_view name() const noexcept { return name_; }

  // Visits live objects in storage order: f(T&) or f(Handle<T>, T&). `f` may destroy objects (they are
  // skipped if not yet visited); objects created meanwhile may or may not be visited.
  template <class F>
  void each(F&& f) {
    visit(*this, f);
  }
  template <class F>
  void each(F&& f) const {
    visit(*this, f);
  }

  // Moves objects from the end of storage into holes until none is left or the next move would pass
  // `max_bytes`, so a game can spread the work over frames. Live handles stay valid; pointers from get()
  // to moved objects do not.
  CompactResult compact(std::size_t max_bytes = std::numeric_limits<std::size_t>::max()) noexcept {
    static_assert(std::is_nothrow_move_constructible_v<T>, "compact() relocates objects");
    CompactResult result;
    while (hole_count_ > 0 && max_bytes - result.bytes_moved >= sizeof(T)) {
      move_last_into(holes_[--hole_count_]);
      ++result.objects_moved;
      result.bytes_moved += sizeof(T);
    }
    result.holes_left = hole_count_;
    return result;
  }

  // Gives object pages past the last live object back to the allocator (the slot table never shrinks:
  // its indices are in handles).
  void shrink_to_fit() noexcept {
    const std::size_t keep = (end_ + values_.per_page - 1) / values_.per_page;
    values_.release_from(keep);
    owners_.release_from((end_ + owners_.per_page - 1) / owners_.per_page);
    holes_.release_from((end_ + holes_.per_page - 1) / holes_.per_page);
    if (deferred_count_ == 0) deferred_.release_from(0);
  }

  [[nodiscard]] HandlePoolStats stats() const noexcept {
    HandlePoolStats s;
    s.size = size_;
    s.capacity = slots_.capacity();
    s.slots_issued = slot_count_;
    s.free_slots = free_count_;
    s.retired_slots = retired_count_;
    s.holes = hole_count_;
    s.deferred = deferred_count_;
    s.bytes_reserved = slots_.bytes_reserved() + values_.bytes_reserved() + owners_.bytes_reserved() +
                       holes_.bytes_reserved() + deferred_.bytes_reserved();
    s.pages = slots_.pages() + values_.pages() + owners_.pages() + holes_.pages() + deferred_.pages();
    return s;
  }

 private:
  // A live slot links to its object's position; a free slot links to the next free slot (FIFO queue).
  struct Slot {
    std::uint32_t generation;
    std::uint32_t link;
  };
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
  // owners_[pos] is the slot index of a live object, or hole_bit | its index in holes_ for a hole.
  static constexpr std::uint32_t hole_bit = 1U << 31;
  static constexpr std::size_t max_slots = hole_bit;

  bool reuses_slot() const noexcept { return free_count_ > reuse_threshold; }

  // Makes sure one more object fits without allocating in emplace(). Returns false only when !throwing.
  bool reserve_one(bool throwing) {
    if (!reuses_slot()) {
      if (slot_count_ == max_slots) {
        if (!throwing) return false;
        throw out_of_memory(name_, sizeof(T), alignof(T), max_slots, "slot index space exhausted");
      }
      if (!make_room(slots_, slot_count_, throwing)) return false;
    }
    if (hole_count_ == 0) {
      // holes_ grows with end_ so that destroy (noexcept) never allocates to record a hole.
      if (!make_room(values_, end_, throwing) || !make_room(owners_, end_, throwing) ||
          !make_room(holes_, end_, throwing))
        return false;
    }
    return true;
  }

  template <class Table>
  static bool make_room(Table& table, std::size_t i, bool throwing) {
    if (!throwing) return table.try_ensure(i);
    table.ensure(i);
    return true;
  }

  template <class... Args>
  Handle<T> emplace(Args&&... args) {
    const std::uint32_t pos = hole_count_ > 0 ? holes_[hole_count_ - 1] : static_cast<std::uint32_t>(end_);
    T* p = values_.slot(pos);
    debug::unpoison(p, sizeof(T));
    try {
      std::construct_at(p, std::forward<Args>(args)...);
    } catch (...) {
      debug::poison(p, sizeof(T));
      throw;
    }
    if (hole_count_ > 0) {
      --hole_count_;
    } else {
      ++end_;
    }
    const std::uint32_t index = take_slot();
    slots_[index].link = pos;
    owners_[pos] = index;
    ++size_;
    return {index, slots_[index].generation};
  }

  std::uint32_t take_slot() noexcept {
    if (reuses_slot()) {
      const std::uint32_t index = free_head_;
      free_head_ = slots_[index].link;
      if (--free_count_ == 0) free_tail_ = none;
      return index;
    }
    const auto index = static_cast<std::uint32_t>(slot_count_++);
    slots_[index] = Slot{1, none};
    return index;
  }

  void release(std::uint32_t index) noexcept {
    const std::uint32_t pos = slots_[index].link;
    T* p = values_.slot(pos);
    std::destroy_at(p);
    debug::poison(p, sizeof(T));
    free_position(pos);
    recycle_slot(index);
    --size_;
  }

  // The slot's generation moves on so old handles stop matching; at the last generation it retires.
  void recycle_slot(std::uint32_t index) noexcept {
    Slot& slot = slots_[index];
    if (slot.generation == MaxGeneration) {
      slot = Slot{0, none};
      ++retired_count_;
      return;
    }
    slot = Slot{slot.generation + 1, none};
    if (free_tail_ == none) {
      free_head_ = index;
    } else {
      slots_[free_tail_].link = index;
    }
    free_tail_ = index;
    ++free_count_;
  }

  void free_position(std::uint32_t pos) noexcept {
    if (pos + 1 == end_) {
      --end_;
      trim_tail();
    } else {
      holes_[hole_count_] = pos;
      owners_[pos] = hole_bit | static_cast<std::uint32_t>(hole_count_);
      ++hole_count_;
    }
  }

  // Keeps the invariant "the last stored object is live": trailing holes leave the hole list.
  void trim_tail() noexcept {
    while (end_ > 0 && (owners_[end_ - 1] & hole_bit) != 0) {
      remove_hole(owners_[end_ - 1] & ~hole_bit);
      --end_;
    }
  }

  void remove_hole(std::uint32_t hole_index) noexcept {
    const std::uint32_t last = holes_[--hole_count_];
    holes_[hole_index] = last;
    owners_[last] = hole_bit | hole_index;
  }

  // Relocates the last stored object into the hole at `pos` (which lies below it) and repoints its slot.
  void move_last_into(std::uint32_t pos) noexcept {
    const auto from = static_cast<std::uint32_t>(end_ - 1);
    T* src = values_.slot(from);
    T* dst = values_.slot(pos);
    debug::unpoison(dst, sizeof(T));
    std::construct_at(dst, std::move(*src));
    std::destroy_at(src);
    debug::poison(src, sizeof(T));
    const std::uint32_t index = owners_[from];
    owners_[pos] = index;
    slots_[index].link = pos;
    --end_;
    trim_tail();
  }

  template <class Self, class F>
  static void visit(Self& self, F& f) {
    for (std::size_t pos = 0; pos < self.end_; ++pos) {
      const std::uint32_t owner = self.owners_[pos];
      if ((owner & hole_bit) != 0) continue;
      auto& value = *self.values_.slot(pos);
      if constexpr (std::is_invocable_v<F&, Handle<T>, decltype(value)>) {
        f(Handle<T>{owner, self.slots_[owner].generation}, value);
      } else {
        f(value);
      }
    }
  }

  [[noreturn]] void throw_stale(Handle<T> h) const {
    const std::uint32_t current = h.index() < slot_count_ ? slots_[h.index()].generation : 0;
    throw stale_handle(name_, to_string(h), current);
  }

  NewAllocator own_heap_;
  AllocatorRef alloc_;
  std::string name_;
  PageTable<Slot> slots_;
  PageTable<T> values_;
  PageTable<std::uint32_t> owners_;
  PageTable<std::uint32_t> holes_;  // positions of holes, as a stack
  PageTable<Handle<T>> deferred_;
  std::size_t size_ = 0;
  std::size_t slot_count_ = 0;
  std::size_t end_ = 0;  // one past the last stored object
  std::size_t hole_count_ = 0;
  std::size_t free_count_ = 0;
  std::size_t retired_count_ = 0;
  std::size_t deferred_count_ = 0;
  std::uint32_t free_head_ = none;
  std::uint32_t free_tail_ = none;
};

}  // namespace fm
