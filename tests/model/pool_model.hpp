// Reference model of fm::Pool and the step function its doctest and libFuzzer drivers share. The model is a set
// of live blocks (pool blocks and oversize ones), the pages seen so far with their live counts, the free list as
// a stack of blocks, and counters; it predicts every allocation's outcome (which block, new page, oversize,
// budget, parent) and every misuse's error, and recounts the free-list scatter from its stack after each step.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fm/alloc/linear_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "fm/core/metrics.hpp"
#include "model/alloc_checks.hpp"
#include "model/ledger_allocator.hpp"
#include "model/source.hpp"

namespace fm::model {

// Where a model pool's pages come from: the global heap (aligns pages to any size), a ledger (checks every free,
// may cap alignment below the page size) or an arena (caps alignment at 4096, frees are no-ops).
enum class PoolParent : std::uint8_t { global_heap, ledger, arena };

class PoolHarness {
 public:
  PoolHarness(Source& src, PoolParent kind) : src_(src), kind_(kind) {
    const bool big = kind != PoolParent::global_heap ? src.chance(50) : src.chance(20);
    const std::size_t size = big ? 600 + src.below(700) : 1 + src.below(200);
    const std::size_t align = std::size_t{1} << src.below(7);
    constexpr std::size_t budgets[] = {16 * 1024, 128 * 1024, 1024 * 1024};
    constexpr std::size_t ledger_caps[] = {64, 1024, 4096};
    budget_ = budgets[src.below(3)];
    parent_align_ = kind == PoolParent::ledger ? ledger_caps[src.below(3)] : fm::max_alignment;
    ledger_ = std::make_unique<LedgerAllocator>(parent_align_);
    arena_ = std::make_unique<LinearArena>(
        LinearArenaOptions{.capacity = 64 * 1024, .overflow = OverflowPolicy::grow, .name = "pages"});
    AllocatorRef parent;
    if (kind == PoolParent::ledger) parent = *ledger_;
    if (kind == PoolParent::arena) parent = *arena_;
    const std::size_t per_page = src.chance(50) ? 0 : 1 + src.below(40);
    pool_ = std::make_unique<Pool>(size, align,
                                   PoolOptions{.blocks_per_page = per_page, .budget = budget_, .name = "model",
                                               .parent = parent});
    other_ = std::make_unique<Pool>(size, align, PoolOptions{.name = "other"});
    foreign_heap_.reset(static_cast<std::byte*>(std::malloc(4096)));

    block_size_ = std::max(size, sizeof(void*));
    block_align_ = std::max(align, alignof(void*));
    stride_ = align_up(block_size_, block_align_);
    expect(pool_->block_size() == block_size_ && pool_->block_align() == block_align_, "pool geometry");
    page_bytes_ = pool_->page_bytes();
    per_page_ = pool_->blocks_per_page();
    expect(is_pow2(page_bytes_) && per_page_ >= std::max<std::size_t>(per_page, 1) &&
               per_page_ * stride_ < page_bytes_,
           "page geometry");
    // What a page costs from the parent: the page, plus room to align it when the parent cannot.
    const std::size_t aligned_by_parent =
        kind == PoolParent::global_heap ? page_bytes_ : std::min(parent_align_, page_bytes_);
    page_cost_ = 2 * page_bytes_ - aligned_by_parent;
  }

  // Oversize blocks are the parent's, not in the pool's pages: the pool cannot free them when it dies.
  void finish() {
    live_.for_each([&](void* p, const Blocks::Block& b) {
      if (b.extra.oversize) pool_->deallocate(p, b.size, b.extra.align);
    });
  }

  void step() {
    const unsigned roll = src_.below(100);
    if (roll < 35) {
      allocate(src_.below(static_cast<std::uint32_t>(block_size_) + 1),
               std::size_t{1} << src_.below(static_cast<std::uint32_t>(std::countr_zero(block_align_)) + 1));
    } else if (roll < 45) {
      allocate(src_.size(), src_.align());
    } else if (roll < 75) {
      free_live();
    } else if (roll < 90) {
#if FM_CHECKED
      misuse();
#else
      free_live();
#endif
    } else if (roll < 93) {
      release();
    } else if (roll < 98) {
      probe();
    } else {
      move_pool();
    }
    check(++steps_ % 32 == 0);
  }

