// Pool: fixed-size blocks carved from pages of N blocks, an intrusive free list, and an occupancy bitmap per
// page. Grows a page at a time up to a budget, can give empty pages back, and reports the DESIGN.md pool
// metrics (occupancy, page fragmentation, releasable bytes, free-list scatter). Single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fm/alloc/upstream.hpp"
#include "fm/core/align.hpp"
#include "fm/core/allocator.hpp"
#include "fm/core/metrics.hpp"
#include "fm/debug/sanitizer.hpp"

namespace fm {

namespace testing {
struct PoolProbe;  // defined by the tests that reach into a pool's change stamps
}  // namespace testing

struct PoolOptions {
  std::size_t blocks_per_page = 0;  // at least this many blocks per page; 0 fills a 4 KiB page (8 blocks minimum)
  std::size_t budget = std::numeric_limits<std::size_t>::max();  // bytes the pool may take from its parent
  std::size_t initial_pages = 0;                                 // pages committed by the constructor
  std::string_view name = "pool";
  // Where pages come from; the global heap when null. A page is aligned to its size: a parent that cannot align
  // that far is asked for more and the page is aligned inside, so any fm allocator can be the parent.
  AllocatorRef parent = {};
};

// One page as the overlay draws it: where its blocks are and which of them are live. No allocation.
struct PageInfo {
  const std::byte* page = nullptr;         // page start (its header)
  const std::byte* first_block = nullptr;  // block i is at first_block + i * stride
  std::size_t stride = 0;
  std::size_t blocks = 0;
  std::size_t live = 0;
  std::span<const std::uint64_t> bitmap;  // bit i % 64 of word i / 64 set: block i is live

  [[nodiscard]] bool is_live(std::size_t i) const noexcept { return ((bitmap[i / 64] >> (i % 64)) & 1u) != 0; }
  [[nodiscard]] double occupancy() const noexcept { return metrics::occupancy(live, blocks); }
};

struct PoolStats {
  std::size_t block_size = 0;  // usable bytes per block (at least one pointer)
  std::size_t block_align = 0;
  std::size_t stride = 0;  // distance between blocks
  std::size_t blocks_per_page = 0;
  std::size_t page_bytes = 0;
  std::size_t pages = 0;
  std::size_t full_pages = 0;
  std::size_t empty_pages = 0;
  std::size_t partial_pages = 0;
  std::size_t live_blocks = 0;
  std::size_t committed_blocks = 0;
  std::size_t releasable_bytes = 0;  // bytes release_empty_pages() would give back to the parent
  std::size_t oversize_bytes = 0;    // live bytes of requests larger than a block, served by the parent
  std::size_t budget = 0;
  double occupancy = 0;          // live / committed blocks
  double page_fragmentation = 0;  // partial pages / pages
  // Free-list links (block -> next free block) whose two blocks are not address neighbours (one stride apart,
  // either direction) / links: 0 when the next allocations walk memory in order, 1 when every one jumps.
  double free_list_scatter = 0;
};

class Pool {
 public:
  // Blocks of `block_size` bytes aligned to `block_align` (a power of two up to fm::max_alignment).
  // Throws fm::bad_alignment, std::invalid_argument for a block over 1 GiB, fm::out_of_memory for initial pages.
  Pool(std::size_t block_size, std::size_t block_align, PoolOptions options = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // Moving hands the pages, live blocks, counters and page tags over, so blocks allocated before the move are
  // freed through the new object (a page's owner tag comes from a per-pool key, not the address). The moved-from
  // pool holds no memory and may only be destroyed, assigned to, or asked page_count(), live_blocks(), stats()
  // and pool_stats() (all zero) and name(). Assigning over a pool gives its pages back first. What refers to
  // the pool by address (AllocatorRef, TypedPool, debug layers, a MemorySystem registration, a child using it
  // as parent) still refers to the old object: move a pool before anything refers to it.
  Pool(Pool&& other) noexcept;
  Pool& operator=(Pool&& other) noexcept;

  // A block when size/align fit one; a larger request (e.g. std::vector's n > 1) goes to the parent allocator
  // and counts against the budget. Throws fm::bad_alignment or fm::out_of_memory (budget or parent).
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = 1) {
    if (fits_block(size, align)) {
      if (void* p = pop()) return p;
    }
    return allocate_slow(size, align);
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = 1) noexcept {
    if (fits_block(size, align)) {
      if (void* p = pop()) return p;
    }
    return try_allocate_slow(size, align);
  }
  // With FM_CHECKED, what check_free rejects throws and changes nothing; without it, it is undefined behaviour.
  void deallocate(void* p, std::size_t size, std::size_t align = 1) {
    if (p == nullptr) return;
    if (!fits_block(size, align)) return deallocate_oversize(p, size, align);
#if FM_CHECKED
    push(checked_block(p), p);
#else
    Page* page = page_of(p);
    push({page, index_of(page, p)}, p);
#endif
  }

