// fm::Heap, the capstone general-purpose heap: size classes, per-thread caches with batched refill, pages
// from mmap given back when empty, large blocks mapped directly. It never calls malloc or operator new, so
// the same code is the process allocator in libframemem_malloc.so. See docs/heap.md.
#pragma once

#include <cstddef>
#include <string_view>

#include "fm/config.hpp"
#include "fm/core/allocator.hpp"
#include "fm/heap/heap_stats.hpp"

namespace fm {

namespace heap {
struct HeapState;
struct HeapAccess;
}

// Thread-safe. Two interfaces share the blocks:
//  * the allocator model (allocate/try_allocate/deallocate with size and alignment): exact `requested` stats;
//  * the C-style one (malloc/free/realloc/...), where free() is not told the size, so a small block's
//    `requested` is counted as its block size.
// A block may be freed by any thread; it goes into the freeing thread's cache (no lock) and moves back to
// the shared per-class lists in batches under a short per-class lock. Up to `max_heaps` heaps may
// exist at once. A Heap must outlive every use of its blocks. Threads that used it may still be alive or
// be exiting while it is destroyed (not using it any more): they lose their cache slot, and an exiting
// thread either returns its cache before ~Heap takes the heap apart or finds its slot already cleared.
class Heap {
 public:
  // Every thread keeps one cache pointer per heap slot in initial-exec TLS, so that finding its cache never
  // allocates or locks (the heap also serves malloc); that table is fixed at build time, and static TLS is
  // scarce in a library that may be dlopen'ed. Set with the FM_MAX_HEAPS build option (fm/config.hpp).
  static constexpr unsigned max_heaps = FM_CONFIG_MAX_HEAPS;
  // The largest alignment allocate accepts (the allocator model's optional max_alignment capability).
  [[nodiscard]] static constexpr std::size_t max_alignment() noexcept { return std::size_t{1} << 30; }
  // How long empty pages beyond a small reserve stay committed, for the next burst of allocations, before
  // the heap's next page release or take gives them to the OS (collect() gives them back at once).
  static constexpr unsigned decommit_delay_ms = 100;

  // Throws fm::error when max_heaps heaps already exist, fm::out_of_memory when the OS refuses the state.
  explicit Heap(std::string_view name = "heap");
  ~Heap();
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  // Allocator model. allocate throws fm::bad_alignment (alignment not a power of two or above
  // max_alignment) or fm::out_of_memory; try_allocate returns null instead.
  [[nodiscard]] void* allocate(std::size_t size, std::size_t align = alignof(std::max_align_t));
  [[nodiscard]] void* try_allocate(std::size_t size, std::size_t align = alignof(std::max_align_t)) noexcept;
  // With FM_CHECKED, a pointer that is not a block of this heap, a pointer inside a block (not where
  // allocate(size, align) put it), a size larger than the block or a block already free (double free)
  // throws fm::bad_free naming the heap and changes nothing (docs/heap.md: what the double-free check costs).
  void deallocate(void* p, std::size_t size, std::size_t align = alignof(std::max_align_t));
  // Throws exactly what a checked deallocate(p, size, align) would throw and changes nothing, so debug
  // layers can reject a bad free before they write into the block. Checks even without FM_CHECKED.
  void check_free(const void* p, std::size_t size, std::size_t align = alignof(std::max_align_t)) const;
  // True when `p` points into a block of a page this heap lent to a size class, or is a large block.
  [[nodiscard]] bool owns(const void* p) const noexcept;
  [[nodiscard]] AllocatorStats stats() const noexcept;
  [[nodiscard]] HeapStats heap_stats() const noexcept;
  [[nodiscard]] std::string_view name() const noexcept { return name_; }

  // Bytes usable at `p` (at least what was requested); 0 for null or a pointer that is not in a block of
  // this heap (another heap's or the system's memory, or a part of a segment no size class was lent).
  [[nodiscard]] std::size_t usable_size(const void* p) const noexcept;

  // C-style interface: null on failure (the C library maps that to ENOMEM); free ignores null and
  // pointers outside this heap's mappings. Like the C library's free, it does not check further: freeing
  // an interior pointer or a block twice is undefined (checked deallocate catches the former).
  [[nodiscard]] void* malloc(std::size_t size) noexcept;
  [[nodiscard]] void* aligned_malloc(std::size_t size, std::size_t align) noexcept;
  [[nodiscard]] void* calloc(std::size_t count, std::size_t size) noexcept;  // null on overflow
  // glibc semantics: realloc(null, n) allocates, realloc(p, 0) frees and returns null; on failure p stays valid.
  [[nodiscard]] void* realloc(void* p, std::size_t size) noexcept;
  void free(void* p) noexcept;

  // Gives the calling thread's cached blocks back to the shared lists and returns every empty page and
  // cached large mapping to the OS. Blocks cached by other threads stay until they collect or exit.
  void collect() noexcept;

 private:
  friend struct heap::HeapAccess;  // the malloc library's inline fast paths
  heap::HeapState* state_;
  unsigned slot_;
  char name_storage_[32];
  std::string_view name_;
};

}  // namespace fm
