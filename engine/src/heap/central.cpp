// The per-class central lists: pages of one size class in 4 MiB segments, refilled into thread caches and
// given back in batches under a short per-class lock. Empty pages beyond a small reserve are returned
// to the OS with madvise, empty segments with munmap.
#include <algorithm>
#include <bit>
#include <chrono>
#include <new>

#include "fm/core/align.hpp"
#include "heap_state.hpp"

namespace fm::heap {

namespace {

inline constexpr std::size_t header_bytes = align_up(sizeof(Segment), page_start_alignment);
inline constexpr std::size_t header_committed = align_up(sizeof(Segment), os_page);

// Empty shared pages stay committed in a pool that any class takes from first: up to pooled_bytes_kept for
// good, and beyond that for Heap::decommit_delay_ms, after which the next page to enter or leave the pool
// sends them to the OS. So a program that frees a burst of blocks and allocates as many again soon after (a
// frame, a round of buffers grown by realloc) reuses the pages instead of faulting in fresh ones after a
// madvise, and one that does not still gets its memory back. Pages of other segments go to the OS at once.
inline constexpr std::size_t pooled_bytes_kept = std::size_t{4} << 20;
inline constexpr std::chrono::milliseconds pooled_decommit_delay{Heap::decommit_delay_ms};

// Pages hold at least 8 blocks, so large classes get large pages (up to 2 MiB for 256 KiB blocks).
[[nodiscard]] constexpr unsigned page_shift_of(std::uint32_t c) noexcept {
  const auto shift = static_cast<unsigned>(std::bit_width(class_block_size(c) * 8 - 1));
  return shift < min_page_shift ? min_page_shift : shift;
}

// Empty pages a class keeps for itself: one for classes on shared 64 KiB pages (the shared pool keeps
// more for everyone), up to 512 KiB for classes with larger pages; beyond that they are released.
[[nodiscard]] constexpr std::uint32_t empty_pages_kept(std::uint32_t c) noexcept {
  const std::size_t pages = (std::size_t{512} * 1024) >> page_shift_of(c);
  return page_shift_of(c) == min_page_shift || pages < 1 ? 1 : static_cast<std::uint32_t>(pages);
}

void note_outstanding(Central& cl, std::uint32_t blocks, std::uint32_t block_size, bool out) noexcept {
  const std::size_t bytes = std::size_t{blocks} * block_size;
  if (!out) {
    cl.outstanding -= bytes;
    return;
  }
  cl.outstanding += bytes;
  cl.peak_outstanding = std::max(cl.peak_outstanding, cl.outstanding);
}

[[nodiscard]] std::size_t committed_bytes(Segment& s, std::uint32_t i) noexcept {
  const std::size_t bytes = std::size_t{1} << s.page_shift;
  return i == 0 ? bytes - header_committed : bytes;
}

void list_unlink(Central& cl, PageMeta& p) noexcept {
  (p.prev ? p.prev->next : cl.head) = p.next;
  (p.next ? p.next->prev : cl.tail) = p.prev;
  p.prev = p.next = nullptr;
}

void list_push_front(Central& cl, PageMeta& p) noexcept {
  p.prev = nullptr;
  p.next = cl.head;
  (cl.head ? cl.head->prev : cl.tail) = &p;
  cl.head = &p;
}

void list_push_back(Central& cl, PageMeta& p) noexcept {
  p.next = nullptr;
  p.prev = cl.tail;
  (cl.tail ? cl.tail->next : cl.head) = &p;
  cl.tail = &p;
}

[[nodiscard]] bool shares_pages(std::uint32_t c) noexcept { return page_shift_of(c) == min_page_shift; }

[[nodiscard]] Segment*& segment_list(HeapState& h, std::uint32_t segment_class) noexcept {
  return segment_class == shared_class ? h.shared_segments : h.central[segment_class].segments;
}

// From the heap's range when it has room (frees take the fast path there), else mapped on its own.
[[nodiscard]] Segment* new_segment(HeapState& h, std::uint32_t segment_class) noexcept {
  void* mem = range_take_segment(h.range);
  if (mem == nullptr) mem = map_aligned(segment_size, segment_size);
  if (mem == nullptr) return nullptr;
  auto* s = new (mem) Segment();
  s->size_class = segment_class;
  s->heap = &h;
  s->page_shift = segment_class == shared_class ? min_page_shift : page_shift_of(segment_class);
  s->page_count = static_cast<std::uint32_t>(segment_size >> s->page_shift);
  Segment*& list = segment_list(h, segment_class);
  s->next = list;
  if (list) list->prev = s;
  list = s;
  h.metadata.fetch_add(header_committed, std::memory_order_relaxed);
  unit_map.set(s, UnitKind::segment);
  return s;
}

// Unpoisoned first: whoever maps the memory next must not inherit ASan's view of free blocks. A segment of
// the heap's range goes back to it (the range itself is released with the heap).
void unmap_segment(HeapState& h, Segment* s) noexcept {
  unpoison(s, segment_size);
  if (range_holds(h.range, s)) return range_return_segment(h.range, s);
  unmap(s, segment_size);
}

void free_segment(HeapState& h, Segment& s) noexcept {
  Segment*& list = segment_list(h, s.size_class);
  (s.prev ? s.prev->next : list) = s.next;
  if (s.next) s.next->prev = s.prev;
  h.metadata.fetch_sub(header_committed, std::memory_order_relaxed);
  unit_map.set(&s, UnitKind::none);  // before munmap: the range may be mapped again by someone else right after
  unmap_segment(h, &s);
}

// An unused page of a segment in `list` (a new segment when all are full), or null when out of memory.
[[nodiscard]] PageMeta* unused_page(HeapState& h, std::uint32_t segment_class) noexcept {
  Segment* s = segment_list(h, segment_class);
  while (s != nullptr && s->pages_active == s->page_count) s = s->next;
  if (s == nullptr && (s = new_segment(h, segment_class)) == nullptr) return nullptr;
  std::uint32_t i = 0;
  while (s->pages[i].taken) ++i;
  ++s->pages_active;
  s->pages[i].taken = true;  // claimed before the lock is released, so no other thread can pick it
  return &s->pages[i];
}

[[nodiscard]] std::uint32_t page_index(const Segment& s, const PageMeta& p) noexcept {
  return static_cast<std::uint32_t>(&p - s.pages);
}

// Decommits page p and marks it unused; unmaps its segment when no page of it is in use any more. Under
// page_lock for shared segments, else under the class lock.
void page_to_os(HeapState& h, Segment& s, PageMeta& p) noexcept {
  const std::uint32_t i = page_index(s, p);
  char* from = reinterpret_cast<char*>(align_up(reinterpret_cast<std::uintptr_t>(p.start), os_page));
  decommit(from, static_cast<std::size_t>(s.page_end(i) - from));
  p.state = PageState::unused;
  p.taken = false;
  // The last segment of a list stays mapped (its pages are decommitted) to avoid mmap churn.
  if (--s.pages_active == 0 && (s.prev != nullptr || s.next != nullptr)) free_segment(h, s);
}

inline constexpr std::size_t shared_page_bytes = std::size_t{1} << min_page_shift;

// The pool of empty committed shared pages, newest first: a class takes the newest (its memory is the most
// likely to be in the caches), the OS gets the oldest. Under page_lock.
void pool_push(HeapState& h, PageMeta& p, std::chrono::steady_clock::time_point now) noexcept {
  p.state = PageState::pooled;
  p.pooled_at = now;
  p.prev = nullptr;
  p.next = h.pooled_pages;
  (h.pooled_pages ? h.pooled_pages->prev : h.pooled_oldest) = &p;
  h.pooled_pages = &p;
  h.pooled_bytes += shared_page_bytes;
}

void pool_unlink(HeapState& h, PageMeta& p) noexcept {
  (p.prev ? p.prev->next : h.pooled_pages) = p.next;
  (p.next ? p.next->prev : h.pooled_oldest) = p.prev;
  p.prev = p.next = nullptr;
  h.pooled_bytes -= shared_page_bytes;
}

// Pooled pages beyond pooled_bytes_kept that have waited pooled_decommit_delay go to the OS. Under page_lock.
void decommit_aged_pages(HeapState& h) noexcept {
  if (h.pooled_bytes <= pooled_bytes_kept) [[likely]] return;
  const auto now = std::chrono::steady_clock::now();
  while (h.pooled_bytes > pooled_bytes_kept && now - h.pooled_oldest->pooled_at >= pooled_decommit_delay) {
    PageMeta& p = *h.pooled_oldest;
    pool_unlink(h, p);
    page_to_os(h, *static_cast<Segment*>(segment_of(&p)), p);
  }
}

// A pooled (committed) shared page if there is one, else an unused one.
[[nodiscard]] PageMeta* shared_page(HeapState& h) noexcept {
  Guard guard(h.page_lock);
  if (PageMeta* p = h.pooled_pages; p != nullptr) {
    pool_unlink(h, *p);
    decommit_aged_pages(h);
    return p;
  }
  return unused_page(h, shared_class);
}

// An unused page of class c made active (partly used, nothing carved yet), or null when out of memory.
[[nodiscard]] PageMeta* fresh_page(HeapState& h, std::uint32_t c) noexcept {
  Central& cl = h.central[c];
  PageMeta* p = shares_pages(c) ? shared_page(h) : unused_page(h, c);
  if (p == nullptr) return nullptr;
  auto& s = *static_cast<Segment*>(segment_of(p));
  const std::uint32_t i = page_index(s, *p);
  char* start = reinterpret_cast<char*>(&s) + (i == 0 ? header_bytes : std::size_t{i} << s.page_shift);
  p->start = start;
  p->size_class = c;
  p->block_size = class_sizes[c];
  p->capacity = static_cast<std::uint32_t>((s.page_end(i) - start) / p->block_size);
  p->free = nullptr;
  p->carved = p->free_count = p->run_count = 0;
  p->state = PageState::partial;
  set_free_bin(s, *p, c);  // no block of it is live: no pointer inside one either
  poison(start, static_cast<std::size_t>(s.page_end(i) - start));  // every block stays poisoned until handed out
  ++cl.pages;
  cl.committed += committed_bytes(s, i);
  list_push_front(cl, *p);
  return p;
}

void release_page(HeapState& h, Central& cl, Segment& s, PageMeta& p) noexcept {
  list_unlink(cl, p);
  --cl.pages;
  cl.committed -= committed_bytes(s, page_index(s, p));
  p.free = nullptr;
  p.carved = p.free_count = p.run_count = 0;
  p.block_size = 0;  // no longer a page of blocks: usable_size and checked frees of pointers into it see that
  if (s.size_class != shared_class) return page_to_os(h, s, p);
  Guard pool_guard(h.page_lock);
  pool_push(h, p, std::chrono::steady_clock::now());
  decommit_aged_pages(h);
}

void page_became_empty(HeapState& h, Central& cl, Segment& s, PageMeta& p, std::uint32_t c) noexcept {
  if (cl.empty_kept < empty_pages_kept(c)) {
    ++cl.empty_kept;
    p.state = PageState::empty;
    list_unlink(cl, p);
    list_push_back(cl, p);
    return;
  }
  release_page(h, cl, s, p);
}

// The front run of p's free list, whole, onto *out. After a tear-down the list is in random address order
// and walking it is a chain of dependent misses; a run costs two (its last block, the next run's first) and
// the cache's pops overlap the rest with the program's work. `run` is the class's batch size.
std::uint32_t take_run(PageMeta& p, std::uint32_t run, Block** out) noexcept {
  Block* head = p.free;
  Block* tail = p.run_tail;
  const std::uint32_t count = p.run_count;
  p.free = next_of(tail);
  set_next(tail, *out);
  *out = head;
  p.free_count -= count;
  p.run_count = 0;
  if (p.free != nullptr) {
    p.run_tail = run_tail_of(p.free);
    p.run_count = run;
  }
  return count;
}

void take_one(PageMeta& p, std::uint32_t run, Block** out) noexcept {
  Block* b = p.free;
  p.free = next_of(b);
  set_next(b, *out);
  *out = b;
  --p.free_count;
  if (--p.run_count == 0 && p.free != nullptr) {
    p.run_tail = run_tail_of(p.free);
    p.run_count = run;
  }
}

// Moves at least min(n, what p has) blocks of page p onto *out, at most `room` (>= n): whole runs of its
// free list while they fit, single blocks otherwise, then untouched blocks carved from its tail.
std::uint32_t take_from_page(PageMeta& p, std::uint32_t block_size, std::uint32_t n, std::uint32_t room,
                             Block** out) noexcept {
  const std::uint32_t run = batch_sizes[p.size_class];
  std::uint32_t got = 0;
  while (got < n && p.free != nullptr) {
    if (p.run_count <= room - got) {
      got += take_run(p, run, out);
    } else {
      take_one(p, run, out);
      ++got;
    }
  }
  const std::uint32_t carve = std::min(n - std::min(n, got), p.capacity - p.carved);
  for (std::uint32_t i = carve; i-- > 0;) {
    auto* b = reinterpret_cast<Block*>(p.start + std::size_t{p.carved + i} * block_size);
    set_next(b, *out);
    *out = b;
  }
  p.carved += carve;
  return got + carve;
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

void Lock::lock_contended() noexcept {
  for (unsigned spins = 0; spins < 64; ++spins) {  // short critical sections usually end within this
    cpu_relax();
    std::uint32_t expected = 0;
    if (state_.load(std::memory_order_relaxed) == 0 &&
        state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) {
      return;
    }
  }
  // Marked 2 while anyone may sleep, so unlock knows to wake one; the holder may be in a system call.
  while (state_.exchange(2, std::memory_order_acquire) != 0) wait_while(state_, 2);
}

namespace {

// Whether the cache with owner half `owner` (no_owner's: no cache) may take blocks bound for `bound` in class
// `c`: its own, no cache's or an exited thread's; in a class whose blocks do not share lines, any.
[[nodiscard]] bool may_take(const HeapState& h, std::uint32_t c, SliceEntry bound, SliceEntry owner) noexcept {
  return !blocks_share_lines(c) || owner == owner_bits_of(no_owner) || bound == owner ||
         bound == owner_bits_of(no_owner) || !owner_live(h, bound);
}

// The slot of the newest batch parked for `owner`, else of the newest it may take, else transfer_count.
[[nodiscard]] std::uint32_t parked_for(const HeapState& h, const Central& cl, std::uint32_t c, SliceEntry owner) noexcept {
  std::uint32_t found = cl.transfer_count;
  for (std::uint32_t i = cl.transfer_count; i-- > 0;) {
    if (cl.transfer_owner[i] == owner) return i;
    if (found == cl.transfer_count && may_take(h, c, cl.transfer_owner[i], owner)) found = i;
  }
  return found;
}

[[nodiscard]] Block* unpark(Central& cl, std::uint32_t i) noexcept {
  Block* list = cl.transfer[i];
  --cl.transfer_count;
  cl.transfer[i] = cl.transfer[cl.transfer_count];
  cl.transfer_owner[i] = cl.transfer_owner[cl.transfer_count];
  return list;
}

// Pages a refill looks at for one it may take before it lends a fresh one.
inline constexpr std::uint32_t pages_looked_at = 8;

// The page a refill for `owner` takes blocks from: the first with free blocks that it may take (empty ones
// always: no block of theirs is live), else a fresh one. So threads that allocate blocks of a class whose
// blocks share lines at the same time carve them from pages of their own instead of taking turns owning one
// page, which made the other thread's frees of its own blocks remote after each turn (larson 1.4x).
[[nodiscard]] PageMeta* refill_page(HeapState& h, Central& cl, std::uint32_t c, SliceEntry owner) noexcept {
  std::uint32_t looked = 0;
  for (PageMeta* p = cl.head; p != nullptr && looked < pages_looked_at; p = p->next, ++looked) {
    if (p->state == PageState::empty || may_take(h, c, owner_bits_at(h.range.base, p->start), owner)) return p;
  }
  return fresh_page(h, c);
}

}  // namespace

std::uint32_t central_take(HeapState& h, std::uint32_t c, std::uint32_t n, Block** out, std::uint32_t* cache_count,
                           SliceEntry owner) noexcept {
  Central& cl = h.central[c];
  const auto block_size = static_cast<std::uint32_t>(class_block_size(c));
  *out = nullptr;
  std::uint32_t got = 0;
  Guard guard(cl.lock);
  cl.takes.add(1);
  if (n == batch_sizes[c] && cl.transfer_count > 0) {
    if (const std::uint32_t i = parked_for(h, cl, c, owner); i < cl.transfer_count) {
      *out = unpark(cl, i);
      got = n;
    }
  }
  while (got < n) {
    PageMeta* p = refill_page(h, cl, c, owner);
    if (p == nullptr) break;
    if (p->state == PageState::empty) {
      --cl.empty_kept;
      p->state = PageState::partial;
    }
    // A cache refill may take up to its limit (2n); a single block for a thread without a cache stays one.
    const std::uint32_t room = cache_count != nullptr ? 2 * n - got : n - got;
    got += take_from_page(*p, block_size, n - got, room, out);
    if (p->available() == 0) {
      list_unlink(cl, *p);
      p->state = PageState::full;
    }
  }
  note_outstanding(cl, got, block_size, true);
  if (cache_count != nullptr) *cache_count += got;
  return got;
}

namespace {

// Puts each block of `list` back on its page's free list. Under the class lock.
void return_to_pages(HeapState& h, Central& cl, std::uint32_t c, Block* list) noexcept {
  while (list != nullptr) {
    Block* b = list;
    list = next_of(b);
    auto& s = *static_cast<Segment*>(segment_of(b));
    PageMeta& p = s.page_of(b);
    if (p.free == nullptr || p.run_count == batch_sizes[c]) {  // a new front run; the old one is full
      if (p.free != nullptr) set_run_tail(p.free, p.run_tail);
      p.run_tail = b;
      p.run_count = 0;
    }
    set_next(b, p.free);
    p.free = b;
    ++p.run_count;
    ++p.free_count;
    if (p.state == PageState::full) {
      p.state = PageState::partial;
      list_push_front(cl, p);
    }
    if (p.empty()) page_became_empty(h, cl, s, p, c);
  }
}

void return_parked(HeapState& h, Central& cl, std::uint32_t c) noexcept {
  while (cl.transfer_count > 0) return_to_pages(h, cl, c, cl.transfer[--cl.transfer_count]);
}

}  // namespace

void central_give(HeapState& h, std::uint32_t c, Block* list, std::uint32_t count, std::uint32_t* cache_count,
                  SliceEntry owner) noexcept {
  Central& cl = h.central[c];
  Guard guard(cl.lock);
  note_outstanding(cl, count, class_sizes[c], false);
  if (cache_count != nullptr) *cache_count -= count;
  if (count == batch_sizes[c] && cl.transfer_count < transfer_slots) {
    cl.transfer_owner[cl.transfer_count] = owner;
    cl.transfer[cl.transfer_count++] = list;
    return;
  }
  return_to_pages(h, cl, c, list);
}

void central_collect(HeapState& h) noexcept {
  for (std::uint32_t c = 0; c < class_count; ++c) {
    Central& cl = h.central[c];
    Guard guard(cl.lock);
    return_parked(h, cl, c);
    for (PageMeta* p = cl.head; p != nullptr;) {
      PageMeta* next = p->next;
      if (p->state == PageState::empty) {
        --cl.empty_kept;
        release_page(h, cl, *static_cast<Segment*>(segment_of(p)), *p);
      }
      p = next;
    }
  }
  Guard guard(h.page_lock);
  while (PageMeta* p = h.pooled_pages) {
    pool_unlink(h, *p);
    page_to_os(h, *static_cast<Segment*>(segment_of(p)), *p);
  }
}

void central_return_parked(HeapState& h, std::uint32_t c) noexcept {
  Central& cl = h.central[c];
  Guard guard(cl.lock);
  return_parked(h, cl, c);
}

bool central_holds(HeapState& h, std::uint32_t c, const Block* b) noexcept {
  const Central& cl = h.central[c];
  for (std::uint32_t i = 0; i < cl.transfer_count; ++i) {
    if (list_holds(h, c, cl.transfer[i], batch_sizes[c], b)) return true;
  }
  auto& s = *static_cast<Segment*>(segment_of(b));
  const PageMeta& p = s.page_of(b);
  if (p.size_class != c || p.block_size == 0) return false;  // no longer the class's page: not provably free
  const auto index = static_cast<std::size_t>(reinterpret_cast<const char*>(b) - p.start) / p.block_size;
  return index >= p.carved || list_holds(h, c, p.free, p.free_count, b);
}

void central_release_all(HeapState& h) noexcept {
  auto unmap_all = [&h](Segment*& list) {
    while (list != nullptr) {
      Segment* s = list;
      list = s->next;
      unit_map.set(s, UnitKind::none);
      unmap_segment(h, s);
    }
  };
  for (Central& cl : h.central) unmap_all(cl.segments);
  unmap_all(h.shared_segments);
  h.pooled_pages = h.pooled_oldest = nullptr;
  h.pooled_bytes = 0;
}

void lock_pages_for_fork(HeapState& h, bool acquire) noexcept {
  acquire ? h.page_lock.lock() : h.page_lock.unlock();
}

}  // namespace fm::heap
