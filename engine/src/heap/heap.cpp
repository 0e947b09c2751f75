// fm::Heap's public face: the inline fast paths (thread-cache pop and push), their named slow paths
// (refill, flush, large blocks, aligned requests), realloc and the statistics.
#include "fm/heap/heap.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "fm/core/metrics.hpp"
#include "fast_path.hpp"
#include "heap_state.hpp"

namespace fm {

using namespace heap;

// Only memory of that block's mapping is read, however far past its end `addr` lies (a freed block's
// pointer, say): a block aligned to 4 MiB or more starts at its unit, its header in the 64 bytes before; any
// other starts max(64, align) bytes into its mapping, which starts at the unit. So `addr` must sit at such a
// power of two, and the candidates from the smallest up lie in that mapping up to the first that is a header.
LargeBlock* heap::large_block_at(SegmentHead* unit, std::uintptr_t addr, bool at_unit_start) noexcept {
  const auto unit_start = reinterpret_cast<std::uintptr_t>(unit);
  const std::uintptr_t offset = addr - unit_start;
  const auto header = [](std::uintptr_t user) {
    auto* lb = reinterpret_cast<LargeBlock*>(user - large_header_size);
    return lb->self == lb ? lb : nullptr;  // padding or user bytes otherwise
  };
  if (at_unit_start) return offset == 0 ? header(addr) : nullptr;
  if (offset < large_header_size || (offset & (offset - 1)) != 0) return nullptr;
  for (std::uintptr_t at = large_header_size; at <= offset; at *= 2) {
    if (LargeBlock* lb = header(unit_start + at)) return at == offset ? lb : nullptr;
  }
  return nullptr;
}

namespace {

inline constexpr std::size_t max_request = std::size_t{1} << 46;

// A small block when the calling thread's cache is empty or missing (a new or exiting thread).
[[gnu::noinline]] void* small_alloc_slow(HeapState& h, std::uint32_t c, std::int64_t extra) noexcept {
  ThreadCache* tc = thread_cache_for(h);
  Block* b = nullptr;
  if (tc == nullptr) {  // exiting thread: one block straight from the central list
    if (central_take(h, c, 1, &b) == 0) return nullptr;
    count_uncached(h, c, true, extra);
  } else {
    Bin& bin = tc->bins[c];
    if (bin.head == nullptr) {
      thread_cache_tick(*tc);
      if (central_take(h, c, batch_sizes[c], &bin.head, &bin.count, tc->owner_bits) == 0) return nullptr;
      if (blocks_share_lines(c)) claim_page(*tc, bin.head);
    }
    b = bin.head;
    bin.head = next_of(b);
    --bin.count;
    count_allocation(*tc, bin, c, extra);
  }
  unpoison(b, class_sizes[c]);
  return b;
}

[[nodiscard]] inline void* small_alloc(HeapState& h, unsigned slot, std::uint32_t c, std::int64_t extra) noexcept {
  if (void* b = cache_pop(slot, c, extra)) [[likely]] return b;
  return small_alloc_slow(h, c, extra);
}

// A small block cache_push did not take: an interior pointer, a full cache (a batch is flushed first), a
// remote free (held for the central list: a block of a page another thread's cache refilled from sits next
// to blocks that thread writes, and must not become this thread's next block) or no cache (exiting thread:
// straight to the central list).
void small_free_slow(HeapState& h, Segment& s, void* p, std::size_t requested, bool sized) noexcept {
  const PageMeta& page = s.page_of(p);
  const std::uint32_t c = page.size_class;
  const std::int64_t extra = sized ? static_cast<std::int64_t>(requested) - page.block_size : 0;
  Block* b = s.has_interior(p) ? block_start(page, p) : static_cast<Block*>(p);
  poison(b, class_sizes[c]);
  ThreadCache* tc = thread_cache_for(h);
  if (tc == nullptr) {
    set_next(b, nullptr);
    central_give(h, c, b, 1);
    count_uncached(h, c, false, -extra);
    return;
  }
  count_deallocation(*tc, c, extra);
  if (is_remote_free(s, b, *tc)) return thread_cache_hold_remote(*tc, c, b);
  Bin& bin = tc->bins[c];
  if (bin.count >= bin.limit) thread_cache_flush(*tc, c, bin.limit / 2);
  set_next(b, bin.head);
  bin.head = b;
  ++bin.count;
}

// Enters (or removes) a large block's pointer in the unit map find_segment reads.
void mark_large(LargeBlock& lb, bool present) noexcept {
  SegmentHead* unit = segment_of(lb.user());
  const UnitKind kind = lb.user() == reinterpret_cast<char*>(unit) ? UnitKind::large_start : UnitKind::large;
  unit_map.set(unit, present ? kind : UnitKind::none);
}

void link_large(HeapState& h, LargeBlock& lb) noexcept {
  lb.prev = nullptr;
  lb.next = h.large;
  if (h.large) h.large->prev = &lb;
  h.large = &lb;
}

void unlink_large(HeapState& h, LargeBlock& lb) noexcept {
  (lb.prev ? lb.prev->next : h.large) = lb.next;
  if (lb.next) lb.next->prev = lb.prev;
}

// Mappings start on a 4 MiB unit (so no two large blocks share the unit of their user pointer) or on the
// requested alignment when larger; the user block sits at max(64, align) and the header right before it.
[[nodiscard]] std::size_t large_user_offset(std::size_t align) noexcept { return std::max(large_header_size, align); }
[[nodiscard]] std::size_t large_map_alignment(std::size_t align) noexcept { return std::max(segment_size, align); }

// A cached mapping for a block needing a `size`-byte mapping, or null: the smallest that holds it, else the
// largest, which reuse_mapping resizes. Removed from the cache under h.lock.
[[nodiscard]] bool take_cached_mapping(HeapState& h, std::size_t size, CachedMapping& out) noexcept {
  if (h.large_cached == 0) return false;
  std::uint32_t best = 0;
  for (std::uint32_t i = 1; i < h.large_cached; ++i) {
    const std::size_t have = h.large_cache[i].size, best_size = h.large_cache[best].size;
    const bool fits = have >= size, best_fits = best_size >= size;
    if (fits != best_fits ? fits : fits ? have < best_size : have > best_size) best = i;
  }
  out = h.large_cache[best];
  h.large_cache[best] = h.large_cache[--h.large_cached];
  h.large_cached_bytes -= out.size;
  return true;
}

// The mapping of `m` made `size` bytes (its resident pages come along), or null when the OS refuses and `m`
// is gone. Kept whole when it holds the request with at most large_reuse_slack to spare: shrinking would
// give back pages that the next, larger request would fault in again.
[[nodiscard]] char* reuse_mapping(const CachedMapping& m, std::size_t& size) noexcept {
  unpoison(m.base, m.size);
  if (m.size >= size && m.size - size <= large_reuse_slack) {
    size = m.size;
    return m.base;
  }
  auto* base = static_cast<char*>(remap_aligned(m.base, m.size, size, segment_size, 0));
  if (base == nullptr) unmap(m.base, m.size);
  return base;
}

// Keeps a freed mapping for reuse when it fits the cache's limits. Under h.lock.
[[nodiscard]] bool cache_mapping(HeapState& h, LargeBlock& lb) noexcept {
  const bool fits = lb.user() - lb.map_base == static_cast<std::ptrdiff_t>(large_header_size) &&
                    lb.map_size <= large_cache_block_max && h.large_cached < large_cache_slots &&
                    h.large_cached_bytes + lb.map_size <= large_cache_bytes_max;
  if (fits) {
    h.large_cache[h.large_cached++] = {lb.map_base, lb.map_size, h.large_allocations};
    h.large_cached_bytes += lb.map_size;
    poison(lb.user(), lb.usable());
  }
  return fits;
}

// Moves the mappings no large allocation has wanted for large_cache_age allocations into `out` (to unmap
// outside the lock); returns how many. Under h.lock.
[[nodiscard]] std::uint32_t take_stale_mappings(HeapState& h, CachedMapping (&out)[large_cache_slots]) noexcept {
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < h.large_cached;) {
    if (h.large_allocations - h.large_cache[i].cached_at < large_cache_age) {
      ++i;
      continue;
    }
    out[n++] = h.large_cache[i];
    h.large_cached_bytes -= h.large_cache[i].size;
    h.large_cache[i] = h.large_cache[--h.large_cached];
  }
  return n;
}

// Unpoisoned first: whoever maps the range next must not inherit ASan's view of a free block.
void unmap_cached(const CachedMapping& m) noexcept {
  unpoison(m.base, m.size);
  unmap(m.base, m.size);
}

// `dirty` (optional) receives how many bytes from the block's start may be nonzero: those of a reused
// mapping; pages a fresh or grown mapping adds read as zero.
[[gnu::noinline]] void* large_alloc(HeapState& h, std::size_t size, std::size_t align, std::size_t* dirty = nullptr) noexcept {
  if (size > max_request) return nullptr;
  const std::size_t offset = large_user_offset(align);
  // At least one byte past the offset: a zero-byte block must still start inside its own mapping (else it
  // is the next mapping's first byte, and with an alignment of 4 MiB or more, possibly another segment's).
  std::size_t map_size = align_up(offset + std::max<std::size_t>(size, 1), os_page);
  char* base = nullptr;
  CachedMapping cached{};
  bool have_cached = false;
  if (offset == large_header_size) {
    Guard guard(h.lock);
    have_cached = take_cached_mapping(h, map_size, cached);
  }
  if (have_cached) base = reuse_mapping(cached, map_size);
  if (dirty != nullptr) *dirty = base == nullptr ? 0 : std::min(cached.size, map_size) - offset;
  if (base == nullptr) base = static_cast<char*>(map_aligned(map_size, large_map_alignment(align)));
  if (base == nullptr) return nullptr;
  auto* lb = new (base + offset - large_header_size) LargeBlock();
  lb->size_class = large_class;
  lb->heap = &h;
  lb->map_base = base;
  lb->map_size = map_size;
  lb->requested = size;
  lb->self = lb;
  {
    Guard guard(h.lock);
    link_large(h, *lb);
    ++h.large_blocks;
    h.large_bytes += map_size;
    h.large_peak = std::max(h.large_peak, h.large_bytes);
    h.large_requested += size;
    ++h.large_allocations;
  }
  mark_large(*lb, true);
  return lb->user();
}

[[gnu::noinline]] void large_free(HeapState& h, LargeBlock& lb) noexcept {
  // Cleared first: once unmapped or cached, the range may be handed out again by another thread.
  mark_large(lb, false);
  char* const base = lb.map_base;
  const std::size_t map_size = lb.map_size;
  bool cached = false;
  CachedMapping stale[large_cache_slots];
  std::uint32_t stale_count = 0;
  {
    Guard guard(h.lock);
    unlink_large(h, lb);
    --h.large_blocks;
    h.large_bytes -= lb.map_size;
    h.large_requested -= lb.requested;
    ++h.large_deallocations;
    stale_count = take_stale_mappings(h, stale);
    cached = cache_mapping(h, lb);
  }
  if (!cached) unmap(base, map_size);
  for (std::uint32_t i = 0; i < stale_count; ++i) unmap_cached(stale[i]);
}

// A large block that stays where it is for `size` bytes: the requested bytes follow. Under h.lock.
void resize_in_place(HeapState& h, LargeBlock& lb, std::size_t size) noexcept {
  h.large_requested += size - lb.requested;
  lb.requested = size;
}

// Grows or shrinks a large block with mremap (no copy); null when the OS refuses, the old block intact.
// Growth reserves 50% more address space (untouched, so not resident) so that a buffer growing in small
// steps is remapped O(log n) times instead of at every step. A block stays in place while its mapping holds
// it, unless a shrink leaves more than half the mapping unused: a growing block never gives pages back, as
// one that took a larger cached mapping whole (reuse_mapping) would fault them in again as it grows.
[[gnu::noinline]] void* large_realloc(HeapState& h, LargeBlock& lb, std::size_t size) noexcept {
  if (size > max_request) return nullptr;
  const auto offset = static_cast<std::size_t>(lb.user() - lb.map_base);
  const std::size_t needed = align_up(offset + size, os_page);
  Guard guard(h.lock);
  const std::size_t old_map = lb.map_size;
  if (needed <= old_map && (size >= lb.requested || needed >= old_map / 2)) {
    resize_in_place(h, lb, size);
    return lb.user();
  }
  const std::size_t map_size = needed > old_map ? std::max(needed, align_up(old_map + old_map / 2, os_page)) : needed;
  mark_large(lb, false);
  const std::size_t used = offset + std::min(size, lb.requested);  // header, padding and the bytes that survive
  auto* base = static_cast<char*>(remap_aligned(lb.map_base, old_map, map_size, large_map_alignment(offset), used));
  if (base == nullptr) {
    mark_large(lb, true);
    return nullptr;
  }
  auto* moved = reinterpret_cast<LargeBlock*>(base + offset - large_header_size);
  moved->map_base = base;
  moved->map_size = map_size;
  h.large_requested += size - moved->requested;
  moved->requested = size;
  moved->self = moved;
  (moved->prev ? moved->prev->next : h.large) = moved;
  if (moved->next) moved->next->prev = moved;
  h.large_bytes += map_size - old_map;
  h.large_peak = std::max(h.large_peak, h.large_bytes);
  mark_large(*moved, true);
  return moved->user();
}

// The smallest class holding `size` bytes whose blocks are all aligned to `align` (its block size a multiple of
// it, see page_start_alignment), or class_count when there is none. Such a block needs no padding: a 64-byte
// object aligned to 64 takes a 64-byte block, not a 112-byte one, and its page gets no interior pointer.
[[nodiscard]] std::uint32_t naturally_aligned_class(std::size_t size, std::size_t align) noexcept {
  if (align > page_start_alignment || size > max_small_size) return class_count;
  const std::size_t rounded = align_up(std::max<std::size_t>(size, 1), align);
  if (rounded > max_small_size) return class_count;
  std::uint32_t c = size_class_of(rounded);
  while (c < class_count && class_sizes[c] % align != 0) ++c;
  return c;
}

[[gnu::noinline]] void* aligned_acquire(HeapState& h, unsigned slot, std::size_t size, std::size_t align,
                                        bool sized) noexcept {
  if (!is_pow2(align) || align > Heap::max_alignment()) return nullptr;
  if (const std::uint32_t c = naturally_aligned_class(size, align); c < class_count) {
    return small_alloc(h, slot, c, sized ? static_cast<std::int64_t>(size) - class_sizes[c] : 0);
  }
  // Room for the block to start anywhere below the alignment; a zero size still needs one byte so two
  // blocks never share an aligned address.
  const std::size_t padded = std::max<std::size_t>(size, 1) + align - min_block_size;
  if (size <= max_small_size && padded <= max_small_size) {
    const std::uint32_t c = size_class_of(padded);
    void* b = small_alloc(h, slot, c, sized ? static_cast<std::int64_t>(size) - class_sizes[c] : 0);
    if (b == nullptr) return nullptr;
    void* p = align_up(b, align);
    auto* s = static_cast<Segment*>(segment_of(b));
    if (p != b && !s->has_interior(b)) set_free_bin(*s, s->page_of(b), interior_bin);
    return p;
  }
  return large_alloc(h, size, align);
}

// `sized`: the caller will free with the same size (allocator model); otherwise (C-style) a small block's
// requested bytes are counted as its block size, which is what free() subtracts.
[[nodiscard]] inline void* acquire(HeapState& h, unsigned slot, std::size_t size, std::size_t align, bool sized) noexcept {
  if (align <= min_block_size) [[likely]] {
    if (size <= max_small_size) [[likely]] {
      const std::uint32_t c = size_class_of(size);
      return small_alloc(h, slot, c, sized ? static_cast<std::int64_t>(size) - class_sizes[c] : 0);
    }
    return large_alloc(h, size, min_block_size);
  }
  return aligned_acquire(h, slot, size, align, sized);
}

// The first question of release_slow, for producer/consumer patterns where nearly every free is remote: a
// block in the heap's range whose slice another cache owns is held in the calling thread's remote frees of
// its class, without the segment lookup. False for anything else: a thread without a cache, pages without an
// owner, pages with interior pointers (no_room), the owner's own frees, and pages of an exited thread's cache,
// which the calling thread's cache claims (is_remote_free).
[[nodiscard]] bool hold_remote(HeapState& h, void* p, std::size_t requested, bool sized) noexcept {
  SliceEntry entry = 0;
  if (!range_entry(h.range.base, p, entry)) return false;
  ThreadCache* tc = current_cache(h.slot);
  const std::uint32_t c = entry_class(entry);
  if (tc == &no_cache || c == class_count || !is_remote_free(*tc, entry, p)) return false;
  auto* b = static_cast<Block*>(p);
  poison(b, class_sizes[c]);
  count_deallocation(*tc, c, sized ? static_cast<std::int64_t>(requested) - class_sizes[c] : 0);
  thread_cache_hold_remote(*tc, c, b);
  return true;
}

// Everything cache_push did not take: a small block of this heap goes to small_free_slow, a large block of
// this heap is freed, anything else ignored. Out of line: looking for a large block's header does not weigh
// on the small blocks' path.
[[gnu::noinline]] void release_slow(HeapState& h, void* p, std::size_t requested, bool sized) noexcept {
  if (hold_remote(h, p, requested, sized)) return;
  SegmentHead* head = find_segment(p);
  if (head == nullptr || head->heap != &h) return;
  if (head->size_class == large_class) return large_free(h, *static_cast<LargeBlock*>(head));
  small_free_slow(h, *static_cast<Segment*>(head), p, requested, sized);
}

inline void release(HeapState& h, unsigned slot, void* p, std::size_t size, bool sized) noexcept {
  if (!cache_push(h.range.base, slot, p, size, sized)) [[unlikely]] release_slow(h, p, size, sized);
}

[[nodiscard]] SegmentHead* owned_segment(const HeapState& h, const void* p) noexcept {
  SegmentHead* head = p == nullptr ? nullptr : find_segment(p);
  return head != nullptr && head->heap == &h ? head : nullptr;
}

// The page whose block holds `p`, or null when `p` lies in no block: a page never lent to a size class
// (or given back since), the segment header, the tail of a page too short for one more block.
[[nodiscard]] const PageMeta* lent_page(Segment& s, const void* p) noexcept {
  const PageMeta& page = s.page_of(p);
  const auto* at = static_cast<const char*>(p);
  if (page.block_size == 0 || at < page.start || at >= page.start + std::size_t{page.capacity} * page.block_size) {
    return nullptr;
  }
  return &page;
}

// The block holding `p`: where it starts and ends; both null when `p` is in no block. `head` is p's owned
// segment (for a large block, find_segment only returns it for the block's own pointer).
struct BlockSpan {
  const char* start = nullptr;
  const char* end = nullptr;
};

[[nodiscard]] BlockSpan block_at(SegmentHead& head, const void* p) noexcept {
  if (head.size_class == large_class) {
    auto& lb = static_cast<LargeBlock&>(head);
    return {lb.user(), lb.map_base + lb.map_size};
  }
  const PageMeta* page = lent_page(static_cast<Segment&>(head), p);
  if (page == nullptr) return {};
  const auto* b = reinterpret_cast<const char*>(block_start(*page, p));
  return {b, b + page->block_size};
}

// Bytes from `p` to the end of its block; 0 when `p` is in no block.
[[nodiscard]] std::size_t usable_in(SegmentHead& head, const void* p) noexcept {
  const BlockSpan block = block_at(head, p);
  return block.start == nullptr ? 0 : static_cast<std::size_t>(block.end - static_cast<const char*>(p));
}

// usable_in for a pointer the heap handed out (realloc's): on a page without interior pointers such a pointer
// is its block's start, so the block size answers without the division that finds the start.
[[nodiscard]] std::size_t usable_of_handed_out(SegmentHead& head, const void* p) noexcept {
  if (head.size_class != large_class) {
    auto& s = static_cast<Segment&>(head);
    const PageMeta* page = lent_page(s, p);
    if (page != nullptr && !s.has_interior(p)) return page->block_size;
  }
  return usable_in(head, p);
}

// The block size of `p` when its slice table entry says it is a block of a page without interior pointers,
// so a block start if the heap handed it out (realloc's pointers); 0 for anything else (a large block, a
// segment outside the range, an interior pointer's page), which the segment and the page tell apart. No
// metadata is read but the entry.
[[nodiscard]] std::size_t block_size_from_table(const HeapState& h, const void* p) noexcept {
  SliceEntry entry = 0;
  if (!range_entry(h.range.base, p, entry)) return 0;
  const std::uint32_t c = entry_class(entry);
  return c < class_count ? class_sizes[c] : 0;
}

// Where allocate(_, align) put the user pointer of a small block starting at `start` (a large block's
// pointer is its start).
[[nodiscard]] const void* user_pointer(const SegmentHead& head, const char* start, std::size_t align) noexcept {
  if (head.size_class == large_class) return start;
  const std::size_t a = is_pow2(align) && align > min_block_size ? align : min_block_size;
  return reinterpret_cast<const void*>(align_up(reinterpret_cast<std::uintptr_t>(start), a));
}

// Whether the small block starting at `start` is free (a double free). Every free block's first word is a
// free-list link of its class (or null), which a live block's rarely is, so most checks stop at one load; only
// a block that looks free is searched for, under the locks, wherever free blocks sit.
[[nodiscard]] bool already_free(HeapState& h, const char* start) noexcept {
  auto& s = *static_cast<Segment*>(segment_of(start));
  const std::uint32_t c = s.page_of(start).size_class;
  const auto* b = reinterpret_cast<const Block*>(start);
  if (const Block* link = next_of(b); link != nullptr && !is_block_of_class(h, c, link)) [[likely]] return false;
  Guard guard(h.lock);
  Guard class_guard(h.central[c].lock);
  return central_holds(h, c, b) || caches_hold(h, c, b);
}

[[nodiscard]] std::string address(const void* p) {
  char buf[32];
  // Not %p: its format is the C library's choice (Windows prints no 0x); messages read the same everywhere.
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(p)));
  return buf;
}

