// Per-thread caches of fm::Heap and the process hooks around them: the heap registry (one TLS slot per
// heap), the thread key whose exit callback returns an exiting thread's caches, and fork handlers that hold
// every heap lock across fork() so the child never inherits a half-updated list, and that give the child's
// heaps back the caches of threads the child does not have.
#include <new>

#include "fm/core/align.hpp"
#include "heap_state.hpp"

namespace fm::heap {

constinit ThreadCache no_cache;
constinit thread_local ThreadSlots tl_slots __attribute__((tls_model("initial-exec"))) = fresh_thread_slots();

namespace {

struct Registry {
  Lock lock;
  HeapState* heaps[Heap::max_heaps] = {};
  bool key_created = false;
  os::ThreadKey key{};
};
constinit Registry registry;
constinit std::atomic<bool> atfork_registered{false};

inline constexpr std::size_t cache_bytes = align_up(sizeof(ThreadCache), os_page);
inline constexpr std::size_t state_bytes = align_up(sizeof(HeapState), os_page);
inline constexpr std::size_t slots_bytes = align_up(sizeof(ThreadSlots), os_page);

void retire_counters(ClassCounters& into, const ThreadCache& tc, std::uint32_t c) noexcept {
  into.allocations.add(tc.bins[c].allocations.get());
  into.requested_extra.add(tc.requested_extra[c].get());
}

void link_cache(ThreadCache*& list, ThreadCache& tc) noexcept {
  tc.prev = nullptr;
  tc.next = list;
  if (list) list->prev = &tc;
  list = &tc;
}

void unlink_cache(ThreadCache*& list, ThreadCache& tc) noexcept {
  (tc.prev ? tc.prev->next : list) = tc.next;
  if (tc.next) tc.next->prev = tc.prev;
}

// Under h.lock.
void set_owner_live(HeapState& h, SliceEntry owner_bits, bool live) noexcept {
  const SliceEntry id = owner_bits >> owner_shift;
  const std::uint64_t bit = std::uint64_t{1} << (id % 64);
  std::atomic<std::uint64_t>& word = h.live_owners[id / 64];
  const std::uint64_t bits = word.load(std::memory_order_relaxed);
  word.store(live ? bits | bit : bits & ~bit, std::memory_order_relaxed);
}

// Gives every cached block back and parks the cache (its counters folded into the heap's) for reuse. The
// caller clears the owner's slot: a parked cache keeps no pointer into a thread's TLS, which dies with it.
void retire_cache(ThreadCache& tc) noexcept {
  HeapState& h = *tc.heap;
  thread_cache_collect(tc);
  Guard guard(h.lock);
  set_owner_live(h, tc.owner_bits, false);
  for (std::uint32_t c = 0; c < class_count; ++c) retire_counters(h.retired[c], tc, c);
  unlink_cache(h.caches, tc);
  link_cache(h.spare_caches, tc);
  tc.owner_slot = nullptr;
}

// Under the registry lock, so a ~Heap running at the same time either finds this thread's cache already
// retired or has detached it (cleared the slot) before this thread looks. `value` is the thread's slots.
void on_thread_exit(void* value) noexcept {
  auto& slots = *static_cast<ThreadSlots*>(value);
  {
    Guard guard(registry.lock);
    slots.exiting = true;
    for (ThreadCache*& tc : slots.caches) {
      if (tc == &no_cache) continue;
      retire_cache(*tc);
      tc = &no_cache;
    }
  }
  if constexpr (!os::thread_locals_outlive_exit_callbacks) {
    // Slots in OS memory go back with the thread; a heap call from exit code that runs even later would
    // find none and start fresh ones.
    os::set_thread_value(registry.key, nullptr);
    unmap(&slots, slots_bytes);
  }
}

void for_each_lock(bool acquire) noexcept {
  for (HeapState* h : registry.heaps) {
    if (h == nullptr) continue;
    if (acquire) h->lock.lock();
    for (Central& cl : h->central) acquire ? cl.lock.lock() : cl.lock.unlock();
    lock_pages_for_fork(*h, acquire);
    if (!acquire) h->lock.unlock();
  }
}

void before_fork() noexcept {
  registry.lock.lock();
  for_each_lock(true);
}

void after_fork_in_parent() noexcept {
  for_each_lock(false);
  registry.lock.unlock();
}

// Another thread's cache, copied into the child of a fork, may have been caught between the stores of a
// push or a pop (no lock guards a cache). Trust the list over the count, so retiring it never walks past
// the end; a block caught half-way is lost to the child, never handed out twice.
void trim_to_list(const Block* head, std::uint32_t& count) noexcept {
  std::uint32_t n = 0;
  for (const Block* b = head; b != nullptr && n < count; b = next_of(b)) ++n;
  count = n;
}
void trim_to_list(ThreadCache& tc) noexcept {
  for (Bin& bin : tc.bins) trim_to_list(bin.head, bin.count);
  for (RemoteFrees& r : tc.remote) trim_to_list(r.head, r.count);
}

// Only the forking thread exists in the child: every other thread's cache gives its blocks back and is
// parked, as if those threads had exited.
void after_fork_in_child() noexcept {
  for_each_lock(false);
  for (HeapState* h : registry.heaps) {
    if (h == nullptr) continue;
    const ThreadCache* mine = current_cache(h->slot);
    for (ThreadCache* tc = h->caches; tc != nullptr;) {
      ThreadCache* next = tc->next;
      if (tc != mine) {
        trim_to_list(*tc);
        retire_cache(*tc);
      }
      tc = next;
    }
  }
  registry.lock.unlock();
}

// pthread_atfork may allocate; calling it outside every heap lock makes that recursion harmless.
void register_atfork_once() noexcept {
  if (!atfork_registered.exchange(true, std::memory_order_acq_rel)) {
    os::at_fork(before_fork, after_fork_in_parent, after_fork_in_child);
  }
}

// The calling thread's slots: its thread_local, or where that dies too early, slots in OS memory made on
// first use and handed to the thread key at once (null only when no memory is left).
[[nodiscard]] ThreadSlots* own_thread_slots() noexcept {
  if constexpr (os::thread_locals_outlive_exit_callbacks) {
    return &tl_slots;
  } else {
    if (ThreadSlots* slots = keyed_thread_slots()) return slots;
    void* mem = map_aligned(slots_bytes, os_page);
    if (mem == nullptr) return nullptr;
    auto* slots = new (mem) ThreadSlots(fresh_thread_slots());
    slots->key_installed = true;
    os::set_thread_value(registry.key, slots);
    return slots;
  }
}

// Gives `tc` the next id no live cache has and marks it live. Under h.lock. Ids repeat after 12870 caches;
// with (unthinkably) every one of them live, two caches share one, which only lets their frees of each
// other's blocks stay local.
void take_cache_id(HeapState& h, ThreadCache& tc) noexcept {
  CacheId id = next_cache_id(h.last_cache_id);
  for (CacheId first = id; owner_live(h, owner_bits_of(id));) {
    id = next_cache_id(id);
    if (id == first) break;
  }
  h.last_cache_id = id;
  tc.owner_bits = owner_bits_of(id);
  tc.entry_mask = ~tc.owner_bits;
  set_owner_live(h, tc.owner_bits, true);
}

// A cache for a new thread, a parked one reused or a new mapping, with an id of its own: a reused cache does
// not keep its id, so the pages it owned count as left by an exited thread, and whichever thread frees their
// blocks first takes them over (the threads of a larson-like server inherit their predecessors' blocks).
[[nodiscard]] ThreadCache* new_cache(HeapState& h) noexcept {
  ThreadCache* tc = nullptr;
  {
    Guard guard(h.lock);
    if ((tc = h.spare_caches) != nullptr) unlink_cache(h.spare_caches, *tc);
  }
  if (tc == nullptr) {
    void* mem = map_aligned(cache_bytes, os_page);
    if (mem == nullptr) return nullptr;
    h.metadata.fetch_add(cache_bytes, std::memory_order_relaxed);
    tc = static_cast<ThreadCache*>(mem);
  }
  tc = new (tc) ThreadCache();
  {
    Guard guard(h.lock);
    take_cache_id(h, *tc);
  }
  for (std::uint32_t c = 0; c < class_count; ++c) tc->bins[c].limit = cache_limits[c];
  return tc;
}

}  // namespace

ThreadSlots* keyed_thread_slots() noexcept { return static_cast<ThreadSlots*>(os::thread_value(registry.key)); }

ThreadCache* thread_cache_for(HeapState& h) noexcept {
  ThreadSlots* slots = own_thread_slots();
  if (slots == nullptr) return nullptr;
  ThreadCache*& slot = slots->caches[h.slot];
  if (slot != &no_cache) return slot;
  if (slots->exiting) return nullptr;
  register_atfork_once();
  if (slot != &no_cache) return slot;  // created by an allocation inside pthread_atfork
  ThreadCache* tc = new_cache(h);
  if (tc == nullptr) return nullptr;
  tc->heap = &h;
  tc->owner_slot = &slot;
  {
    Guard guard(h.lock);
    link_cache(h.caches, *tc);
  }
  slot = tc;  // before pthread_setspecific, which may allocate and must then find this cache
  if (!slots->key_installed) {
    slots->key_installed = true;
    os::set_thread_value(registry.key, slots);
  }
  return tc;
}

namespace {

void flush_bin(ThreadCache& tc, std::uint32_t c, std::uint32_t keep) noexcept {
  Bin& bin = tc.bins[c];
  if (bin.count <= keep) return;
  Block* give = bin.head;
  Block* last = give;
  for (std::uint32_t i = 1; i < bin.count - keep; ++i) last = next_of(last);
  bin.head = next_of(last);
  set_next(last, nullptr);
  central_give(*tc.heap, c, give, bin.count - keep, &bin.count, tc.owner_bits);
}

void flush_remote(ThreadCache& tc, std::uint32_t c) noexcept {
  RemoteFrees& r = tc.remote[c];
  if (r.count == 0) return;
  Block* list = r.head;
  r.head = nullptr;
  central_give(*tc.heap, c, list, r.count, &r.count, owner_bits_at(tc.heap->range.base, list));
}

void give_back(ThreadCache& tc, std::uint32_t c) noexcept {
  flush_bin(tc, c, 0);
  flush_remote(tc, c);
}

// Whether class `c` stayed idle since the last sweep (ClassActivity), recording what this sweep saw. Classes
// this cache never allocated from are left alone: a thread that only frees blocks of a class (a consumer)
// must not send back the batches the producers refill from. The central list's counter sits on another
// cache line, which every refill writes: it is read only for a class idle in the cache itself.
[[nodiscard]] bool idle_since_last_sweep(ThreadCache& tc, std::uint32_t c) noexcept {
  ClassActivity& seen = tc.seen[c];
  const std::int64_t allocations = tc.bins[c].allocations.get();
  const std::uint32_t cached = tc.bins[c].count + tc.remote[c].count;
  if (allocations != seen.allocations || cached != seen.cached) {
    seen = {allocations, seen.central_takes, cached, false};
    return false;
  }
  if (allocations == 0 || seen.released) return false;
  const std::int64_t takes = tc.heap->central[c].takes.get();
  if (takes == seen.central_takes) return true;
  seen.central_takes = takes;
  return false;
}

// Gives back the classes idle since the last sweep, each once per idle spell.
void sweep(ThreadCache& tc) noexcept {
  for (std::uint32_t c = 0; c < class_count; ++c) {
    if (!idle_since_last_sweep(tc, c)) continue;
    give_back(tc, c);
    central_return_parked(*tc.heap, c);
    tc.seen[c].cached = 0;
    tc.seen[c].released = true;
  }
}

}  // namespace

void thread_cache_flush(ThreadCache& tc, std::uint32_t c, std::uint32_t keep) noexcept {
  flush_bin(tc, c, keep);
  thread_cache_tick(tc);
}

void thread_cache_tick(ThreadCache& tc) noexcept {
  if (--tc.ticks_to_sweep != 0) return;
  tc.ticks_to_sweep = sweep_interval;
  sweep(tc);
}

namespace {

// Out of line, so the hold itself (nearly every free of a producer/consumer pattern) stays a few instructions.
[[gnu::noinline]] void flush_held_batch(ThreadCache& tc, std::uint32_t c) noexcept {
  flush_remote(tc, c);
  thread_cache_tick(tc);
}

}  // namespace

void thread_cache_hold_remote(ThreadCache& tc, std::uint32_t c, Block* b) noexcept {
  RemoteFrees& r = tc.remote[c];
  set_next(b, r.head);
  r.head = b;
  if (++r.count == batch_sizes[c]) [[unlikely]] flush_held_batch(tc, c);
}

void thread_cache_collect(ThreadCache& tc) noexcept {
  for (std::uint32_t c = 0; c < class_count; ++c) give_back(tc, c);
}

void thread_cache_release_all(HeapState& h) noexcept {
  for (ThreadCache* list : {h.caches, h.spare_caches}) {
    while (list != nullptr) {
      ThreadCache* tc = list;
      list = tc->next;
      unmap(tc, cache_bytes);
    }
  }
  h.caches = h.spare_caches = nullptr;
}

// Other threads push and pop their caches without a lock: their bins are read as they are at this moment.
__attribute__((no_sanitize("thread"))) bool caches_hold(const HeapState& h, std::uint32_t c, const Block* b) noexcept {
  for (const ThreadCache* tc = h.caches; tc != nullptr; tc = tc->next) {
    if (list_holds(h, c, tc->bins[c].head, cache_limits[c], b)) return true;
    if (list_holds(h, c, tc->remote[c].head, batch_sizes[c], b)) return true;
  }
  return false;
}

// Under h.lock. A cache's count is its owner's plain field: read as it is at this moment, like caches_hold.
__attribute__((no_sanitize("thread"))) void sum_cache_counters(const HeapState& h, std::uint32_t c,
                                                               std::int64_t (&into)[3]) noexcept {
  for (const ThreadCache* tc = h.caches; tc != nullptr; tc = tc->next) {
    into[0] += tc->bins[c].allocations.get();
    into[1] += tc->bins[c].count + tc->remote[c].count;
    into[2] += tc->requested_extra[c].get();
  }
}

void count_uncached(HeapState& h, std::uint32_t c, bool allocation, std::int64_t extra) noexcept {
  Guard guard(h.lock);
  if (allocation) h.retired[c].allocations.add(1);
  h.retired[c].requested_extra.add(extra);
}

HeapState* register_heap(bool& no_slot) noexcept {
  Guard guard(registry.lock);
  no_slot = false;
  // Creating the key does not allocate (os.hpp), so it is safe under the registry lock.
  if (!registry.key_created && !os::create_thread_key(registry.key, on_thread_exit)) return nullptr;
  registry.key_created = true;
  unsigned slot = 0;
  while (slot < Heap::max_heaps && registry.heaps[slot] != nullptr) ++slot;
  no_slot = slot == Heap::max_heaps;
  if (no_slot) return nullptr;
  void* mem = map_aligned(state_bytes, os_page);
  if (mem == nullptr) return nullptr;
  auto* h = new (mem) HeapState();
  h->slot = slot;
  reserve_range(h->range);
  h->metadata.store(state_bytes, std::memory_order_relaxed);
  registry.heaps[slot] = h;
  return h;
}

void unregister_heap(HeapState& h) noexcept {
  Guard guard(registry.lock);
  registry.heaps[h.slot] = nullptr;
  // Threads still alive (or exiting, waiting for the registry lock) must not find the caches unmapped next.
  for (ThreadCache* tc = h.caches; tc != nullptr; tc = tc->next) *tc->owner_slot = &no_cache;
}

void release_heap_state(HeapState& h) noexcept {
  release_range(h.range);
  unmap(&h, state_bytes);
}

}  // namespace fm::heap
