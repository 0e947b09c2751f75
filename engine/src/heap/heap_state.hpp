// Private layout of fm::Heap: segments (4 MiB, aligned, one size class each) cut into pages, the per-class
// central lists, the per-thread caches, their locks and the OS calls behind them. Nothing here calls malloc.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "fm/debug/sanitizer.hpp"
#include "fm/heap/heap.hpp"
#include "fm/heap/size_class.hpp"
#include "../os/os.hpp"

namespace fm::heap {

inline constexpr unsigned segment_shift = 22;
inline constexpr std::size_t segment_size = std::size_t{1} << segment_shift;
inline constexpr std::size_t os_page = 4096;
inline constexpr unsigned min_page_shift = 16;  // 64 KiB pages for classes up to 8 KiB
inline constexpr unsigned max_pages = segment_size >> min_page_shift;
inline constexpr std::uint32_t large_class = 0xffff;   // size_class of a directly mapped block
inline constexpr std::uint32_t shared_class = 0xfffe;  // a segment of 64 KiB pages lent to any class
// Every page's first block starts at a multiple of this (page 0 after the segment header, the others at their
// 64 KiB or larger boundary), so a class whose block size is a multiple of an alignment up to it hands out
// only blocks aligned to it: an aligned request takes such a class instead of padding (aligned_acquire).
inline constexpr std::size_t page_start_alignment = 4096;
static_assert((std::size_t{1} << min_page_shift) % page_start_alignment == 0);

// Sleeping and waking on a 32-bit word: wait_while sleeps while `word` holds `value`.
using os::wait_while;
using os::wake_one;

// Lock that never allocates (std::mutex may not be used inside malloc) and may be held across system calls
// (mmap, madvise, mremap, fork): a contended waiter spins briefly, then sleeps in the kernel (a futex) instead
// of taking turns on the CPU with sched_yield while the holder waits for the OS.
class Lock {
 public:
  void lock() noexcept {
    std::uint32_t expected = 0;
    if (state_.compare_exchange_strong(expected, 1, std::memory_order_acquire)) [[likely]] return;
    lock_contended();
  }
  void unlock() noexcept {
    if (state_.exchange(0, std::memory_order_release) == 2) [[unlikely]] wake_one(state_);
  }

 private:
  void lock_contended() noexcept;
  std::atomic<std::uint32_t> state_{0};  // 0 free, 1 held, 2 held and a waiter may sleep on it
};
using Guard = std::lock_guard<Lock>;

// A free block: its link, and (blocks are at least 16 bytes) for the first block of each full run of a
// page's free list but the front one, the run's last block, so that a refill takes a run without walking it.
struct Block {
  Block* next;
  Block* run_tail;
};

// In an ASan build every byte the heap has not handed out is poisoned, as a Pool's free blocks are, so a
// use after free or a read past a block is reported. The heap itself reads and writes the free-list links
// through these two unchecked accessors; without ASan they are plain loads and stores.
[[nodiscard, gnu::no_sanitize_address]] inline Block* next_of(const Block* b) noexcept { return b->next; }
[[gnu::no_sanitize_address]] inline void set_next(Block* b, Block* next) noexcept { b->next = next; }
[[nodiscard, gnu::no_sanitize_address]] inline Block* run_tail_of(const Block* b) noexcept { return b->run_tail; }
[[gnu::no_sanitize_address]] inline void set_run_tail(Block* b, Block* tail) noexcept { b->run_tail = tail; }

// Poisoning is decided at compile time: the fast paths of a build without ASan do not change.
inline void poison(const void* p, std::size_t n) noexcept {
  if constexpr (debug::asan_enabled) debug::poison(p, n);
}
inline void unpoison(const void* p, std::size_t n) noexcept {
  if constexpr (debug::asan_enabled) debug::unpoison(p, n);
}

// Segment::slice_bins' mark for a page that handed out an interior pointer: its frees take the slow path.
inline constexpr std::uint32_t interior_bin = class_count;
static_assert(interior_bin <= 0xff, "a slice's bin is one byte");

enum class PageState : std::uint8_t { unused, partial, full, empty, pooled };

// A run of blocks of one class; blocks are carved lazily from `start` so untouched memory stays uncommitted.
// A whole cache line each: free finds it with a shift, and pages of different classes (other locks) never
// share a line.
struct alignas(64) PageMeta {
  // Blocks given back to the central list, in runs of the class's batch size: the front run may be shorter
  // and its last block and length are kept here; each later run is full and its first block names its last.
  Block* free = nullptr;
  Block* run_tail = nullptr;
  std::uint32_t run_count = 0;
  char* start = nullptr;       // first block
  std::uint32_t capacity = 0;  // blocks that fit
  std::uint32_t carved = 0;    // blocks taken from the untouched tail so far
  std::uint32_t free_count = 0;
  std::uint32_t size_class = 0;  // pages of shared segments change class when they are lent again
  std::uint32_t block_size = 0;
  PageState state = PageState::unused;  // the class's view, under its lock
  bool taken = false;  // lent to a class or pooled; under page_lock for shared segments, else the class lock
  PageMeta* prev = nullptr;  // in the class's list of pages with free blocks, or in the pool of empty pages
  PageMeta* next = nullptr;
  std::chrono::steady_clock::time_point pooled_at{};  // when it entered the pool (PageState::pooled)
  [[nodiscard]] std::uint32_t available() const noexcept { return free_count + (capacity - carved); }
  [[nodiscard]] bool empty() const noexcept { return free_count == carved; }
};

// First bytes of every 4 MiB-aligned region the heap maps: the pointer -> class lookup of free().
struct SegmentHead {
  std::uint32_t size_class = 0;
  HeapState* heap = nullptr;
};

struct Segment : SegmentHead {
  std::uint32_t page_shift = 0;
  std::uint32_t page_count = 0;
  std::uint32_t pages_active = 0;
  Segment* prev = nullptr;  // all segments of the class (or all shared segments)
  Segment* next = nullptr;
  // Per 64 KiB slice, the class of the slice's page, or interior_bin once an aligned allocation handed out a
  // pointer inside one of its blocks, so that free takes the slow path that finds the block's start (a
  // division). Set for every slice of a page when it is lent (set_free_bin), with the heap's slice table.
  std::atomic<std::uint8_t> slice_bins[max_pages] = {};
  PageMeta pages[max_pages];