  // Throws the fm::error that a checked deallocate(p, size, align) throws, changing nothing: fm::bad_free for a
  // foreign pointer, a double free, a pool block freed with a size or alignment that does not fit a block, or
  // more oversize bytes than are live; fm::bad_alignment for an alignment no allocate accepts. Oversize frees
  // are checked by the parent too when it can check. Runs in every build: debug layers call it before they touch
  // a block.
  void check_free(const void* p, std::size_t size, std::size_t align = 1) const;

  // Gives pages without live blocks back to the parent; returns the bytes released.
  std::size_t release_empty_pages();

  // True for a block inside this pool's pages (live or free); oversize requests are not tracked.
  [[nodiscard]] bool owns(const void* p) const noexcept;
  // True for a block of this pool that is currently handed out.
  [[nodiscard]] bool is_live(const void* p) const noexcept;

  [[nodiscard]] std::size_t page_count() const noexcept { return pages_.size(); }
  // Pages in address order (pages added out of order since the last call are sorted in first).
  [[nodiscard]] PageInfo page_info(std::size_t i) const noexcept;
  template <class F>
  void for_each_page(F&& f) const {
    for (std::size_t i = 0; i < pages_.size(); ++i) f(page_info(i));
  }
  // Calls f(void*) for every live block, page by page in address order.
  template <class F>
  void for_each_live_block(F&& f) const {
    for (std::size_t i = 0; i < pages_.size(); ++i) {
      const PageInfo info = page_info(i);
      for (std::size_t b = 0; b < info.blocks; ++b) {
        if (info.is_live(b)) f(const_cast<std::byte*>(info.first_block + b * info.stride));
      }
    }
  }

  // The page change log, for readers that keep a copy of every page's live blocks (the memory system's page
  // rows) and refresh it at a cost proportional to what changed. Allocate and free append each page whose
  // blocks change to the log, once per round. A reader reads its pages, then calls mark_changes_read(), which
  // starts a new round and returns the epoch and the reader's position in the log; at its next read, while
  // change_epoch() is still that epoch, only the pages logged from that position on can differ from its copy.
  // Any number of readers follow the log this way, each from its own position. A new epoch, numbered apart
  // from every other pool's in the process, starts with an empty log when pages are added, released or moved
  // in, or when the log has no room for another round of every page (after about three rounds of changes to
  // every page): then each reader reads every page again.
  struct ChangeLogPosition {
    std::uint64_t epoch = 0;  // never an epoch of any pool
    std::size_t logged = 0;   // entries of changed_pages() the reader has seen
  };
  [[nodiscard]] std::uint64_t change_epoch() const noexcept { return change_epoch_; }
  // Page starts (PageInfo::page) logged in this epoch, oldest first; a page appears again for each round in
  // which it changed.
  [[nodiscard]] std::span<const std::byte* const> changed_pages() const noexcept {
    return {reinterpret_cast<const std::byte* const*>(changed_pages_.data()), changed_count_};
  }
  // Ends the log's round for a reader that has just read every page it keeps: pages changed from now on are
  // logged again. Returns where that reader now is in the log.
  ChangeLogPosition mark_changes_read() noexcept;
  // Address-order index (as page_info takes it) of the page starting at `page`, or page_count() when that is
  // not a page of this pool. O(log pages).
  [[nodiscard]] std::size_t page_index(const std::byte* page) const noexcept;