// realloc's move: a new block, the bytes that fit, the old block freed; null (and `p` intact) when no memory.
[[nodiscard]] void* move_block(Heap& heap, void* p, std::size_t usable, std::size_t size) noexcept {
  void* q = heap.malloc(size);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, std::min(size, usable));
  heap.free(p);
  return q;
}

[[nodiscard]] std::size_t clamp_positive(std::int64_t v) noexcept { return v > 0 ? static_cast<std::size_t>(v) : 0; }

}  // namespace

Heap::Heap(std::string_view name) : state_(nullptr), slot_(0), name_storage_{} {
  const std::size_t n = std::min(name.size(), sizeof(name_storage_) - 1);
  std::memcpy(name_storage_, name.data(), n);
  name_ = std::string_view(name_storage_, n);
  bool no_slot = false;
  state_ = register_heap(no_slot);
  if (no_slot) {
    raise(error("heap '" + std::string(name_) + "': " + std::to_string(max_heaps) +
                " heaps exist already, the most that may exist at once (fm::Heap::max_heaps, set with the "
                "FM_MAX_HEAPS build option)"));
  }
  if (state_ == nullptr) {
    raise(out_of_memory(name_, sizeof(HeapState), os_page, 0, "the OS refused to map the heap's state"));
  }
  slot_ = state_->slot;
}

