// fm::HandlePool<T>: a slot map. Objects live in cells in pages from an fm allocator; a handle's slot
// records its generation, so a handle to a destroyed object resolves to null, and every handle carries its
// pool's tag, so a handle of another pool resolves to null too. An object normally lives in the cell of its
// own slot index, tagged with its handle, so resolving reads one cache line; compact() may move it away,
// behind a link in its slot.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"
#include "fm/core/move_assign.hpp"
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

namespace detail {
// Asks the CPU to bring the line at `p` into the cache for writing; a hint only, never a fault.
inline void prefetch_for_write(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 1);
#else
  (void)p;
#endif
}

// HandlePool<T> instances made so far; each pool's tag is 1 + (this count % 255), so two pools of the same T
// have different tags unless 255 pools of T were made in between (tag 0 is left to handles made by hand).
template <class T>
inline std::atomic<std::uint32_t> handle_pools_made{0};
}  // namespace detail

// What one compact() call did.
struct CompactResult {
  std::size_t objects_moved = 0;
  std::size_t bytes_moved = 0;
  std::size_t holes_left = 0;
};

// `MaxGeneration` is the last generation a slot may carry before it is retired (lowered in tests to reach
// wrap-around quickly).
template <class T, std::uint32_t MaxGeneration = Handle<T>::max_generation>
class HandlePool {
  static_assert(MaxGeneration >= 1, "generation 0 is the null handle");
  static_assert(MaxGeneration <= Handle<T>::max_generation, "a handle holds 24 bits of generation");

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
        tag_(static_cast<std::uint8_t>(1 + detail::handle_pools_made<T>.fetch_add(1, std::memory_order_relaxed) % 255)),
        slots_(alloc_),
        cells_(alloc_),
        holes_(alloc_),
        reuse_(alloc_),
        deferred_(alloc_) {}
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  // Moving hands the objects over without touching them (they stay at their addresses, and handles issued
  // before the move resolve in the moved pool, which keeps the pool tag); a pool on its own heap takes the
  // heap's counters along. The moved-from pool is empty (size 0, every handle stale) and may be used again.
  // Assigning over a pool destroys its objects and gives its pages back first.
  HandlePool(HandlePool&& other) noexcept
      : own_heap_(std::exchange(other.own_heap_, {})),
        alloc_(moved_allocator(other.alloc_, other.own_heap_, own_heap_)),
        name_(std::move(other.name_)),
        tag_(other.tag_),
        slots_(std::move(other.slots_), alloc_),
        cells_(std::move(other.cells_), alloc_),
        holes_(std::move(other.holes_), alloc_),
        reuse_(std::move(other.reuse_), alloc_),
        deferred_(std::move(other.deferred_), alloc_),
        size_(std::exchange(other.size_, 0)),
        slot_count_(std::exchange(other.slot_count_, 0)),
        end_(std::exchange(other.end_, 0)),
        hole_count_(std::exchange(other.hole_count_, 0)),
        free_count_(std::exchange(other.free_count_, 0)),
        retired_count_(std::exchange(other.retired_count_, 0)),
        deferred_count_(std::exchange(other.deferred_count_, 0)),
        reuse_capacity_(std::exchange(other.reuse_capacity_, 0)),
        reuse_head_(std::exchange(other.reuse_head_, 0)) {}
  HandlePool& operator=(HandlePool&& other) noexcept { return detail::move_assign(*this, std::move(other)); }
  ~HandlePool() {
    each([](T& value) { std::destroy_at(&value); });
  }

  // Constructs a T from `args`; errors come from the allocator (out_of_memory naming it and the budget).
  template <class... Args>
  Handle<T> create(Args&&... args) {
    if (!has_room_for_one()) [[unlikely]] reserve_one(true);
    return emplace(std::forward<Args>(args)...);
  }
  // As create(), but a null handle when memory runs out.
  template <class... Args>
  Handle<T> try_create(Args&&... args) {
    if (!has_room_for_one() && !reserve_one(false)) [[unlikely]] return {};
    return emplace(std::forward<Args>(args)...);
  }

