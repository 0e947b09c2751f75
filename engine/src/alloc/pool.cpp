// Pool's slow paths: page geometry, growing and releasing pages, oversize requests, misuse checks, metrics.
#include "fm/alloc/pool.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <functional>
#include <new>
#include <stdexcept>
#include <utility>

#include "fm/core/move_assign.hpp"

namespace fm {
namespace {

constexpr std::size_t default_page_bytes = 4096;
constexpr std::size_t min_blocks_per_page = 8;
constexpr std::size_t max_block_size = std::size_t{1} << 30;
constexpr std::size_t min_table_slots = 16;
// The smallest page an OS maps (x86-64 Linux and Windows): a pool page no larger than this, aligned to its
// size, lies inside the OS page of any pointer into it, so its header can be read under a foreign pointer.
constexpr std::size_t smallest_os_page = 4096;

// A key per pool for its page tags: mixes the pool's address with a process-wide count (splitmix64), so
// pools made at one address one after the other still differ.
[[nodiscard]] std::uint64_t fresh_owner_key(const void* pool) noexcept {
  static std::atomic<std::uint64_t> pools_made{0};
  std::uint64_t z = reinterpret_cast<std::uintptr_t>(pool) + 0x9E3779B97F4A7C15ull *
                                                                  (1 + pools_made.fetch_add(1, std::memory_order_relaxed));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) | 1;  // never 0, so a page given back (owner 0) never matches
}

// Change epochs are numbered process-wide, so no two pools (nor one pool before and after a move) share one
// and a reader that remembers an epoch never mistakes another pool's log for the one it read.
[[nodiscard]] std::uint64_t fresh_change_epoch() noexcept {
  static std::atomic<std::uint64_t> started{0};
  return started.fetch_add(1, std::memory_order_relaxed) + 1;
}

[[nodiscard]] std::size_t bitmap_words(std::size_t blocks) noexcept { return (blocks + 63) / 64; }

// Inverse of an odd number modulo 2^64 (Newton's iteration doubles the correct bits each step).
[[nodiscard]] std::size_t odd_inverse(std::size_t odd) noexcept {
  std::size_t x = odd;
  for (int i = 0; i < 6; ++i) x *= 2 - odd * x;
  return x;
}

[[nodiscard]] std::string address(const void* p) {
  char buf[32];
  // Not %p: its format is the C library's choice (Windows prints no 0x); messages read the same everywhere.
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(p)));
  return buf;
}

}  // namespace

Pool::Pool(std::size_t block_size, std::size_t block_align, PoolOptions options)
    : block_size_(std::max(block_size, sizeof(FreeBlock))),
      block_align_(std::max(block_align, alignof(FreeBlock))),
      stride_(0),
      budget_(options.budget),
      upstream_(options.parent),
      name_(options.name) {
  check_alignment(name_, block_align, fm::max_alignment);
  if (block_size > max_block_size) {
    raise(std::invalid_argument("pool '" + name_ + "': block size " + std::to_string(block_size) +
                                " exceeds the 1 GiB limit"));
  }
  stride_ = align_up(block_size_, block_align_);
  stride_shift_ = static_cast<std::size_t>(std::countr_zero(stride_));
  stride_low_mask_ = (std::size_t{1} << stride_shift_) - 1;
  two_strides_ = 2 * stride_;
  stride_inverse_ = odd_inverse(stride_ >> stride_shift_);

  // Pages are a power of two in size (and aligned to it) so a block finds its page by masking its address.
  const std::size_t wanted = options.blocks_per_page != 0 ? options.blocks_per_page : min_blocks_per_page;
  auto header_for = [&](std::size_t blocks) {
    return align_up(sizeof(Page) + bitmap_words(blocks) * sizeof(std::uint64_t), block_align_);
  };
  page_bytes_ = std::bit_ceil(header_for(wanted) + wanted * stride_);
  if (options.blocks_per_page == 0) page_bytes_ = std::max(page_bytes_, default_page_bytes);
  for (;;) {
    header_bytes_ = header_for(page_bytes_ / stride_);
    blocks_per_page_ = (page_bytes_ - header_bytes_) / stride_;
    if (blocks_per_page_ >= wanted) break;
    page_bytes_ *= 2;
  }

  if (blocks_per_page_ > std::numeric_limits<std::uint32_t>::max()) {
    raise(std::invalid_argument("pool '" + name_ + "': " + std::to_string(blocks_per_page_) +
                                " blocks per page exceed the limit of 2^32 - 1"));
  }
  page_mask_ = ~static_cast<std::uintptr_t>(page_bytes_ - 1);
  page_shift_ = static_cast<unsigned>(std::countr_zero(page_bytes_));
  tagged_pages_ = page_bytes_ <= smallest_os_page && !debug::annotations_active && !FM_HAS_TSAN;
  owner_key_ = fresh_owner_key(this);
  // A parent that cannot align a page to its size gives page_bytes_ - its alignment more, so an aligned page
  // always fits inside; the global heap (aligned operator new) aligns to any power of two.
  const std::size_t parent_align =
      upstream_.parent() ? std::bit_floor(std::max<std::size_t>(upstream_.parent().max_alignment(), 1)) : page_bytes_;
  page_request_align_ = std::min(page_bytes_, parent_align);
  page_request_bytes_ = page_bytes_ + (page_bytes_ - page_request_align_);
  rebuild_page_table(min_table_slots);
  lose_change_log();  // numbers the first epoch
  for (std::size_t i = 0; i < options.initial_pages; ++i) {
    if (!add_page()) {
      const std::size_t requested = options.initial_pages * page_request_bytes_;
      release_all_pages();
      raise(out_of_memory(options.name, requested, page_bytes_, budget_, "initial pages exceed the budget or parent"));
    }
  }
}