 private:
  // The pool moves to a new object (as when a vector holding it grows): every block, page and counter the model
  // knows must be the new object's, and the moved-from pool must be empty when it dies.
  void move_pool() {
    auto moved = std::make_unique<Pool>(std::move(*pool_));
    expect(pool_->page_count() == 0 && pool_->live_blocks() == 0 && pool_->stats().bytes_reserved == 0 &&
               pool_->stats().bytes_used == 0,
           "a moved-from pool is empty");
    pool_ = std::move(moved);
  }
  struct Kind {
    bool oversize;
    std::size_t align;
  };
  using Blocks = LiveBlocks<Kind>;

  [[nodiscard]] bool fits_block(std::size_t size, std::size_t align) const {
    return size <= block_size_ && align <= block_align_ && is_pow2(align);
  }
  [[nodiscard]] std::size_t taken() const { return pages_.size() * page_cost_ + oversize_bytes_; }
  [[nodiscard]] bool within_budget(std::size_t more) const { return taken() <= budget_ && more <= budget_ - taken(); }
  [[nodiscard]] std::size_t live_blocks() const { return block_allocs_ - block_frees_; }
  [[nodiscard]] static std::uintptr_t page_of(const void* p, std::size_t page_bytes) {
    return reinterpret_cast<std::uintptr_t>(p) & ~(page_bytes - 1);
  }
  // A block boundary in one of the model's pages (live or free): what Pool::owns answers.
  [[nodiscard]] bool is_block_start(const void* p) const {
    const std::uintptr_t page = page_of(p, page_bytes_);
    if (!pages_.contains(page) || header_ == 0) return false;
    const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
    if (a < page + header_) return false;
    const std::size_t offset = a - page - header_;
    return offset % stride_ == 0 && offset / stride_ < per_page_;
  }

  void allocate(std::size_t size, std::size_t align) {
    const bool use_try = src_.chance(50);
    Outcome want = Outcome::accepted;
    bool new_page = false;
    if (!is_pow2(align) || align > fm::max_alignment) {
      want = Outcome::bad_alignment;
    } else if (fits_block(size, align)) {
      new_page = live_blocks() == pages_.size() * per_page_;
      if (new_page && !within_budget(page_cost_)) want = Outcome::out_of_memory;
    } else if (!within_budget(size) || (kind_ == PoolParent::ledger && align > parent_align_)) {
      want = Outcome::out_of_memory;
    }
    void* p = nullptr;
    const Outcome got = allocate_via(*pool_, use_try, size, align, p);
    const std::string what = "allocate(" + std::to_string(size) + ", " + std::to_string(align) + ")";
    expect_outcome(got, as_seen_by(use_try, want), what);
    if (got != Outcome::accepted) return;
    expect(is_aligned(p, align), what + " is misaligned");
    const bool block = fits_block(size, align);
    if (block) {
      const std::uintptr_t page = page_of(p, page_bytes_);
      expect(pages_.contains(page) != new_page, what + (new_page ? " did not take a new page" : " took a new page"));
      if (new_page) note_new_page(page);
      expect(is_block_start(p), what + " is not on a block boundary of a page");
      expect(p == free_list_.back(), what + " is not the most recently freed block (the free-list head)");
      free_list_.pop_back();
      ++pages_[page];
      ++block_allocs_;
      peak_live_ = std::max(peak_live_, live_blocks());
    } else {
      oversize_bytes_ += size;
      oversize_peak_ = std::max(oversize_peak_, oversize_bytes_);
      ++oversize_allocs_;
    }
    live_.insert(p, size, ++next_id_, Kind{!block, align});
  }

  void note_new_page(std::uintptr_t page) {
    pages_[page] = 0;
    const PageInfo info = pool_->page_info(static_cast<std::size_t>(
        std::distance(pages_.begin(), pages_.find(page))));  // pages are in address order, like the model's map
    expect(reinterpret_cast<std::uintptr_t>(info.page) == page, "page_info order differs from address order");
    const auto header = static_cast<std::size_t>(info.first_block - info.page);
    expect(header_ == 0 || header == header_, "pages differ in header size");
    header_ = header;
    expect(header_ + per_page_ * stride_ <= page_bytes_ && info.blocks == per_page_ && info.stride == stride_,
           "blocks do not fit their page");
    // A new page's blocks go in front of the free list in address order.
    for (std::size_t i = per_page_; i-- > 0;) free_list_.push_back(reinterpret_cast<void*>(page + header_ + i * stride_));
  }