Heap::~Heap() {
  HeapState& h = *state_;
  unregister_heap(h);
  thread_cache_release_all(h);
  central_release_all(h);
  while (h.large != nullptr) {
    LargeBlock* lb = h.large;
    h.large = lb->next;
    mark_large(*lb, false);
    unmap(lb->map_base, lb->map_size);
  }
  for (std::uint32_t i = 0; i < h.large_cached; ++i) unmap_cached(h.large_cache[i]);
  release_heap_state(h);
}

void* Heap::allocate(std::size_t size, std::size_t align) {
  check_alignment(name(), align, max_alignment());
  void* p = acquire(*state_, slot_, size, align, true);
  if (p == nullptr) raise(out_of_memory(name(), size, align, heap_stats().committed, "the OS refused more memory"));
  return p;
}

void* Heap::try_allocate(std::size_t size, std::size_t align) noexcept {
  if (!is_pow2(align)) return nullptr;
  return acquire(*state_, slot_, size, align, true);
}

void Heap::deallocate(void* p, std::size_t size, std::size_t align) {
  if (p == nullptr) return;
#if FM_CHECKED
  check_free(p, size, align);
#endif
  (void)align;
  release(*state_, slot_, p, size, true);
}

void Heap::check_free(const void* p, std::size_t size, std::size_t align) const {
  if (p == nullptr) return;
  // Messages are built only on failure: a checked deallocate runs this for every free.
  auto reject = [&](const std::string& why) {
    raise(bad_free("heap '" + std::string(name()) + "': deallocate of " + std::to_string(size) + " bytes at " +
                   address(p) + " aligned to " + std::to_string(align) + why));
  };
  SegmentHead* head = owned_segment(*state_, p);
  const BlockSpan block = head == nullptr ? BlockSpan{} : block_at(*head, p);
  if (block.start == nullptr) return reject(", which is not a block of this heap");
  if (const void* start = user_pointer(*head, block.start, align); start != p) {
    return reject(", which points inside a block (allocate put it at " + address(start) + ")");
  }
  const auto usable = static_cast<std::size_t>(block.end - static_cast<const char*>(p));
  if (size > usable) return reject(", but the block holds only " + std::to_string(usable) + " bytes");
  // A large block's double free never gets here: its mapping left the unit map when it was freed.
  if (head->size_class != large_class && already_free(*state_, block.start)) {
    return reject(", a double free: its block " + address(block.start) + " is already free");
  }
}