Pool::~Pool() { release_all_pages(); }

Pool::Pool(Pool&& other) noexcept
    : block_size_(other.block_size_),
      block_align_(other.block_align_),
      stride_(other.stride_),
      stride_shift_(other.stride_shift_),
      stride_low_mask_(other.stride_low_mask_),
      two_strides_(other.two_strides_),
      stride_inverse_(other.stride_inverse_),
      blocks_per_page_(other.blocks_per_page_),
      header_bytes_(other.header_bytes_),
      page_bytes_(other.page_bytes_),
      page_mask_(other.page_mask_),
      page_shift_(other.page_shift_),
      page_request_bytes_(other.page_request_bytes_),
      page_request_align_(other.page_request_align_),
      budget_(other.budget_),
      tagged_pages_(other.tagged_pages_),
      owner_key_(std::exchange(other.owner_key_, 0)),  // no page of ours matches a key of 0
      free_(std::exchange(other.free_, nullptr)),
      free_jumps_(std::exchange(other.free_jumps_, 0)),
      empty_pages_(std::exchange(other.empty_pages_, 0)),
      full_pages_(std::exchange(other.full_pages_, 0)),
      pages_(std::exchange(other.pages_, {})),
      sorted_pages_(std::exchange(other.sorted_pages_, 0)),
      page_table_(std::exchange(other.page_table_, {})),
      table_shift_(other.table_shift_),
      change_epoch_(fresh_change_epoch()),  // a reader of the other pool's pages has no copy of ours
      change_stamp_(other.change_stamp_),
      changed_count_(std::exchange(other.changed_count_, 0)),
      changed_pages_(std::exchange(other.changed_pages_, {})),
      block_allocations_(std::exchange(other.block_allocations_, 0)),
      block_deallocations_(std::exchange(other.block_deallocations_, 0)),
      peak_live_(std::exchange(other.peak_live_, 0)),
      committed_bytes_(std::exchange(other.committed_bytes_, 0)),
      oversize_bytes_(std::exchange(other.oversize_bytes_, 0)),
      oversize_peak_(std::exchange(other.oversize_peak_, 0)),
      oversize_allocations_(std::exchange(other.oversize_allocations_, 0)),
      oversize_deallocations_(std::exchange(other.oversize_deallocations_, 0)),
      upstream_(other.upstream_),
      name_(std::move(other.name_)) {
  other.lose_change_log();
}

Pool& Pool::operator=(Pool&& other) noexcept { return detail::move_assign(*this, std::move(other)); }

void Pool::give_back(Page* page) noexcept {
  if (debug::annotations_active) debug::unpoison(page, page_bytes_);
  page->owner = 0;  // the memory goes back to the parent: a stale pointer into it must not pass as ours
  upstream_.deallocate(reinterpret_cast<std::byte*>(page) - page->lead, page_request_bytes_, page_request_align_);
}