  void free_live() {
    if (live_.empty()) return;
    const auto [p, b] = live_.at(src_.below(static_cast<std::uint32_t>(live_.size())));
    // A pool block may be freed with any size and alignment that still fit a block.
    std::size_t size = b.size;
    std::size_t align = b.extra.align;
    if (!b.extra.oversize && src_.chance(30)) {
      size = src_.below(static_cast<std::uint32_t>(block_size_) + 1);
      align = std::size_t{1} << src_.below(static_cast<std::uint32_t>(std::countr_zero(block_align_)) + 1);
    }
    live_.erase(p, "free of a live block");  // before the free, which may write a free-list link into it
    checked_free(*pool_, p, size, align, Outcome::accepted, "free of a live block");
    if (b.extra.oversize) {
      oversize_bytes_ -= b.size;
      ++oversize_frees_;
    } else {
      --pages_[page_of(p, page_bytes_)];
      ++block_frees_;
      free_list_.push_back(p);
      freed_.push_back(p);
      if (freed_.size() > 16) freed_.erase(freed_.begin());
    }
  }

  // A free the pool promises to refuse; afterwards nothing may have changed.
  void misuse() {
    const Snapshot before = snapshot();
    auto [p, size, align, want, what] = pick_misuse();
    if (p == nullptr) return;
    checked_free(*pool_, p, size, align, want, what);
    expect(snapshot() == before, what + " changed the pool");
    live_.verify_all(what);
  }

  struct Misuse {
    void* p = nullptr;
    std::size_t size = 0;
    std::size_t align = 1;
    Outcome want = Outcome::bad_free;
    std::string what;
  };
  // A free that does not fit a block is refused for its alignment first, when no allocate could have used it.
  [[nodiscard]] static Outcome oversize_verdict(std::size_t align) {
    return !is_pow2(align) || align > fm::max_alignment ? Outcome::bad_alignment : Outcome::bad_free;
  }
  Misuse pick_misuse() {
    const std::size_t fitting = src_.below(static_cast<std::uint32_t>(block_size_) + 1);
    switch (src_.below(7)) {
      case 0: {  // double free of a block freed before (unless it is live again)
        if (freed_.empty()) return {};
        void* p = freed_[src_.below(static_cast<std::uint32_t>(freed_.size()))];
        if (live_.find(p) != nullptr) return {};
        return {p, fitting, 1, Outcome::bad_free, "double free"};
      }
      case 1: {  // foreign pointers: a stack array, a heap buffer, a block of another pool
        void* foreign[] = {local_.data() + src_.below(64) * 4, foreign_heap_.get() + src_.below(64) * 8,
                           other_block()};
        void* p = foreign[src_.below(3)];
        if (src_.chance(50)) return {p, fitting, 1, Outcome::bad_free, "free of a foreign pointer"};
        // Larger than a block and than every live oversize byte: refused before the parent sees it.
        const std::size_t size = std::max(block_size_, oversize_bytes_) + 1 + src_.below(64);
        const std::size_t align = src_.align();
        return {p, size, align, oversize_verdict(align), "oversize free of a foreign pointer"};
      }
      case 2: {  // interior pointer of a live pool block
        void* p = live_pool_block();
        if (p == nullptr || stride_ < 2) return {};
        return {static_cast<std::byte*>(p) + 1 + src_.below(static_cast<std::uint32_t>(stride_ - 1)), fitting, 1,
                Outcome::bad_free, "free of an interior pointer"};
      }
      case 3: {  // a live pool block freed as larger than a block, or more aligned, or with a bad alignment
        void* p = live_pool_block();
        if (p == nullptr) return {};
        const std::size_t size = src_.chance(70) ? block_size_ + 1 + src_.below(5000) : src_.size();
        const std::size_t align = src_.chance(50) ? 1 : src_.align();
        if (fits_block(size, align)) return {};
        return {p, size, align, oversize_verdict(align), "pool block freed with a size or alignment too large"};
      }
      case 4: {  // an oversize block freed with a size that fits a block
        void* p = live_oversize_block();
        if (p == nullptr) return {};
        return {p, fitting, 1, Outcome::bad_free, "oversize block freed as a block"};
      }
      case 5: {  // an oversize block freed with another size: only a checking parent can tell
        void* p = live_oversize_block();
        if (p == nullptr || kind_ != PoolParent::ledger) return {};
        const auto* b = live_.find(p);
        const std::size_t size = b->size + 1 + src_.below(16);
        if (size <= block_size_) return {};
        return {p, size, b->extra.align, Outcome::bad_free, "oversize block freed with the wrong size"};
      }
      default: {  // interior pointer of an oversize block: only a checking parent can tell
        void* p = live_oversize_block();
        if (p == nullptr || kind_ != PoolParent::ledger) return {};
        const auto* b = live_.find(p);
        if (b->size < 2) return {};
        return {static_cast<std::byte*>(p) + 1, b->size, b->extra.align, Outcome::bad_free,
                "interior pointer of an oversize block"};
      }
    }
  }
  void* other_block() {
    if (other_live_ == nullptr) other_live_ = other_->allocate(1, 1);
    return other_live_;
  }
  void* live_pool_block() { return pick_live(false); }
  void* live_oversize_block() { return pick_live(true); }
  void* pick_live(bool oversize) {
    if (live_.empty()) return nullptr;
    const std::size_t start = src_.below(static_cast<std::uint32_t>(live_.size()));
    for (std::size_t k = 0; k < live_.size(); ++k) {
      const auto [p, b] = live_.at((start + k) % live_.size());
      if (b.extra.oversize == oversize) return p;
    }
    return nullptr;
  }