  // O(1): reads counters that allocate and free keep current, so a per-frame snapshot costs the same whatever
  // the pool holds.
  [[nodiscard]] PoolStats pool_stats() const noexcept;
  // bytes_used counts whole blocks plus oversize bytes; bytes_peak is the block peak plus the oversize peak
  // (exact for a pool that only hands out blocks, an upper bound when oversize requests are mixed in).
  [[nodiscard]] AllocatorStats stats() const noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return name_; }
  [[nodiscard]] std::size_t block_size() const noexcept { return block_size_; }
  [[nodiscard]] std::size_t block_align() const noexcept { return block_align_; }
  [[nodiscard]] std::size_t blocks_per_page() const noexcept { return blocks_per_page_; }
  [[nodiscard]] std::size_t page_bytes() const noexcept { return page_bytes_; }
  [[nodiscard]] std::size_t live_blocks() const noexcept {
    return static_cast<std::size_t>(block_allocations_ - block_deallocations_);
  }
  [[nodiscard]] std::size_t budget() const noexcept { return budget_; }
  // Blocks are aligned to block_align(); oversize requests get what the parent gives, up to fm::max_alignment.
  [[nodiscard]] std::size_t max_alignment() const noexcept;

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  // Page header at the page start; the bitmap words follow it (the first ones on the header's cache line), the
  // blocks start header_bytes_ in.
  struct Page {
    std::uint64_t owner;   // owner_tag(page) while the page is this pool's, 0 once given back
    std::uint32_t live;    // live blocks, kept by pop/push so page counts need no bitmap scan
    std::uint32_t logged;  // change_stamp_ of the round in which the page was last logged, 0 for none
    std::size_t lead;      // bytes from what the parent handed out to the page start (0 when it aligned the page)
  };
  // A block and where it lives.
  struct BlockRef {
    Page* page;
    std::size_t index;
  };

  [[nodiscard]] bool fits_block(std::size_t size, std::size_t align) const noexcept {
    return size <= block_size_ && align <= block_align_ && is_pow2(align);
  }
  [[nodiscard]] Page* page_of(const void* p) const noexcept {
    return reinterpret_cast<Page*>(reinterpret_cast<std::uintptr_t>(p) & page_mask_);
  }
  [[nodiscard]] static std::uint64_t* bitmap_of(Page* page) noexcept {
    return reinterpret_cast<std::uint64_t*>(reinterpret_cast<std::byte*>(page) + sizeof(Page));
  }
  [[nodiscard]] static const std::uint64_t* bitmap_of(const Page* page) noexcept {
    return reinterpret_cast<const std::uint64_t*>(reinterpret_cast<const std::byte*>(page) + sizeof(Page));
  }
  // Block index by exact division (multiply by the inverse of the stride's odd part): blocks are exact multiples.
  [[nodiscard]] std::size_t index_of(const Page* page, const void* p) const noexcept {
    const auto offset = static_cast<std::size_t>(static_cast<const std::byte*>(p) -
                                                 reinterpret_cast<const std::byte*>(page) - header_bytes_);
    return (offset >> stride_shift_) * stride_inverse_;
  }
  [[nodiscard]] static FreeBlock* read_link(const FreeBlock* b) noexcept {
    if (debug::annotations_active) debug::unpoison(b, sizeof(FreeBlock));
    FreeBlock* next = b->next;
    if (debug::annotations_active) debug::poison(b, sizeof(FreeBlock));
    return next;
  }
  static void write_link(FreeBlock* b, FreeBlock* next) noexcept {
    if (debug::annotations_active) debug::unpoison(b, sizeof(FreeBlock));
    b->next = next;
    if (debug::annotations_active) debug::poison(b, sizeof(FreeBlock));
  }
  // 1 when a free-list link from `b` to `next` (both blocks) jumps, else 0. Distinct blocks lie at least a
  // stride apart, so they are neighbours exactly when next - b + stride is at most two strides.
  [[nodiscard]] std::size_t jumps(const FreeBlock* b, const FreeBlock* next) const noexcept {
    const std::uintptr_t d = reinterpret_cast<std::uintptr_t>(next) - reinterpret_cast<std::uintptr_t>(b);
    return d + stride_ > two_strides_ ? 1 : 0;
  }
  // Puts `b` at the head of the free list, counting the link it makes for free_list_scatter.
  void link_front(FreeBlock* b) noexcept {
    if (free_ != nullptr && jumps(b, free_) != 0) ++free_jumps_;
    write_link(b, free_);
    free_ = b;
  }
  // Logs `page` as changed in this epoch (the first change only; later ones find it logged).
  void log_change(Page* page) noexcept {
    if (page->logged == change_stamp_) return;
    page->logged = change_stamp_;
    changed_pages_[changed_count_++] = page;
  }