void Pool::release_all_pages() noexcept {
  for (Page* page : pages_) give_back(page);
  pages_.clear();
  sorted_pages_ = 0;
  page_table_.assign(page_table_.size(), nullptr);
  committed_bytes_ = 0;
  free_ = nullptr;
  free_jumps_ = empty_pages_ = full_pages_ = 0;
  lose_change_log();
}

bool Pool::within_budget(std::size_t more) const noexcept {
  const std::size_t taken = committed_bytes_ + oversize_bytes_;
  return taken <= budget_ && more <= budget_ - taken;
}

void* Pool::try_allocate_slow(std::size_t size, std::size_t align) noexcept {
  if (!is_pow2(align) || align > fm::max_alignment) return nullptr;
  if (fits_block(size, align)) return add_page() ? pop() : nullptr;
  if (!within_budget(size)) return nullptr;
  void* p = upstream_.try_allocate(size, align);
  if (p == nullptr) return nullptr;
  oversize_bytes_ += size;
  oversize_peak_ = std::max(oversize_peak_, oversize_bytes_);
  ++oversize_allocations_;
  return p;
}

void* Pool::allocate_slow(std::size_t size, std::size_t align) {
  check_alignment(name_, align, fm::max_alignment);
  if (void* p = try_allocate_slow(size, align)) return p;
  const bool block = fits_block(size, align);
  const std::size_t more = block ? page_request_bytes_ : size;
  if (!within_budget(more)) {
    raise(out_of_memory(name_, size, align, budget_,
                        "budget exhausted: " + std::to_string(committed_bytes_ + oversize_bytes_) + " bytes taken, " +
                            (block ? "a new page needs " : "this request needs ") + std::to_string(more) + " more"));
  }
  raise(out_of_memory(name_, size, align, budget_, block ? "parent allocator refused a new page"
                                                         : "parent allocator refused an oversize request"));
}

bool Pool::add_page() noexcept {
  if (!within_budget(page_request_bytes_)) return false;
  void* given = upstream_.try_allocate(page_request_bytes_, page_request_align_);
  if (given == nullptr) return false;
  void* raw = align_up(given, page_bytes_);
  if (!track_page(static_cast<Page*>(raw))) {
    upstream_.deallocate(given, page_request_bytes_, page_request_align_);
    return false;
  }
  auto* page = ::new (raw) Page{owner_tag(static_cast<Page*>(raw)), 0, change_stamp_,
                                 static_cast<std::size_t>(static_cast<std::byte*>(raw) - static_cast<std::byte*>(given))};
  lose_change_log();
  std::fill_n(bitmap_of(page), bitmap_words(blocks_per_page_), std::uint64_t{0});
  committed_bytes_ += page_request_bytes_;
  ++empty_pages_;

  // Thread the page's blocks in address order in front of the free list, so new blocks are handed out in order.
  std::byte* first = static_cast<std::byte*>(raw) + header_bytes_;
  if (debug::annotations_active) debug::poison(first, page_bytes_ - header_bytes_);
  for (std::size_t i = blocks_per_page_; i-- > 0;) link_front(reinterpret_cast<FreeBlock*>(first + i * stride_));
  return true;
}

// Records a new page in pages_ and the page table without touching the other pages: amortized O(1), since the
// table only doubles when the pages outgrow it. False, with nothing changed, when either cannot grow.
bool Pool::track_page(Page* page) noexcept {
  if (!detail::grew([&] { changed_pages_.resize(std::max(changed_pages_.size(), 4 * (pages_.size() + 1))); })) {
    return false;
  }
  if (!detail::grew([&] { pages_.push_back(page); })) return false;
  const std::size_t slots = page_table_.size() / 2;
  if (2 * pages_.size() > slots) {
    if (!detail::grew([&] { rebuild_page_table(2 * slots); })) {
      pages_.pop_back();
      return false;
    }
  } else {
    insert_into_table(page);
  }
  if (sorted_pages_ + 1 == pages_.size() && (sorted_pages_ == 0 || std::less<>{}(pages_[sorted_pages_ - 1], page))) {
    ++sorted_pages_;
  }
  return true;
}

