// A parent allocator for tests that keeps a ledger of every block it handed out. A free it did not hand out,
// or with another size or alignment, is an fm::bad_free instead of undefined behaviour in the global heap, so a
// test survives the very misuse it looks for. Its alignment and its total bytes can be capped, like a real parent.
#pragma once

#include <cstddef>
#include <cstdio>
#include <limits>
#include <map>
#include <new>
#include <string>
#include <string_view>

#include "fm/core/align.hpp"
#include "fm/core/allocator.hpp"
#include "fm/core/error.hpp"

namespace fm::model {

class LedgerAllocator {
 public:
  explicit LedgerAllocator(std::size_t max_align = fm::max_alignment,
                           std::size_t capacity = std::numeric_limits<std::size_t>::max())
      : max_align_(max_align), capacity_(capacity) {}
  ~LedgerAllocator() {
    for (const auto& [p, block] : live_) ::operator delete(const_cast<void*>(p), std::align_val_t{block.align});
  }
  LedgerAllocator(const LedgerAllocator&) = delete;
  LedgerAllocator& operator=(const LedgerAllocator&) = delete;

  [[nodiscard]] void* allocate(std::size_t size, std::size_t align) {
    if (void* p = try_allocate(size, align)) return p;
    throw out_of_memory(name(), size, align, capacity_, "over the ledger's alignment or byte cap");
  }
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align) noexcept {
    if (!is_pow2(align) || align > max_align_ || size > capacity_ - stats_.bytes_used) return nullptr;
    void* p = ::operator new(size == 0 ? 1 : size, std::align_val_t{align}, std::nothrow);
    if (p == nullptr) return nullptr;
    try {
      live_.emplace(p, Block{size, align});
    } catch (const std::bad_alloc&) {
      ::operator delete(p, std::align_val_t{align});
      return nullptr;
    }
    stats_.bytes_used += size;
    stats_.bytes_reserved = stats_.bytes_used;
    if (stats_.bytes_used > stats_.bytes_peak) stats_.bytes_peak = stats_.bytes_used;
    ++stats_.allocations;
    return p;
  }
  void check_free(const void* p, std::size_t size, std::size_t align) const {
    if (p == nullptr) return;
    const auto it = live_.find(p);
    if (it == live_.end()) throw bad_free(describe(p, size, align) + " was not handed out by the ledger");
    if (it->second.size != size || it->second.align != align) {
      throw bad_free(describe(p, size, align) + " was handed out as " + std::to_string(it->second.size) +
                     " bytes aligned to " + std::to_string(it->second.align));
    }
  }
  void deallocate(void* p, std::size_t size, std::size_t align) {
    if (p == nullptr) return;
    check_free(p, size, align);
    live_.erase(p);
    ::operator delete(p, std::align_val_t{align});
    stats_.bytes_used -= size;
    stats_.bytes_reserved = stats_.bytes_used;
    ++stats_.deallocations;
  }

  [[nodiscard]] bool owns(const void* p) const noexcept { return live_.contains(p); }
  [[nodiscard]] std::size_t max_alignment() const noexcept { return max_align_; }
  [[nodiscard]] AllocatorStats stats() const noexcept { return stats_; }
  [[nodiscard]] std::size_t live_blocks() const noexcept { return live_.size(); }
  [[nodiscard]] std::string_view name() const noexcept { return "ledger"; }

 private:
  struct Block {
    std::size_t size;
    std::size_t align;
  };
  static std::string describe(const void* p, std::size_t size, std::size_t align) {
    char address[32];
    std::snprintf(address, sizeof address, "%p", p);
    return "ledger: " + std::string(address) + " freed as " + std::to_string(size) + " bytes aligned to " +
           std::to_string(align);
  }

  std::size_t max_align_;
  std::size_t capacity_;
  std::map<const void*, Block> live_;
  AllocatorStats stats_{};
};

}  // namespace fm::model