  void release() {
    std::size_t empty = 0;
    for (auto it = pages_.begin(); it != pages_.end();) {
      if (it->second == 0) {
        it = pages_.erase(it);
        ++empty;
      } else {
        ++it;
      }
    }
    // The free blocks of released pages leave the free list; the others keep their order.
    std::erase_if(free_list_, [&](void* b) { return !pages_.contains(page_of(b, page_bytes_)); });
    expect(pool_->release_empty_pages() == empty * page_cost_, "release_empty_pages gave back the wrong byte count");
    live_.verify_all("release_empty_pages");
  }

  // is_live / owns for a live block, a freed one and a foreign one.
  void probe() {
    if (void* p = live_pool_block()) expect(pool_->is_live(p) && pool_->owns(p), "a live block is not live");
    if (void* p = live_oversize_block()) expect(!pool_->owns(p), "the pool claims an oversize block");
    if (!freed_.empty()) {
      void* p = freed_.back();
      if (live_.find(p) == nullptr) {
        expect(!pool_->is_live(p), "a freed block is live");
        expect(pool_->owns(p) == is_block_start(p), "owns disagrees on a freed block");
      }
    }
    expect(!pool_->owns(local_.data()) && !pool_->is_live(foreign_heap_.get()), "the pool claims foreign memory");
  }

  struct Snapshot {
    AllocatorStats stats;
    std::size_t pages, live, committed, empty, full, releasable, oversize;
    double scatter;
    std::size_t parent_bytes;
    bool operator==(const Snapshot& o) const {
      return stats.bytes_used == o.stats.bytes_used && stats.bytes_reserved == o.stats.bytes_reserved &&
             stats.bytes_peak == o.stats.bytes_peak && stats.allocations == o.stats.allocations &&
             stats.deallocations == o.stats.deallocations && pages == o.pages && live == o.live &&
             committed == o.committed && empty == o.empty && full == o.full && releasable == o.releasable &&
             oversize == o.oversize && scatter == o.scatter && parent_bytes == o.parent_bytes;
    }
  };
  [[nodiscard]] Snapshot snapshot() const {
    const PoolStats s = pool_->pool_stats();
    return Snapshot{pool_->stats(),      s.pages,          s.live_blocks,    s.committed_blocks,
                    s.empty_pages,       s.full_pages,     s.releasable_bytes, s.oversize_bytes,
                    s.free_list_scatter, ledger_->stats().bytes_used};
  }

  // Free-list scatter counted over the model's stack: links between consecutive free blocks that are not one
  // stride apart, over all links.
  [[nodiscard]] double scatter() const {
    std::size_t jumps = 0;
    for (std::size_t k = 1; k < free_list_.size(); ++k) {
      const auto a = reinterpret_cast<std::uintptr_t>(free_list_[k - 1]);
      const auto b = reinterpret_cast<std::uintptr_t>(free_list_[k]);
      jumps += (a > b ? a - b : b - a) != stride_ ? 1 : 0;
    }
    return metrics::free_list_scatter(jumps, free_list_.empty() ? 0 : free_list_.size() - 1);
  }