bool Heap::owns(const void* p) const noexcept { return usable_size(p) != 0; }

std::size_t Heap::usable_size(const void* p) const noexcept {
  SegmentHead* head = owned_segment(*state_, p);
  return head == nullptr ? 0 : usable_in(*head, p);
}

void* Heap::malloc(std::size_t size) noexcept { return acquire(*state_, slot_, size, min_block_size, false); }

void* Heap::aligned_malloc(std::size_t size, std::size_t align) noexcept {
  if (!is_pow2(align)) return nullptr;
  return acquire(*state_, slot_, size, align, false);
}

void* Heap::calloc(std::size_t count, std::size_t size) noexcept {
  std::size_t total = 0;
  if (__builtin_mul_overflow(count, size, &total)) return nullptr;
  std::size_t dirty = total;  // fresh pages are zero already
  void* p = total <= max_small_size ? malloc(total) : large_alloc(*state_, total, min_block_size, &dirty);
  if (p != nullptr) std::memset(p, 0, std::min(total, dirty));
  return p;
}

void* Heap::realloc(void* p, std::size_t size) noexcept {
  if (p == nullptr) return malloc(size);
  if (size == 0) {
    free(p);
    return nullptr;
  }
  if (const std::size_t block = block_size_from_table(*state_, p); block != 0) [[likely]] {
    return size <= block && size >= block / 2 ? p : move_block(*this, p, block, size);
  }
  SegmentHead* head = owned_segment(*state_, p);
  const std::size_t usable = head == nullptr ? 0 : usable_of_handed_out(*head, p);
  if (usable == 0) return nullptr;
  if (head->size_class == large_class && size > max_small_size) {
    auto& lb = static_cast<LargeBlock&>(*head);
    if (p == lb.user()) return large_realloc(*state_, lb, size);
  }
  if (size <= usable && size >= usable / 2) {
    if (head->size_class == large_class) {  // a small size, but not worth moving to a small block
      Guard guard(state_->lock);
      resize_in_place(*state_, static_cast<LargeBlock&>(*head), size);
    }
    return p;
  }
  return move_block(*this, p, usable, size);
}