  // Fast paths: pop/push the free-list head, flip the block's bit, and keep the counters pool_stats() reads.
  [[nodiscard]] void* pop() noexcept {
    FreeBlock* b = free_;
    if (b == nullptr) return nullptr;
    free_ = read_link(b);
    if (free_ != nullptr && jumps(b, free_) != 0) --free_jumps_;
    Page* page = page_of(b);
    const std::size_t i = index_of(page, b);
    bitmap_of(page)[i / 64] |= std::uint64_t{1} << (i % 64);
    log_change(page);
    if (page->live++ == 0) --empty_pages_;
    if (page->live == blocks_per_page_) ++full_pages_;
    const std::size_t live = ++block_allocations_ - block_deallocations_;
    if (live > peak_live_) peak_live_ = live;
    if (debug::annotations_active) debug::block_allocated(b, block_size_);
    return b;
  }
  void push(BlockRef block, void* p) noexcept {
    Page* page = block.page;
    const std::size_t i = block.index;
    bitmap_of(page)[i / 64] &= ~(std::uint64_t{1} << (i % 64));
    log_change(page);
    if (page->live-- == blocks_per_page_) --full_pages_;
    if (page->live == 0) ++empty_pages_;
    ++block_deallocations_;
    if (debug::annotations_active) debug::block_freed(p, block_size_);
    link_front(static_cast<FreeBlock*>(p));
  }