  void check(bool deep) {
    const AllocatorStats s = pool_->stats();
    expect(s.bytes_used == live_blocks() * block_size_ + oversize_bytes_, "stats().bytes_used");
    expect(s.bytes_reserved == pages_.size() * page_cost_ + oversize_bytes_, "stats().bytes_reserved");
    expect(s.bytes_peak == peak_live_ * block_size_ + oversize_peak_, "stats().bytes_peak");
    expect(s.allocations == block_allocs_ + oversize_allocs_, "stats().allocations");
    expect(s.deallocations == block_frees_ + oversize_frees_, "stats().deallocations");
    const PoolStats ps = pool_->pool_stats();
    const auto count_pages = [&](auto pred) {
      std::size_t n = 0;
      for (const auto& page : pages_) n += pred(page.second) ? 1 : 0;
      return n;
    };
    const std::size_t empty = count_pages([](std::size_t n) { return n == 0; });
    const std::size_t full = count_pages([&](std::size_t n) { return n == per_page_; });
    expect(ps.pages == pages_.size() && pool_->page_count() == pages_.size(), "pool_stats().pages");
    expect(ps.live_blocks == live_blocks() && ps.committed_blocks == pages_.size() * per_page_, "pool_stats() block counts");
    expect(ps.empty_pages == empty && ps.full_pages == full && ps.partial_pages == pages_.size() - empty - full,
           "pool_stats() page counts");
    expect(ps.releasable_bytes == empty * page_cost_ && ps.oversize_bytes == oversize_bytes_, "pool_stats() bytes");
    expect(free_list_.size() == pages_.size() * per_page_ - live_blocks(), "free list length");
    expect(ps.free_list_scatter == scatter(), "pool_stats().free_list_scatter differs from the model's recount");
    if (kind_ == PoolParent::ledger) {
      expect(ledger_->stats().bytes_used == s.bytes_reserved, "the parent holds other bytes than the pool reserved");
    }
    if (deep) deep_check();
  }

  // Iteration visits exactly the model's pool blocks, per page as counted, and every block kept its bytes.
  void deep_check() {
    std::set<void*> seen;
    pool_->for_each_live_block([&](void* p) { seen.insert(p); });
    std::set<void*> want;
    live_.for_each([&](void* p, const Blocks::Block& b) {
      if (!b.extra.oversize) want.insert(p);
    });
    expect(seen == want, "for_each_live_block does not visit exactly the live blocks");
    for (std::size_t i = 0; i < pool_->page_count(); ++i) {
      const PageInfo info = pool_->page_info(i);
      const auto it = pages_.find(reinterpret_cast<std::uintptr_t>(info.page));
      expect(it != pages_.end() && it->second == info.live, "page_info live count");
    }
    live_.verify_all("deep check");
  }

  Source& src_;
  PoolParent kind_;
  std::size_t budget_ = 0;
  std::size_t parent_align_ = 0;
  std::unique_ptr<LedgerAllocator> ledger_;
  std::unique_ptr<LinearArena> arena_;
  std::unique_ptr<Pool> pool_;
  std::unique_ptr<Pool> other_;
  void* other_live_ = nullptr;
  struct Free {
    void operator()(std::byte* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> foreign_heap_;  // a malloc block
  alignas(64) std::array<std::byte, 256> local_{};

  std::size_t block_size_ = 0, block_align_ = 0, stride_ = 0, page_bytes_ = 0, per_page_ = 0, page_cost_ = 0;
  std::size_t header_ = 0;  // from the first page seen
  Blocks live_;
  std::map<std::uintptr_t, std::size_t> pages_;  // page start -> live blocks in it
  std::vector<void*> free_list_;                 // free pool blocks, the head (next to be handed out) last
  std::vector<void*> freed_;                     // recently freed pool blocks, for double frees
  std::size_t block_allocs_ = 0, block_frees_ = 0, peak_live_ = 0;
  std::size_t oversize_bytes_ = 0, oversize_peak_ = 0, oversize_allocs_ = 0, oversize_frees_ = 0;
  std::uint64_t next_id_ = 0;
  std::size_t steps_ = 0;
};

// One model run: a pool over `parent`, `steps` operations, everything checked after each.
inline void run_pool_over(PoolParent parent, Source& src, std::size_t steps) {
  PoolHarness harness{src, parent};
  for (std::size_t step = 0; step < steps && !src.done(); ++step) harness.step();
  harness.finish();
}

// The same over a parent chosen by the source (the fuzzer's entry).
inline void run_pool(Source& src, std::size_t steps) { run_pool_over(static_cast<PoolParent>(src.below(3)), src, steps); }

}  // namespace fm::model