  // Destroys the object now; throws stale_handle (pool untouched) when `h` is not live.
  void destroy(Handle<T> h) {
    if (!try_destroy(h)) throw_stale(h);
  }
  bool try_destroy(Handle<T> h) noexcept {
    const std::uint32_t pos = live_position(h);
    if (pos == none) return false;
    release(h, pos);
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

  // The object `h` refers to, or null when it was destroyed, `h` is null, or another pool issued it.
  [[nodiscard]] T* get(Handle<T> h) noexcept { return find(h); }
  [[nodiscard]] const T* get(Handle<T> h) const noexcept { return find(h); }

  // As get(), but throws stale_handle naming the handle, this pool, and its slot's current generation (or
  // that another pool issued it).
  [[nodiscard]] T& at(Handle<T> h) {
    if (T* p = get(h)) return *p;
    throw_stale(h);
  }
  [[nodiscard]] const T& at(Handle<T> h) const {
    if (const T* p = get(h)) return *p;
    throw_stale(h);
  }

  [[nodiscard]] bool contains(Handle<T> h) const noexcept { return live_position(h) != none; }
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
      move_last_down();
      ++result.objects_moved;
      result.bytes_moved += sizeof(T);
    }
    result.holes_left = hole_count_;
    return result;
  }

  // Gives object pages past the last live object back to the allocator (the slot table never shrinks:
  // its indices are in handles).
  void shrink_to_fit() noexcept {
    cells_.release_from((end_ + cells_.per_page - 1) / cells_.per_page);
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
    s.bytes_reserved = slots_.bytes_reserved() + cells_.bytes_reserved() + holes_.bytes_reserved() +
                       reuse_.bytes_reserved() + deferred_.bytes_reserved();
    s.pages = slots_.pages() + cells_.pages() + holes_.pages() + reuse_.pages() + deferred_.pages();
    return s;
  }

 private:
  // A slot keeps the generation of the last handle issued for it, and links to its object's cell when
  // compaction moved the object away from the slot's own cell (else `at_home`). The slot is live while that
  // cell, below end_, carries the handle: destroy marks the cell and leaves the slot alone (one cache line,
  // not two), and the generation moves on when the slot is issued again.
  struct Slot {
    std::uint32_t generation;
    std::uint32_t link;
  };
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint32_t at_home = none;
  // A cell's tag is the handle bits of the object in it (generation, slot index), or, for a hole,
  // hole_bit | its index in holes_. A slot index never has hole_bit, so the two never meet. A cell at or past
  // end_ that held an object is `vacant`: marked empty, in no list, so each() may read it as a hole.
  static constexpr std::uint32_t hole_bit = 1U << 31;
  static constexpr std::uint64_t vacant = hole_bit;
  static constexpr std::size_t max_slots = hole_bit;
  struct Cell {
    std::uint64_t tag;
    alignas(T) std::byte storage[sizeof(T)];
    [[nodiscard]] T* value() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
    [[nodiscard]] bool is_hole() const noexcept { return (tag & hole_bit) != 0; }
    [[nodiscard]] std::uint32_t owner() const noexcept { return static_cast<std::uint32_t>(tag); }
  };

  // Fast path: the object sits in its home cell, whose tag is the handle itself, pool tag included (one
  // cache line, no dependent load). Anything else -- moved by compact(), stale, foreign -- goes out of line.
  // A null, hand-made or foreign handle never equals a tag: live tags carry this pool's tag and a generation.
  bool lives_at_home(Handle<T> h) const noexcept { return h.index() < end_ && cells_[h.index()].tag == h.bits(); }
  T* find(Handle<T> h) const noexcept {
    if (lives_at_home(h)) [[likely]]
      return cells_[h.index()].value();
    return find_away(h);
  }
  [[gnu::noinline]] T* find_away(Handle<T> h) const noexcept {
    const std::uint32_t pos = live_position_away(h);
    return pos == none ? nullptr : cells_[pos].value();
  }
  // The cell of `h`'s object, or `none` when `h` is not live here.
  std::uint32_t live_position(Handle<T> h) const noexcept {
    return lives_at_home(h) ? h.index() : live_position_away(h);
  }
  [[gnu::noinline]] std::uint32_t live_position_away(Handle<T> h) const noexcept {
    if (h.index() >= slot_count_) return none;
    const std::uint32_t link = slots_[h.index()].link;
    return link != at_home && link < end_ && cells_[link].tag == h.bits() ? link : none;
  }
  // What a handle of slot `index` is checked against: the live object's generation, else the one the slot
  // will be issued at next (0: never issued, or retired).
  std::uint32_t current_generation(std::uint32_t index) const noexcept {
    if (index >= slot_count_) return 0;
    const std::uint32_t generation = slots_[index].generation;
    if (live_position(Handle<T>(index, generation, tag_)) != none) return generation;
    return generation == MaxGeneration ? 0 : generation + 1;
  }
  void place(std::uint32_t index, std::uint32_t pos) noexcept {
    slots_[index].link = pos == index ? at_home : pos;
    cells_[pos].tag = Handle<T>(index, slots_[index].generation, tag_).bits();
  }

  bool reuses_slot() const noexcept { return free_count_ > reuse_threshold; }
  std::uint32_t next_index() const noexcept {
    return reuses_slot() ? queued(0) : static_cast<std::uint32_t>(slot_count_);
  }
  // The k-th oldest freed slot in the reuse queue (k < free_count_).
  std::uint32_t queued(std::size_t k) const noexcept { return reuse_[(reuse_head_ + k) & (reuse_capacity_ - 1)]; }
  // Where a new object for slot `index` goes without making a hole: its home cell when that is a hole or the
  // next cell of storage, else the newest hole, else the end of storage (away from home, behind a link). A home
  // past the end is never used, so storage stays dense after compact() whatever slot the object gets.
  std::uint32_t position_for(std::uint32_t index) const noexcept {
    if (index == end_ || (index < end_ && cells_[index].is_hole())) return index;
    return hole_count_ > 0 ? holes_[hole_count_ - 1] : static_cast<std::uint32_t>(end_);
  }

  // Whether emplace() can run without allocating: a slot to reuse or room for a new one (in the slot table and
  // the reuse ring), and room for a cell at end_ (and its entry in holes_).
  bool has_room_for_one() const noexcept {
    const bool slot_ready =
        reuses_slot() || (slot_count_ < slots_.capacity() && slot_count_ < reuse_capacity_ && slot_count_ < max_slots);
    return slot_ready && end_ < cells_.capacity() && end_ < holes_.capacity();
  }

  // Slow path of create: makes sure one more object fits without allocating in emplace(). Returns false only
  // when !throwing. All or nothing: when one table cannot grow, the pages the others took for this create go back.
  [[gnu::noinline]] bool reserve_one(bool throwing) {
    const std::size_t slot_pages = slots_.pages();
    const std::size_t cell_pages = cells_.pages();
    const std::size_t reuse_pages = reuse_.pages();
    const auto give_back = [&] {
      slots_.release_from(slot_pages);
      cells_.release_from(cell_pages);
      reuse_.release_from(reuse_pages);
    };
    if (detail::on_error([&] { return grow_for_one(throwing); }, give_back)) return true;
    give_back();
    return false;
  }

  bool grow_for_one(bool throwing) {
    const bool new_slot = !reuses_slot();
    if (new_slot) {
      if (slot_count_ == max_slots) {
        if (!throwing) return false;
        raise(out_of_memory(name_, sizeof(T), alignof(T), max_slots, "slot index space exhausted"));
      }
      if (!make_room(slots_, slot_count_, throwing)) return false;
    }
    // The new object goes at or below end_ (position_for). holes_ grows with the cells so that destroy
    // (noexcept) never allocates to record a hole. The reuse ring comes last: once it grew, nothing may fail.
    return make_room(cells_, end_, throwing) && make_room(holes_, end_, throwing) &&
           (!new_slot || make_reuse_room(throwing));
  }

  // Every issued slot may come to wait in the reuse queue, so its ring holds slot_count_ + 1 indices before
  // a new slot is issued (destroy, noexcept, then never allocates). It doubles, so the ring is a power of two.
  bool make_reuse_room(bool throwing) {
    if (slot_count_ < reuse_capacity_) return true;
    const std::size_t grown = std::max<std::size_t>(2 * reuse_capacity_, PageTable<std::uint32_t>::per_page);
    if (!make_room(reuse_, grown - 1, throwing)) return false;
    // Unwrap: the indices that wrapped past the old end go right after it, where the larger ring expects them.
    const std::size_t wrapped = reuse_head_ + free_count_ > reuse_capacity_ ? reuse_head_ + free_count_ - reuse_capacity_ : 0;
    for (std::size_t i = 0; i < wrapped; ++i) reuse_[reuse_capacity_ + i] = reuse_[i];
    reuse_capacity_ = grown;
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
    const std::uint32_t index = next_index();
    const std::uint32_t pos = position_for(index);
    T* p = cells_[pos].value();
    if (debug::annotations_active) debug::unpoison(p, sizeof(T));
    detail::on_error([&] { std::construct_at(p, std::forward<Args>(args)...); },
                     [&] { if (debug::annotations_active) debug::poison(p, sizeof(T)); });
    claim_cell(pos);
    take_slot(index);
    place(index, pos);
    ++size_;
    return {index, slots_[index].generation, tag_};
  }

  // Takes `pos` out of the holes, or extends storage by it (position_for never skips a cell).
  void claim_cell(std::uint32_t pos) noexcept {
    if (pos < end_) {
      remove_hole(cells_[pos].owner() & ~hole_bit);
      return;
    }
    ++end_;
  }

  // Takes next_index() out of the reuse queue at its next generation, or issues a new slot.
  void take_slot(std::uint32_t index) noexcept {
    if (reuses_slot()) {
      ++slots_[index].generation;
      reuse_head_ = (reuse_head_ + 1) & (reuse_capacity_ - 1);
      --free_count_;
      prefetch_reuse_ahead();
      return;
    }
    slots_[slot_count_++] = Slot{1, at_home};
  }

  // The queue hands out slots in the order they were freed, which is random in the index space: a create
  // reads its slot and home cell, so those of the create `reuse_lookahead` later are fetched now, and
  // their misses overlap instead of coming one after the other.
  static constexpr std::size_t reuse_lookahead = 8;
  void prefetch_reuse_ahead() const noexcept {
    if (free_count_ <= reuse_lookahead) return;
    const std::uint32_t index = queued(reuse_lookahead);
    detail::prefetch_for_write(slots_.slot(index));
    if (index < end_) detail::prefetch_for_write(cells_.slot(index));
  }

  // `h` lives at `pos`. Only that cell is touched: its new tag makes `h` stale, and the slot, which keeps h's
  // generation until it is issued again, is queued for reuse (or retired at the last generation).
  void release(Handle<T> h, std::uint32_t pos) noexcept {
    T* p = cells_[pos].value();
    std::destroy_at(p);
    if (debug::annotations_active) debug::poison(p, sizeof(T));
    free_position(pos);
    recycle_slot(h);
    --size_;
  }

  void recycle_slot(Handle<T> h) noexcept {
    if (h.generation() == MaxGeneration) {
      ++retired_count_;
      return;
    }
    reuse_[(reuse_head_ + free_count_) & (reuse_capacity_ - 1)] = h.index();
    ++free_count_;
  }

  void free_position(std::uint32_t pos) noexcept {
    if (pos + 1 == end_) {
      cells_[pos].tag = vacant;
      --end_;
      trim_tail();
    } else {
      push_hole(pos);
    }
  }

  void push_hole(std::uint32_t pos) noexcept {
    holes_[hole_count_] = pos;
    cells_[pos].tag = hole_bit | hole_count_;
    ++hole_count_;
  }

  // Keeps the invariant "the last stored object is live": trailing holes leave the hole list.
  void trim_tail() noexcept {
    while (end_ > 0 && cells_[end_ - 1].is_hole()) {
      remove_hole(cells_[end_ - 1].owner() & ~hole_bit);
      --end_;
    }
  }

  void remove_hole(std::uint32_t hole_index) noexcept {
    const std::uint32_t last = holes_[--hole_count_];
    holes_[hole_index] = last;
    cells_[last].tag = hole_bit | hole_index;
  }

  // Relocates the last stored object into a hole below it -- its home cell when that is free, so it
  // resolves without a link again -- and repoints its slot.
  void move_last_down() noexcept {
    const auto from = static_cast<std::uint32_t>(end_ - 1);
    const std::uint32_t index = cells_[from].owner();
    const std::uint32_t pos = index < from && cells_[index].is_hole() ? index : holes_[hole_count_ - 1];
    remove_hole(cells_[pos].owner() & ~hole_bit);
    T* src = cells_[from].value();
    T* dst = cells_[pos].value();
    if (debug::annotations_active) debug::unpoison(dst, sizeof(T));
    std::construct_at(dst, std::move(*src));
    std::destroy_at(src);
    if (debug::annotations_active) debug::poison(src, sizeof(T));
    place(index, pos);
    --end_;
    trim_tail();
  }

  // Page by page, so the inner loop walks cells by pointer like a plain array. Each page's bound is taken
  // from end_ once: when `f` destroys an object, even the last one, its cell is marked empty, so cells that
  // fall past end_ meanwhile read as holes.
  template <class Self, class F>
  static void visit(Self& self, F& f) {
    using Value = std::conditional_t<std::is_const_v<Self>, const T, T>;
    constexpr std::size_t per_page = PageTable<Cell>::per_page;
    for (std::size_t first = 0; first < self.end_; first += per_page) {
      Cell* cell = self.cells_.slot(first);
      Cell* const page_end = cell + std::min(per_page, self.end_ - first);
      for (; cell != page_end; ++cell) {
        if (cell->is_hole()) continue;
        Value& value = *cell->value();
        if constexpr (std::is_invocable_v<F&, Handle<T>, Value&>) {
          f(Handle<T>::from_bits(cell->tag), value);
        } else {
          f(value);
        }
      }
    }
  }

  [[noreturn]] void throw_stale(Handle<T> h) const {
    const std::uint32_t current = current_generation(h.index());
    // A hand-made handle (tag 0) is reported by its generation, unless that matches and only the tag differs.
    if (!h.is_null() && h.pool() != tag_ && (h.pool() != 0 || current == h.generation())) {
      raise(stale_handle(name_, to_string(h), current,
                         h.pool() == 0 ? std::string("no pool issued it (it carries no pool tag)")
                                       : "issued by another pool (pool tag " + std::to_string(h.pool()) +
                                             ", this pool's is " + std::to_string(tag_) + ")"));
    }
    raise(stale_handle(name_, to_string(h), current));
  }

  NewAllocator own_heap_;
  AllocatorRef alloc_;
  std::string name_;
  std::uint8_t tag_;  // in every handle this pool issues
  PageTable<Slot> slots_;
  PageTable<Cell> cells_;
  PageTable<std::uint32_t> holes_;  // positions of holes, as a stack
  PageTable<std::uint32_t> reuse_;  // freed slot indices, oldest first: a ring of reuse_capacity_ from reuse_head_
  PageTable<Handle<T>> deferred_;
  std::size_t size_ = 0;
  std::size_t slot_count_ = 0;
  std::size_t end_ = 0;  // one past the last stored object
  std::size_t hole_count_ = 0;
  std::size_t free_count_ = 0;
  std::size_t retired_count_ = 0;
  std::size_t deferred_count_ = 0;
  std::size_t reuse_capacity_ = 0;  // a power of two, or 0 before the first slot
  std::size_t reuse_head_ = 0;
};

}  // namespace fm