// Sorts the pages added out of address order into the sorted ones: O(pages) once after such growth, nothing
// while pages arrive in order. Merging pointers never throws (without a buffer it merges in place).
void Pool::sort_pages() const noexcept {
  if (sorted_pages_ == pages_.size()) return;
  const auto middle = pages_.begin() + static_cast<std::ptrdiff_t>(sorted_pages_);
  std::sort(middle, pages_.end(), std::less<>{});
  std::inplace_merge(pages_.begin(), middle, pages_.end(), std::less<>{});
  sorted_pages_ = pages_.size();
}

void Pool::deallocate_oversize(void* p, std::size_t size, std::size_t align) {
#if FM_CHECKED
  check_oversize_free(p, size, align);
#endif
  upstream_.deallocate(p, size, align);
  oversize_bytes_ -= size;
  ++oversize_deallocations_;
}

// Rebuilt when the table doubles or pages are released, so lookups stay one or two probes. Growing throws
// before it changes anything; rebuilding at the same size never throws.
void Pool::rebuild_page_table(std::size_t slots) {
  if (2 * slots != page_table_.size()) {
    std::vector<Page*> table(2 * slots, nullptr);  // may throw: the old table stays intact
    page_table_.swap(table);
  } else {
    std::fill(page_table_.begin(), page_table_.end(), nullptr);
  }
  table_shift_ = static_cast<unsigned>(64 - std::countr_zero(slots));
  for (Page* page : pages_) insert_into_table(page);
}

void Pool::insert_into_table(Page* page) noexcept {
  std::size_t slot = page_slot(page);
  while (page_table_[slot] != nullptr) ++slot;
  page_table_[slot] = page;
}

void Pool::throw_foreign(const void* p) const {
  raise(bad_free("foreign pointer in pool '" + name_ + "': " + address(p) + " is not a block of this pool (block " +
                 std::to_string(block_size_) + " bytes)"));
}

void Pool::throw_double_free(const void* p) const {
  raise(bad_free("double free in pool '" + name_ + "': block " + address(p) + " is already free"));
}

void Pool::throw_size_mismatch(const void* p, std::size_t size, std::size_t align) const {
  raise(bad_free("size mismatch in pool '" + name_ + "': block " + address(p) + " freed as " + std::to_string(size) +
                 " bytes aligned to " + std::to_string(align) + ", but blocks are " + std::to_string(block_size_) +
                 " bytes aligned to " + std::to_string(block_align_)));
}

void Pool::check_oversize_free(const void* p, std::size_t size, std::size_t align) const {
  check_alignment(name_, align, fm::max_alignment);  // allocate refuses it, so no block was handed out with it
  if (owns(p)) throw_size_mismatch(p, size, align);
  if (size > oversize_bytes_) {
    raise(bad_free("oversize free in pool '" + name_ + "': " + address(p) + " freed as " + std::to_string(size) +
                   " bytes, but only " + std::to_string(oversize_bytes_) + " oversize bytes are live"));
  }
  if (upstream_.parent()) upstream_.parent().check_free(p, size, align);
}

void Pool::check_free(const void* p, std::size_t size, std::size_t align) const {
  if (p == nullptr) return;
  if (!fits_block(size, align)) return check_oversize_free(p, size, align);
  (void)checked_block(p);
}

std::size_t Pool::max_alignment() const noexcept {
  const std::size_t parent = upstream_.parent() ? upstream_.parent().max_alignment() : fm::max_alignment;
  return std::max(block_align_, std::min(parent, fm::max_alignment));
}

bool Pool::owns(const void* p) const noexcept { return find_block(p).page != nullptr; }

bool Pool::is_live(const void* p) const noexcept {
  const BlockRef block = find_block(p);
  return block.page != nullptr && ((bitmap_of(block.page)[block.index / 64] >> (block.index % 64)) & 1u) != 0;
}