  // What a page of this pool carries in its header: unlike the pool's address alone, a value that foreign
  // memory does not hold by accident (and a page of another pool never does).
  [[nodiscard]] std::uint64_t owner_tag(const Page* page) const noexcept {
    return owner_key_ ^ reinterpret_cast<std::uintptr_t>(page);
  }
  // Block `p` of ours, or a null page (foreign pointer, or not on a block boundary). O(1): where reading the
  // header under a foreign pointer is safe (tagged_pages_), the owner tag on the bitmap's cache line says the
  // page is ours; anything else, including a tag that does not match, asks the page table.
  [[nodiscard]] BlockRef find_block(const void* p) const noexcept {
    return locate(p, [] { return BlockRef{nullptr, 0}; });
  }
  // find_block, with what `foreign()` returns in place of a null page (so a checked free tests once).
  template <class Foreign>
  [[nodiscard]] BlockRef locate(const void* p, Foreign&& foreign) const {
    Page* page = page_of(p);
    if (!(tagged_pages_ && page->owner == owner_tag(page)) && !in_page_table(page)) return foreign();
    const auto offset = static_cast<std::size_t>(static_cast<const std::byte*>(p) -
                                                 reinterpret_cast<const std::byte*>(page) - header_bytes_);
    // index_of multiplies by the inverse of the stride's odd part: an offset that is not a multiple of it
    // gives an index far past the page, so one compare checks the odd part and a mask the power of two.
    const std::size_t i = index_of(page, p);
    if (i >= blocks_per_page_ || (offset & stride_low_mask_) != 0) return foreign();
    return {page, i};
  }
  [[nodiscard]] bool in_page_table(const Page* page) const noexcept {
    // One branch for the usual case (home slot or the next one), so random-order frees do not mispredict.
    Page* const* slot = page_table_.data() + page_slot(page);
    if ((slot[0] == page) | (slot[1] == page)) return true;
    for (slot += 2; *slot != page; ++slot) {
      if (*slot == nullptr) return false;
    }
    return true;
  }
  // Live block `p`; throws fm::bad_free for a foreign pointer or a block that is already free.
  [[nodiscard]] BlockRef checked_block(const void* p) const {
    const BlockRef block = locate(p, [&]() -> BlockRef { throw_foreign(p); });
    if (((bitmap_of(block.page)[block.index / 64] >> (block.index % 64)) & 1u) == 0) throw_double_free(p);
    return block;
  }
  [[nodiscard]] std::size_t page_slot(const Page* page) const noexcept {
    const auto key = reinterpret_cast<std::uintptr_t>(page) >> page_shift_;
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> table_shift_);
  }

  [[nodiscard]] void* allocate_slow(std::size_t size, std::size_t align);
  [[nodiscard]] void* try_allocate_slow(std::size_t size, std::size_t align) noexcept;
  [[nodiscard]] bool add_page() noexcept;
  [[nodiscard]] bool track_page(Page* page) noexcept;
  void sort_pages() const noexcept;
  void release_all_pages() noexcept;
  [[nodiscard]] bool within_budget(std::size_t more) const noexcept;
  void deallocate_oversize(void* p, std::size_t size, std::size_t align);
  void check_oversize_free(const void* p, std::size_t size, std::size_t align) const;
  void give_back(Page* page) noexcept;
  [[noreturn]] void throw_foreign(const void* p) const;
  [[noreturn]] void throw_double_free(const void* p) const;
  [[noreturn]] void throw_size_mismatch(const void* p, std::size_t size, std::size_t align) const;
  void rebuild_page_table(std::size_t slots);
  void insert_into_table(Page* page) noexcept;
  // The log cannot say which pages differ from a reader's copy any more (pages came, went or were moved in, or
  // it is out of room): a new epoch starts with an empty log.
  void lose_change_log() noexcept;
  void advance_change_stamp() noexcept;
  friend struct testing::PoolProbe;

  std::size_t block_size_;
  std::size_t block_align_;
  std::size_t stride_;
  std::size_t stride_shift_ = 0;
  std::size_t stride_low_mask_ = 0;  // (1 << stride_shift_) - 1
  std::size_t two_strides_ = 0;
  std::size_t stride_inverse_ = 1;
  std::size_t blocks_per_page_ = 0;
  std::size_t header_bytes_ = 0;
  std::size_t page_bytes_ = 0;
  std::uintptr_t page_mask_ = 0;  // ~(page_bytes_ - 1): an address & page_mask_ is its page
  unsigned page_shift_ = 0;  // log2(page_bytes_)
  std::size_t page_request_bytes_ = 0;  // what a page costs from the parent: page_bytes_ plus room to align it
  std::size_t page_request_align_ = 0;
  std::size_t budget_;
  // Page headers carry owner_tag(): true where reading a page header under any pointer is safe (the page lies
  // within the OS page of the pointer) and no sanitizer or Valgrind watches that read.
  bool tagged_pages_ = false;
  std::uint64_t owner_key_ = 0;
  FreeBlock* free_ = nullptr;
  std::size_t free_jumps_ = 0;  // free-list links (free blocks - 1) that join blocks that are not neighbours
  std::size_t empty_pages_ = 0;
  std::size_t full_pages_ = 0;
  // In the order added; the first sorted_pages_ are in address order, and readers that promise address order
  // sort the rest in first (a new page usually lies above the others, so that is rarely needed). Sorting
  // changes no observable state, hence mutable.
  mutable std::vector<Page*> pages_;
  mutable std::size_t sorted_pages_ = 0;
  // Hash set of pages_ with linear probing that never wraps: keys hash into the first half (a power of two,
  // at least twice the pages), so every probe run ends on a null before the end of the second half. It
  // doubles when the pages outgrow it, so adding a page costs amortized O(1).
  std::vector<Page*> page_table_;
  unsigned table_shift_ = 0;  // 64 - log2(page_table_.size() / 2)
  // The page change log: the first changed_count_ entries of changed_pages_ are this epoch's. A page is logged
  // when its stamp differs from change_stamp_, which each mark_changes_read() advances, so a page is logged at
  // most once per round (a page added during a round is stamped as logged: the epoch starts anew anyway). The
  // log has room for four rounds of every page; a round that starts with less room than one round starts a new
  // epoch. Stamp 0 is never current: when the stamps wrap every page is set back to it, so a page stamped
  // 2^32 rounds ago cannot pass as logged and the log stays complete.
  std::uint64_t change_epoch_ = 0;  // set by the constructor
  std::uint32_t change_stamp_ = 1;
  std::size_t changed_count_ = 0;
  std::vector<Page*> changed_pages_;
  std::uint64_t block_allocations_ = 0;  // cumulative; live blocks = allocations - deallocations
  std::uint64_t block_deallocations_ = 0;
  std::size_t peak_live_ = 0;  // most blocks live at once
  std::size_t committed_bytes_ = 0;  // bytes taken from the parent for pages
  std::size_t oversize_bytes_ = 0;
  std::size_t oversize_peak_ = 0;
  std::uint64_t oversize_allocations_ = 0;
  std::uint64_t oversize_deallocations_ = 0;
  Upstream upstream_;
  std::string name_;
};

}  // namespace fm