void Heap::free(void* p) noexcept {
  if (p != nullptr) release(*state_, slot_, p, 0, false);
}

void Heap::collect() noexcept {
  HeapState& h = *state_;
  if (ThreadCache* tc = current_cache(slot_); tc != &no_cache) thread_cache_collect(*tc);
  central_collect(h);
  CachedMapping dropped[large_cache_slots];
  std::uint32_t count = 0;
  {
    Guard guard(h.lock);
    count = h.large_cached;
    std::copy_n(h.large_cache, count, dropped);
    h.large_cached = 0;
    h.large_cached_bytes = 0;
  }
  for (std::uint32_t i = 0; i < count; ++i) unmap_cached(dropped[i]);
}

HeapStats Heap::heap_stats() const noexcept {
  HeapState& h = *state_;
  HeapStats st;
  std::int64_t sums[class_count][3] = {};  // allocations, blocks in caches, requested extra
  struct {
    std::size_t outstanding = 0, committed = 0, peak = 0, pages = 0;
    std::uint32_t empty_kept = 0;
  } central[class_count];
  {
    Guard guard(h.lock);
    for (std::uint32_t c = 0; c < class_count; ++c) {
      // Blocks move between the central list and a cache under the class lock (central_take/central_give),
      // so reading both under it counts every block once: with a cache or with a caller.
      Guard class_guard(h.central[c].lock);
      sums[c][0] = h.retired[c].allocations.get();
      sums[c][2] = h.retired[c].requested_extra.get();
      sum_cache_counters(h, c, sums[c]);
      central[c] = {h.central[c].outstanding, h.central[c].committed, h.central[c].peak_outstanding,
                    h.central[c].pages, h.central[c].empty_kept};
    }
    for (ThreadCache* tc = h.caches; tc != nullptr; tc = tc->next) ++st.thread_caches;
    st.large_blocks = h.large_blocks;
    st.large_bytes = h.large_bytes;
    st.total_free = h.large_cached_bytes;  // cached mappings: committed, free for the next large block
    for (std::uint32_t i = 0; i < h.large_cached; ++i) {
      st.largest_free_extent = std::max(st.largest_free_extent, h.large_cache[i].size - large_header_size);
    }
    st.allocated = h.large_bytes;
    st.peak_outstanding = h.large_peak;
    st.requested = h.large_requested;
    st.allocations = h.large_allocations;
    st.deallocations = h.large_deallocations;
  }
  st.metadata = h.metadata.load(std::memory_order_relaxed);
  {
    Guard guard(h.page_lock);
    st.total_free += h.pooled_bytes;  // pooled pages: committed, free for any class
    if (h.pooled_bytes > 0) st.largest_free_extent = std::max(st.largest_free_extent, std::size_t{1} << min_page_shift);
  }
  st.committed = st.metadata + st.large_bytes + st.total_free;
  for (std::uint32_t c = 0; c < class_count; ++c) {
    HeapClassStats& row = st.classes[c];
    const std::uint32_t empty_kept = central[c].empty_kept;
    const std::size_t outstanding = central[c].outstanding;
    row.committed = central[c].committed;
    st.peak_outstanding += central[c].peak;
    row.pages = central[c].pages;
    row.block_size = class_sizes[c];
    // Blocks out of the central list and not in a cache are with callers.
    const std::int64_t live = static_cast<std::int64_t>(outstanding / row.block_size) - sums[c][1];
    row.live_blocks = clamp_positive(live);
    row.requested = clamp_positive(live * static_cast<std::int64_t>(row.block_size) + sums[c][2]);
    st.allocations += static_cast<std::uint64_t>(sums[c][0]);
    st.deallocations += clamp_positive(sums[c][0] - live);
    st.committed += row.committed;
    st.allocated += row.live_blocks * row.block_size;
    st.requested += row.requested;
    const std::size_t free_bytes = row.committed > row.live_blocks * row.block_size ? row.committed - row.live_blocks * row.block_size : 0;
    st.total_free += free_bytes;
    // Segregated classes: a free piece serves one block of its class, or a whole page when a page is empty.
    const std::size_t extent = empty_kept > 0 ? row.committed / std::max<std::size_t>(row.pages, 1) : free_bytes >= row.block_size ? row.block_size : 0;
    st.largest_free_extent = std::max(st.largest_free_extent, extent);
  }
  st.fragmentation = metrics::heap_fragmentation(st.largest_free_extent, st.total_free);
  st.overhead = metrics::overhead(st.committed, st.requested);
  return st;
}

AllocatorStats Heap::stats() const noexcept {
  const HeapStats hs = heap_stats();
  AllocatorStats st;
  st.bytes_used = hs.requested;
  st.bytes_reserved = hs.committed;
  st.bytes_peak = hs.peak_outstanding;
  st.allocations = hs.allocations;
  st.deallocations = hs.deallocations;
  return st;
}

}  // namespace fm