std::size_t Pool::release_empty_pages() {
  if (empty_pages_ == 0) return 0;
  // Unlink the free blocks of empty pages, keeping the order of the rest and counting its links anew.
  FreeBlock* head = nullptr;
  FreeBlock* tail = nullptr;
  free_jumps_ = 0;
  for (FreeBlock* b = free_; b != nullptr;) {
    FreeBlock* next = read_link(b);
    if (page_of(b)->live != 0) {
      if (tail != nullptr) {
        write_link(tail, b);
        free_jumps_ += jumps(tail, b);
      } else {
        head = b;
      }
      tail = b;
    }
    b = next;
  }
  if (tail != nullptr) write_link(tail, nullptr);
  free_ = head;

  sort_pages();  // erase_if keeps the order of what stays
  std::size_t released = 0;
  std::erase_if(pages_, [&](Page* page) {
    if (page->live != 0) return false;
    give_back(page);
    released += page_request_bytes_;
    return true;
  });
  sorted_pages_ = pages_.size();
  committed_bytes_ -= released;
  empty_pages_ = 0;
  lose_change_log();
  rebuild_page_table(page_table_.size() / 2);
  return released;
}

Pool::ChangeLogPosition Pool::mark_changes_read() noexcept {
  advance_change_stamp();
  // The new round may log every page once more: keep room for it, or start a new epoch.
  if (changed_count_ + pages_.size() > changed_pages_.size()) lose_change_log();
  return {change_epoch_, changed_count_};
}

void Pool::lose_change_log() noexcept {
  change_epoch_ = fresh_change_epoch();
  changed_count_ = 0;
}

// A new round of stamps: every page is logged again on its next change.
void Pool::advance_change_stamp() noexcept {
  if (++change_stamp_ != 0) return;
  // The stamps wrapped: a page last logged 2^32 rounds ago would pass as logged in this one. Stamp 0 is never
  // current, so setting every page back to it logs each on its next change, and the log stays complete.
  for (Page* page : pages_) page->logged = 0;
  change_stamp_ = 1;
}

std::size_t Pool::page_index(const std::byte* page) const noexcept {
  sort_pages();
  const auto* key = reinterpret_cast<const Page*>(page);
  const auto at = std::lower_bound(pages_.begin(), pages_.end(), key, std::less<>{});
  return at != pages_.end() && *at == key ? static_cast<std::size_t>(at - pages_.begin()) : pages_.size();
}

PageInfo Pool::page_info(std::size_t i) const noexcept {
  sort_pages();
  Page* page = pages_[i];
  const auto* base = reinterpret_cast<const std::byte*>(page);
  return PageInfo{
      .page = base,
      .first_block = base + header_bytes_,
      .stride = stride_,
      .blocks = blocks_per_page_,
      .live = page->live,
      .bitmap = std::span<const std::uint64_t>(bitmap_of(page), bitmap_words(blocks_per_page_)),
  };
}

PoolStats Pool::pool_stats() const noexcept {
  PoolStats s{
      .block_size = block_size_,
      .block_align = block_align_,
      .stride = stride_,
      .blocks_per_page = blocks_per_page_,
      .page_bytes = page_bytes_,
      .pages = pages_.size(),
      .full_pages = full_pages_,
      .empty_pages = empty_pages_,
      .partial_pages = pages_.size() - full_pages_ - empty_pages_,
      .live_blocks = live_blocks(),
      .committed_blocks = pages_.size() * blocks_per_page_,
      .releasable_bytes = empty_pages_ * page_request_bytes_,
      .oversize_bytes = oversize_bytes_,
      .budget = budget_,
  };
  s.occupancy = metrics::occupancy(s.live_blocks, s.committed_blocks);
  s.page_fragmentation = metrics::page_fragmentation(s.partial_pages, s.pages);
  // Neighbours in either direction count as adjacent: both keep the next allocation on nearby lines.
  const std::size_t free_blocks = s.committed_blocks - s.live_blocks;
  s.free_list_scatter = metrics::free_list_scatter(free_jumps_, free_blocks == 0 ? 0 : free_blocks - 1);
  return s;
}

AllocatorStats Pool::stats() const noexcept {
  return AllocatorStats{
      .bytes_used = live_blocks() * block_size_ + oversize_bytes_,
      .bytes_reserved = committed_bytes_ + oversize_bytes_,
      .bytes_peak = peak_live_ * block_size_ + oversize_peak_,
      .allocations = block_allocations_ + oversize_allocations_,
      .deallocations = block_deallocations_ + oversize_deallocations_,
      .overflow_events = 0,
  };
}

}  // namespace fm