  [[nodiscard]] PageMeta& page_of(const void* p) noexcept {
    return pages[(reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(this)) >> page_shift];
  }
  [[nodiscard]] std::uint32_t free_bin_of(const void* p) const noexcept {
    return slice_bins[(reinterpret_cast<std::uintptr_t>(p) >> min_page_shift) % max_pages].load(std::memory_order_relaxed);
  }
  [[nodiscard]] bool has_interior(const void* p) const noexcept { return free_bin_of(p) == interior_bin; }
  [[nodiscard]] char* page_end(std::uint32_t i) noexcept {
    return reinterpret_cast<char*>(this) + (std::size_t{i + 1} << page_shift);
  }
};

// A block above max_small_size: its own mapping (aligned to at least 4 MiB, so no other large block's user
// pointer shares its first unit), this header in the 64 bytes right before the user block.
struct LargeBlock : SegmentHead {
  char* map_base = nullptr;
  std::size_t map_size = 0;
  std::size_t requested = 0;
  LargeBlock* prev = nullptr;
  LargeBlock* next = nullptr;
  LargeBlock* self = nullptr;  // == this: tells a header from user bytes when a pointer is not a block start
  [[nodiscard]] char* user() noexcept;
  [[nodiscard]] std::size_t usable() noexcept { return static_cast<std::size_t>(map_base + map_size - user()); }
};
inline constexpr std::size_t large_header_size = 64;
static_assert(sizeof(LargeBlock) <= large_header_size);
inline char* LargeBlock::user() noexcept { return reinterpret_cast<char*>(this) + large_header_size; }

// Counters owned by one thread and read by stats(): relaxed atomics, so the owner pays plain moves.
struct Counter {
  std::atomic<std::int64_t> value{0};
  void add(std::int64_t d) noexcept { value.store(value.load(std::memory_order_relaxed) + d, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

// A class's counters. Frees are not counted: the blocks out of the central list minus those in caches are
// the live ones, and allocations minus live blocks are the frees. Requested bytes are kept as the
// difference to the block size ("extra"), which the C-style calls never change: they count a small
// block's requested bytes as its block size.
struct ClassCounters {
  Counter allocations;
  Counter requested_extra;
};

// One class of a thread cache: the free list and the one counter its fast paths write, in one 32-byte
// piece of one cache line. The counter comes first: compilers address an atomic only through a register
// holding its address, and the bin's own address is in one on the fast path.
struct alignas(32) Bin {
  Counter allocations;
  Block* head = nullptr;
  std::uint32_t count = 0;  // read without the owner's cooperation by statistics (thread_cache.cpp)
  std::uint32_t limit = 0;  // blocks kept before a free flushes a batch (cache_limits)
};

// Blocks moved between a thread cache and the central list at once, and how many a cache keeps (2 batches).
[[nodiscard]] constexpr std::uint32_t batch_size(std::uint32_t c) noexcept {
  const std::size_t n = (std::size_t{16} * 1024) / class_block_size(c);
  return n < 1 ? 1 : n > 64 ? 64 : static_cast<std::uint32_t>(n);
}

inline constexpr auto class_sizes = [] {
  std::array<std::uint32_t, class_count> a{};
  for (std::uint32_t c = 0; c < class_count; ++c) a[c] = static_cast<std::uint32_t>(class_block_size(c));
  return a;
}();
inline constexpr auto batch_sizes = [] {
  std::array<std::uint32_t, class_count> a{};
  for (std::uint32_t c = 0; c < class_count; ++c) a[c] = batch_size(c);
  return a;
}();
inline constexpr auto cache_limits = [] {
  std::array<std::uint32_t, class_count> a{};
  for (std::uint32_t c = 0; c < class_count; ++c) a[c] = 2 * batch_size(c);
  return a;
}();

// Names a thread cache in the slice table: 16 bits of which exactly 8 are set, so that no cache's id holds
// every bit of another's (see SliceEntry). no_owner, the id of no cache, has none set: every cache's free of
// a block of a page without an owner is local.
using CacheId = std::uint16_t;
inline constexpr CacheId no_owner = 0;
inline constexpr CacheId first_cache_id = 0x00ff;
// The next id after `id` in increasing order (the next 16-bit value with 8 bits set), first_cache_id after
// the last one: C(16, 8) = 12870 caches have ids no other cache has.
[[nodiscard]] constexpr CacheId next_cache_id(CacheId id) noexcept {
  if (id == no_owner) return first_cache_id;
  const std::uint32_t x = id, lowest = x & (0u - x), ripple = x + lowest;
  const std::uint32_t next = (((ripple ^ x) >> 2) / lowest) | ripple;
  return next > 0xffff ? first_cache_id : static_cast<CacheId>(next);
}

// Blocks a thread freed remotely (ThreadCache::remote), held until a batch of them goes back to the central
// list at once: one lock per batch rather than per free.
struct RemoteFrees {
  Block* head = nullptr;
  std::uint32_t count = 0;  // read by statistics like Bin::count
};

// What a thread cache saw of one class at its last sweep (thread_cache_tick). A class that neither this cache
// allocated from, nor freed into, nor any thread refilled from during a whole sweep interval is idle: its
// cached blocks and the class's parked batches go back to their pages, so pages of a class the program has
// left become empty and are released. Otherwise a few dozen held blocks keep a few dozen pages resident with
// all their other free blocks (a program whose buffers grow through the classes held 2.3x its live bytes).
struct ClassActivity {
  std::int64_t allocations = 0;
  std::int64_t central_takes = 0;
  std::uint32_t cached = 0;  // blocks in the bin and the remote frees
  bool released = false;     // given back at an earlier sweep, nothing changed since
};
// Slow-path events (refills and flushes) of a thread cache between two sweeps of its classes.
inline constexpr std::uint32_t sweep_interval = 128;

struct ThreadCache {
  // One bin per class at offset 0, so that a bin's address is the one malloc computes; then a bin that
  // never has room (limit 0), where the slice table sends every free the fast path must not take.
  Bin bins[class_count];
  Bin no_room;  // at bin_entry(class_count)
  Counter requested_extra[class_count];  // written only by sized calls whose size is not the block size
  RemoteFrees remote[class_count];       // never handed out by this cache: see SliceEntry
  HeapState* heap = nullptr;
  std::uint32_t owner_bits = 0;  // its id in a slice entry's owner half; a new one when the cache is reused
  std::uint32_t entry_mask = 0;  // ~owner_bits: what free's fast path ANDs with a slice entry (no_cache: 0)
  ThreadCache** owner_slot = nullptr;  // the owner's TLS entry (cleared if the heap dies first); null once parked
  ThreadCache* prev = nullptr;
  ThreadCache* next = nullptr;
  std::uint32_t ticks_to_sweep = sweep_interval;
  ClassActivity seen[class_count];
};

// A slice table entry: in its low half the offset in bytes of a bin from the start of a thread cache, in its
// high half the id of the cache that last refilled from the slice's page (its owner), or no_owner. The fast
// path of free ANDs the entry with the cache's entry_mask (its id's bits cleared): the result is the bin's
// offset for the owner, and for every cache on a page without an owner; for any other cache at least 2^16
// (an id of 8 bits never lies within another's), a remote free, which takes the slow path. So a block freed
// by another thread never becomes that thread's next block: the page it came from is one the owner carves
// blocks from, next to blocks the owner's thread writes (passive false sharing). Only pages of classes whose
// blocks share cache lines get an owner (blocks_share_lines): a block of whole lines has no neighbour on
// them, and every thread frees it on its fast path.
using SliceEntry = std::uint32_t;
inline constexpr unsigned owner_shift = 16;
inline constexpr SliceEntry bin_mask = (SliceEntry{1} << owner_shift) - 1;
[[nodiscard]] constexpr SliceEntry owner_bits_of(CacheId id) noexcept { return SliceEntry{id} << owner_shift; }
// The offset of class `c`'s bin, and of no_room, the bin of no class.
[[nodiscard]] constexpr SliceEntry bin_entry(std::uint32_t c) noexcept { return static_cast<SliceEntry>(sizeof(Bin) * c); }
inline constexpr SliceEntry no_room_entry = bin_entry(class_count);
static_assert(no_room_entry <= bin_mask, "every bin's offset fits in a slice entry's low half");
// The class whose bin the low half of `entry` names: class_count for no_room (a page with interior pointers,
// a slice of no page).
[[nodiscard]] constexpr std::uint32_t entry_class(SliceEntry entry) noexcept {
  return static_cast<std::uint32_t>((entry & bin_mask) / sizeof(Bin));
}
[[nodiscard]] inline Bin& bin_at(ThreadCache& tc, SliceEntry offset) noexcept {
  return *reinterpret_cast<Bin*>(reinterpret_cast<char*>(&tc) + offset);
}
// Whether a free by `tc` of a block whose slice entry is `entry` is remote: the page is another cache's.
[[nodiscard]] inline bool is_remote_entry(SliceEntry entry, const ThreadCache& tc) noexcept {
  return (entry & tc.entry_mask) > bin_mask;
}

inline constexpr std::size_t cache_line = 64;
// Whether blocks of class `c` share cache lines with their neighbours (pages start on a line).
[[nodiscard]] constexpr bool blocks_share_lines(std::uint32_t c) noexcept { return class_block_size(c) % cache_line != 0; }

// The cache of a thread that has none for a heap: every bin empty and without room, so that the fast paths
// fall through to their slow paths without a test of their own. Never written.
extern constinit ThreadCache no_cache;

// The address range reserved for a heap's small-block segments, so that free's ownership test is one
// subtraction and one compare. Its first 4 MiB hold the slice table: per 64 KiB slice of the range, the
// entry of the thread-cache bin that takes the slice's blocks (bin_entry of the page's class), or 0 (the
// no_room bin) for a slice of no lent page, of a page with interior pointers, or of the table itself. Where
// the range cannot be reserved, or is full, segments are mapped on their own and their frees take the slow
// path; `base` of a heap without a range is no_range.
// 16 GiB of address space, reserved and committed as used: as much as Valgrind lets a program reserve at once
// with room to spare (64 GiB fails there).
inline constexpr std::size_t range_segments = 4096;
inline constexpr std::uintptr_t range_slices = std::uintptr_t{range_segments} << (segment_shift - min_page_shift);
// No user-space pointer p (below 2^47) has (p - no_range) >> 16 below range_slices: without a range the
// ownership test fails for every one.
inline constexpr std::uintptr_t no_range = std::uintptr_t{1} << 63;
static_assert(range_slices * sizeof(SliceEntry) <= segment_size, "the slice table fits in the first segment");

struct SegmentRange {
  std::uintptr_t base = no_range;
  Lock lock;  // a leaf: taken inside a class lock or page_lock (new_segment, free_segment)
  std::uint64_t used[range_segments / 64] = {};  // bit i: segment i of the range is in use (0: the table)
};

// The fast path's ownership test: false when `p` lies outside the range at `base`, else true with the
// slice table's entry for `p`.
[[nodiscard]] inline bool range_entry(std::uintptr_t base, const void* p, SliceEntry& entry) noexcept {
  const std::uintptr_t slice = (reinterpret_cast<std::uintptr_t>(p) - base) >> min_page_shift;
  if (slice >= range_slices) [[unlikely]] return false;
  entry = std::atomic_ref<SliceEntry>(reinterpret_cast<SliceEntry*>(base)[slice]).load(std::memory_order_relaxed);
  return true;
}
// The owner half of the slice entry of `p` (owner_bits_of its owner's id), or no owner's outside the range.
[[nodiscard]] inline SliceEntry owner_bits_at(std::uintptr_t base, const void* p) noexcept {
  SliceEntry entry = 0;
  return range_entry(base, p, entry) ? entry & ~bin_mask : owner_bits_of(no_owner);
}

// Full batches parked whole, so a flush from one thread and a refill of another cost O(1) under the lock
// instead of walking every block back to its page.
inline constexpr std::uint32_t transfer_slots = 8;

struct alignas(64) Central {
  Lock lock;
  Counter takes;  // refills and single blocks taken, by any thread: a class nobody takes from is idle (ClassActivity)
  Block* transfer[transfer_slots] = {};  // each a list of exactly batch_size(c) blocks
  // Per parked batch, the owner half of the slice entries of the cache it is bound for (central_give).
  SliceEntry transfer_owner[transfer_slots] = {};
  std::uint32_t transfer_count = 0;
  PageMeta* head = nullptr;  // pages with free blocks: partly used first, kept-empty ones at the tail
  PageMeta* tail = nullptr;
  Segment* segments = nullptr;
  std::uint32_t empty_kept = 0;
  std::size_t pages = 0;
  std::size_t committed = 0;
  std::size_t outstanding = 0;       // bytes of blocks out of this list (in caches or with callers)
  std::size_t peak_outstanding = 0;  // its high-water mark
};

// Freed large mappings kept for reuse (default alignment, up to 32 MiB each, 64 MiB in all), so that
// programs that allocate and free buffers of several MiB do not pay mmap, munmap and a page fault per
// touched page each time: a cached mapping is resized in place or moved with its pages (mremap) to the next
// request's size. One that no large allocation wanted while `large_cache_age` others were made is unmapped
// at the next large free, so a burst of large frees leaves no lasting resident memory behind.
struct CachedMapping {
  char* base;
  std::size_t size;
  std::uint64_t cached_at;  // HeapState::large_allocations when it was cached
};
inline constexpr std::uint32_t large_cache_slots = 8;
inline constexpr std::size_t large_cache_block_max = std::size_t{32} << 20;
inline constexpr std::size_t large_cache_bytes_max = std::size_t{64} << 20;
inline constexpr std::uint64_t large_cache_age = 64;
inline constexpr std::size_t large_reuse_slack = std::size_t{16} << 20;

struct HeapState {
  Central central[class_count];
  // 64 KiB pages shared by every class up to 8 KiB, so memory freed in one class serves another without
  // a madvise/page-fault round trip. Lock order: a class lock, then page_lock.
  Lock page_lock;
  Segment* shared_segments = nullptr;
  PageMeta* pooled_pages = nullptr;   // empty and still committed, ready for any class: newest first
  PageMeta* pooled_oldest = nullptr;  // the other end, where pages leave the pool for the OS
  std::size_t pooled_bytes = 0;
  Lock lock;  // caches, large blocks, retired counters
  ThreadCache* caches = nullptr;
  ThreadCache* spare_caches = nullptr;
  LargeBlock* large = nullptr;
  std::size_t large_blocks = 0;
  std::size_t large_bytes = 0;
  std::size_t large_requested = 0;
  std::uint64_t large_allocations = 0;
  std::uint64_t large_deallocations = 0;
  std::size_t large_peak = 0;  // high-water mark of large_bytes
  CachedMapping large_cache[large_cache_slots] = {};
  std::uint32_t large_cached = 0;
  std::size_t large_cached_bytes = 0;
  ClassCounters retired[class_count];  // counters of caches whose thread exited
  std::atomic<std::size_t> metadata{0};
  unsigned slot = 0;
  CacheId last_cache_id = no_owner;  // under lock: the id handed to a cache last
  // Bit i: the cache with id i is bound to a live thread; changed under lock, read without it. A page whose
  // owner is not live was left by a thread that exited (see hold_remote).
  std::atomic<std::uint64_t> live_owners[(std::size_t{1} << (8 * sizeof(CacheId))) / 64] = {};
  SegmentRange range;
};

// Whether the cache whose id is in the owner half `owner_bits` is bound to a live thread.
[[nodiscard]] inline bool owner_live(const HeapState& h, SliceEntry owner_bits) noexcept {
  const SliceEntry id = owner_bits >> owner_shift;
  return ((h.live_owners[id / 64].load(std::memory_order_relaxed) >> (id % 64)) & 1) != 0;
}

// Sets the bin that frees of page `page` of `s` go to (a class, or interior_bin), in the segment and, for a
// segment in its heap's range, in the slice table.
void set_free_bin(Segment& s, const PageMeta& page, std::uint32_t bin) noexcept;
// Makes `tc` the owner of the page of block `b` (in its heap's range; others have none). A refill of a class
// whose blocks share cache lines claims the page of the first block it took, from a page's free list or a
// parked batch alike, so that the thread's own frees of its blocks stay on its fast path. Only the first: claiming every block's page walked the
// batch (a miss per block) and cost producer/consumer and xmalloc 1.3-1.45x their time; blocks of other
// pages in a refill stay remote frees until a later refill starts on their page.
void claim_page(const ThreadCache& tc, const Block* b) noexcept;
// Whether a free of `p`, whose slice entry is `entry`, by the thread of cache `tc` is remote: its slice is
// another live thread's cache's. A page whose owner's thread has exited is claimed for `tc` instead: that
// thread writes next to none of its blocks any more, and the freeing thread keeps them from then on, as
// mimalloc reclaims an abandoned heap's pages (the threads of a larson-like server free their predecessors'
// blocks).
[[nodiscard]] bool is_remote_free(const ThreadCache& tc, SliceEntry entry, const void* p) noexcept;
// The same for `p` in segment `s`, outside the heap's range never remote.
[[nodiscard]] bool is_remote_free(const Segment& s, const void* p, const ThreadCache& tc) noexcept;

// The calling thread's cache per heap slot: trivially destructible, initial-exec TLS (no allocation on access).
struct ThreadSlots {
  // One more than there are heaps: caches[no_heap_slot] stays no_cache, so a fast path given that slot (its
  // heap does not exist yet) falls through to its slow path. A heap's entry is no_cache until the thread
  // makes its cache.
  ThreadCache* caches[Heap::max_heaps + 1];
  bool exiting;        // the thread's caches were returned; further calls go straight to the central lists
  bool key_installed;  // the thread-exit destructor is armed for this thread
};
inline constexpr unsigned no_heap_slot = Heap::max_heaps;
[[nodiscard]] constexpr ThreadSlots fresh_thread_slots() noexcept {
  ThreadSlots slots{};
  for (ThreadCache*& tc : slots.caches) tc = &no_cache;
  return slots;
}
extern constinit thread_local ThreadSlots tl_slots __attribute__((tls_model("initial-exec")));
// Where thread_locals die before the thread-exit callback runs (os.hpp), the slots live in OS memory that the
// thread key points to instead (thread_cache.cpp); null until the thread first uses a heap.
[[nodiscard]] ThreadSlots* keyed_thread_slots() noexcept;

// The calling thread's cache of the heap in `slot`, or no_cache.
[[nodiscard]] inline ThreadCache* current_cache(unsigned slot) noexcept {
  if constexpr (os::thread_locals_outlive_exit_callbacks) {
    return tl_slots.caches[slot];
  } else {
    const ThreadSlots* slots = keyed_thread_slots();
    return slots != nullptr ? slots->caches[slot] : &no_cache;
  }
}

// OS memory: map_aligned (os_memory.cpp) keeps mappings inside the unit maps' address range; the rest is
// the OS layer's. remap_aligned returns the new address or null (old mapping intact).
[[nodiscard]] void* map_aligned(std::size_t size, std::size_t align) noexcept;
// A heap's segment range (os_memory.cpp): reserved when the heap is made (base stays no_range when the OS
// refuses), a committed segment from it (null when none is left), a segment given back (decommitted; its
// slice table entries cleared first), and the whole range released with the heap.
void reserve_range(SegmentRange& range) noexcept;
[[nodiscard]] void* range_take_segment(SegmentRange& range) noexcept;
[[nodiscard]] bool range_holds(const SegmentRange& range, const void* p) noexcept;
void range_return_segment(SegmentRange& range, void* segment) noexcept;
void release_range(SegmentRange& range) noexcept;
using os::decommit;
using os::remap_aligned;
using os::unmap;

inline constexpr unsigned address_bits = 47;  // x86-64 / aarch64 user space with 4-level page tables
[[nodiscard]] inline bool in_address_range(std::uintptr_t a) noexcept { return (a >> address_bits) == 0; }

// What a 4 MiB unit of the address space holds, for free() and find_segment.
enum class UnitKind : std::uint8_t {
  none,
  segment,      // a small-block segment (the whole unit)
  large,        // the user pointer of a large block
  large_start,  // the user pointer of a large block, at the unit's first byte (alignment >= 4 MiB)
};

// One byte per 4 MiB unit of the address space, in zeroed .bss (32 MiB): the kernel backs only the pages
// that are touched. A byte rather than a bit, so that free's first question (is this one of the heap's
// segments?) is one load and one compare. Plain bytes accessed through atomic_ref, so the map is trivially
// zero-initialised.
class UnitMap {
 public:
  void set(const void* unit, UnitKind kind) noexcept {
    std::atomic_ref<UnitKind>(kinds_[index_of(unit)]).store(kind, std::memory_order_release);
  }
  // `unit` must lie in the address range.
  [[nodiscard]] UnitKind kind(const void* unit) const noexcept { return kind_at(index_of(unit)); }
  // Whether any address `p` (in the address range or not) lies in a small-block segment.
  [[nodiscard]] bool in_segment(const void* p) const noexcept {
    const std::uintptr_t index = index_of(p);
    return index < units && kind_at(index) == UnitKind::segment;
  }

 private:
  static constexpr std::size_t units = std::size_t{1} << (address_bits - segment_shift);
  [[nodiscard]] static std::uintptr_t index_of(const void* p) noexcept {
    return reinterpret_cast<std::uintptr_t>(p) >> segment_shift;
  }
  [[nodiscard]] UnitKind kind_at(std::uintptr_t index) const noexcept {
    // atomic_ref of a const object is C++26; the load does not write.
    return std::atomic_ref<UnitKind>(const_cast<UnitKind&>(kinds_[index])).load(std::memory_order_acquire);
  }
  UnitKind kinds_[units] = {};
};
extern constinit UnitMap unit_map;

[[nodiscard]] inline SegmentHead* segment_of(const void* p) noexcept {
  return reinterpret_cast<SegmentHead*>(reinterpret_cast<std::uintptr_t>(p) & ~(segment_size - 1));
}

// The header of the large block whose user pointer is `addr`, in a unit holding some large block's pointer
// (at its first byte when `at_unit_start`), or null (heap.cpp, which says what it may read). Out of line:
// small blocks never need it.
[[nodiscard]] LargeBlock* large_block_at(SegmentHead* unit, std::uintptr_t addr, bool at_unit_start) noexcept;

// The heap's header for `p` (its segment, or its large block), or null when no Heap mapped `p`.
[[nodiscard]] inline SegmentHead* find_segment(const void* p) noexcept {
  const auto addr = reinterpret_cast<std::uintptr_t>(p);
  if (!in_address_range(addr)) [[unlikely]] return nullptr;
  SegmentHead* unit = segment_of(p);
  const UnitKind kind = unit_map.kind(unit);
  if (kind == UnitKind::segment) [[likely]] return unit;
  return kind == UnitKind::none ? nullptr : large_block_at(unit, addr, kind == UnitKind::large_start);
}

// Central lists (central.cpp). take() returns up to n blocks linked through Block::next, lowest address first.
// `cache_count`, when given, is the count of the thread cache the blocks go to or come from: it changes under
// the class lock, together with the outstanding bytes, so heap_stats never counts a block both in a cache
// and with a caller. A refill of a cache may return more than n, up to 2n (the cache's limit): it takes whole
// runs of a page's free list.
// `owner` (owner_bits of a cache, or of no_owner) binds the blocks to a cache: a full batch given back is parked
// for it, and a refill for it takes a batch parked for it before any other. A cache's flushes are bound for
// itself and the remote frees it holds for their pages' owner, so blocks go back to the cache whose pages
// they are on instead of wandering between threads through the parked batches, where every crossing makes
// their next frees remote (larson, whose threads swap blocks all the time, took 1.3-1.5x its time).
std::uint32_t central_take(HeapState& h, std::uint32_t c, std::uint32_t n, Block** out,
                           std::uint32_t* cache_count = nullptr, SliceEntry owner = owner_bits_of(no_owner)) noexcept;
void central_give(HeapState& h, std::uint32_t c, Block* list, std::uint32_t count,
                  std::uint32_t* cache_count = nullptr, SliceEntry owner = owner_bits_of(no_owner)) noexcept;
void central_release_all(HeapState& h) noexcept;  // unmaps every segment (heap destruction)
// Returns class `c`'s parked batches to their pages (an idle class: ClassActivity).
void central_return_parked(HeapState& h, std::uint32_t c) noexcept;
// Returns parked batches to their pages and every empty page (kept ones and the shared pool) to the OS.
void central_collect(HeapState& h) noexcept;
[[nodiscard]] inline Block* block_start(const PageMeta& page, const void* p) noexcept {
  const auto offset = static_cast<std::size_t>(static_cast<const char*>(p) - page.start);
  return reinterpret_cast<Block*>(page.start + offset / page.block_size * page.block_size);
}
void lock_pages_for_fork(HeapState& h, bool acquire) noexcept;

// Whether `w` is the start of a block of a page of heap `h` lent to class `c`: what a free-list link of the
// class points to (or null, at a list's end). Reads only metadata of segments the heap has mapped.
[[nodiscard]] inline bool is_block_of_class(const HeapState& h, std::uint32_t c, const void* w) noexcept {
  const auto addr = reinterpret_cast<std::uintptr_t>(w);
  if (!in_address_range(addr) || addr % min_block_size != 0) return false;
  auto* s = static_cast<Segment*>(segment_of(w));
  if (unit_map.kind(s) != UnitKind::segment || s->heap != &h) return false;
  const PageMeta& page = s->page_of(w);
  const auto* at = static_cast<const char*>(w);
  return page.size_class == c && page.block_size != 0 && at >= page.start &&
         at < page.start + std::size_t{page.capacity} * page.block_size &&
         static_cast<std::size_t>(at - page.start) % page.block_size == 0;
}

// Whether the free list from `head` holds `b` within `limit` links. Links are checked to be blocks of class `c`
// before they are followed, so the walk stays in the heap's blocks even over a list another thread may be
// changing (a thread cache: then the answer may be stale, as the list itself is). Reads links of free blocks,
// which AddressSanitizer has poisoned, and other threads' lists without their lock.
[[nodiscard]] __attribute__((no_sanitize("address", "thread"))) inline bool list_holds(
    const HeapState& h, std::uint32_t c, const Block* head, std::uint32_t limit, const Block* b) noexcept {
  for (const Block* at = head; at != nullptr && limit > 0; at = at->next, --limit) {
    if (at == b) return true;
    if (!is_block_of_class(h, c, at)) return false;
  }
  return false;
}

// Where a free block of class `c` can sit, for the exact half of the double-free check; both under h.lock and
// the class lock, which keep every block of the class out of the central list's hands while they look.
// central_holds: a parked batch, its page's free list, or its page's never carved tail.
[[nodiscard]] bool central_holds(HeapState& h, std::uint32_t c, const Block* b) noexcept;
// caches_hold: any thread's cache or remote frees, the caller's included.
[[nodiscard]] bool caches_hold(const HeapState& h, std::uint32_t c, const Block* b) noexcept;

// Thread caches and the process hooks (thread_cache.cpp).
[[nodiscard]] ThreadCache* thread_cache_for(HeapState& h) noexcept;  // null once the thread is exiting
void thread_cache_flush(ThreadCache& tc, std::uint32_t c, std::uint32_t keep) noexcept;
// Counts a slow-path event of `tc` (a refill or a flush); every sweep_interval of them, gives back what the
// cache and the central lists hold of the classes that stayed idle since the last sweep (ClassActivity).
void thread_cache_tick(ThreadCache& tc) noexcept;
// Holds `b`, a block of class `c` freed remotely, for the central list (a whole batch goes back at once).
void thread_cache_hold_remote(ThreadCache& tc, std::uint32_t c, Block* b) noexcept;
void thread_cache_collect(ThreadCache& tc) noexcept;
void thread_cache_release_all(HeapState& h) noexcept;  // heap destruction, after unregister_heap
// Counts an allocation (`extra` as in ClassCounters) or, with `allocation` false, the requested bytes of a
// free made without a cache (thread exiting) into the heap's retired counters.
void count_uncached(HeapState& h, std::uint32_t c, bool allocation, std::int64_t extra) noexcept;
// Adds the allocations, cached blocks and requested extra of class `c` in every live cache to `into`.
void sum_cache_counters(const HeapState& h, std::uint32_t c, std::int64_t (&into)[3]) noexcept;
// Null when no slot is free (`no_slot` set) or mmap fails.
[[nodiscard]] HeapState* register_heap(bool& no_slot) noexcept;
// First step of ~Heap: from here on no thread reaches `h` through its TLS, exiting threads included.
void unregister_heap(HeapState& h) noexcept;
void release_heap_state(HeapState& h) noexcept;  // last step of ~Heap

}  // namespace fm::heap
