// Reference model of fm::Heap (the live blocks, what each must hold and what the statistics must say) and
// the step function that drives a Heap through its sized and C-style interfaces, misuse included. Shared by
// tests/model/heap_test.cpp (seeded) and tests/fuzz/heap_fuzz.cpp (libFuzzer).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fm/core/align.hpp"
#include "fm/core/error.hpp"
#include "fm/heap/heap.hpp"
#include "model/alloc_checks.hpp"
#include "model/source.hpp"

namespace fm::model {

// A request no machine can satisfy (more than the 47-bit address space): must fail. Smaller sizes may fail
// when the OS refuses, but need not.
inline constexpr std::size_t impossible_size = std::size_t{1} << 47;
// Blocks at least this large are checked at both ends only and freed in the step that made them.
inline constexpr std::size_t huge_block = std::size_t{64} << 20;
inline constexpr std::size_t max_live_blocks = 48;
inline constexpr std::size_t max_freed_kept = 16;  // recently freed blocks, for double frees

// A block's pattern is a sequence of 8-byte words derived from its id, so it is written and checked a word
// at a time (the fuzzer's instrumentation makes byte loops slow), bytes only at ragged ends.
static_assert(std::endian::native == std::endian::little, "pattern_byte reads the words' bytes in memory order");
inline std::uint64_t pattern_word(std::uint32_t id, std::size_t w) noexcept {
  return ((std::uint64_t{id} << 32) ^ w) * 0x9E3779B97F4A7C15ull;
}
inline std::uint8_t pattern_byte(std::uint32_t id, std::size_t i) noexcept {
  return static_cast<std::uint8_t>(pattern_word(id, i / 8) >> (8 * (i % 8)));
}

// The byte ranges of a block the harness writes and verifies: all of a small block, both ends of a big one.
template <class Visit>
void for_each_checked_range(std::size_t size, Visit&& visit) {
  constexpr std::size_t edge = 4096;
  if (size <= 4 * edge) return visit(std::size_t{0}, size);
  visit(std::size_t{0}, edge);
  visit(size - edge, size);
}

// Calls word(i) for each offset i of [begin, end) that starts a whole aligned 8-byte word, byte(i) for the rest.
template <class Word, class Byte>
void for_each_chunk(std::size_t begin, std::size_t end, Word&& word, Byte&& byte) {
  for (std::size_t i = begin; i < end;) {
    if (i % 8 == 0 && end - i >= 8) {
      word(i);
      i += 8;
    } else {
      byte(i++);
    }
  }
}

inline std::uint64_t load_word(const std::uint8_t* at) noexcept {
  std::uint64_t w = 0;
  std::memcpy(&w, at, sizeof w);
  return w;
}

inline void write_pattern(void* p, std::size_t size, std::uint32_t id) {
  auto* b = static_cast<std::uint8_t*>(p);
  for_each_checked_range(size, [&](std::size_t begin, std::size_t end) {
    for_each_chunk(
        begin, end,
        [&](std::size_t i) {
          const std::uint64_t w = pattern_word(id, i / 8);
          std::memcpy(b + i, &w, sizeof w);
        },
        [&](std::size_t i) { b[i] = pattern_byte(id, i); });
  });
}

// Whether the pattern written for a block of `size` bytes is still there (only below `limit`: what realloc
// keeps of a block).
[[nodiscard]] inline bool pattern_intact(const void* p, std::size_t size, std::uint32_t id,
                                         std::size_t limit = SIZE_MAX) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  std::uint64_t differ = 0;
  for_each_checked_range(size, [&](std::size_t begin, std::size_t end) {
    for_each_chunk(
        begin, std::min(end, limit), [&](std::size_t i) { differ |= load_word(b + i) ^ pattern_word(id, i / 8); },
        [&](std::size_t i) { differ |= b[i] ^ pattern_byte(id, i); });
  });
  return differ == 0;
}

[[nodiscard]] inline bool checked_bytes_zero(const void* p, std::size_t size) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  std::uint64_t any = 0;
  for_each_checked_range(size, [&](std::size_t begin, std::size_t end) {
    for_each_chunk(
        begin, end, [&](std::size_t i) { any |= load_word(b + i); }, [&](std::size_t i) { any |= b[i]; });
  });
  return any == 0;
}

// A block the harness freed: where, and what it was allocated with.
struct FreedBlock {
  void* p;
  std::size_t size;
  std::size_t align;
};

struct HeapBlock {
  std::size_t size = 0;     // bytes asked for (and written with the pattern)
  std::size_t align = 0;    // alignment asked for
  bool sized = false;       // allocate/deallocate, or the C-style calls
  std::size_t counted = 0;  // what the heap's `requested` counts for it: the size (sized) or as observed
  std::uint32_t id = 0;     // pattern seed
};

// What must be true of the heap: the live set by address and the statistics it implies.
struct HeapModel {
  std::map<std::uintptr_t, HeapBlock> live;
  std::uint64_t allocations = 0;
  std::uint64_t deallocations = 0;
  std::size_t requested = 0;
  std::size_t live_bytes = 0;  // sum of sizes asked for
  std::uint32_t next_id = 1;
};

class HeapHarness {
 public:
  explicit HeapHarness(Source& src) : src_(src), foreign_block_(other_.allocate(64)) {
    write_pattern(foreign_block_, 64, 0);
  }
  HeapHarness(const HeapHarness&) = delete;
  HeapHarness& operator=(const HeapHarness&) = delete;
  ~HeapHarness() { other_.deallocate(foreign_block_, 64); }

  void step() {
    const std::uint32_t pick = src_.below(100);
    const bool full = m_.live.size() >= max_live_blocks;
    if (pick < 24 && !full) return allocate_sized();
    if (pick < 42 && !full) return allocate_c();
    if (pick < 62) return free_one();
    if (pick < 70) return reallocate();
#if FM_CHECKED
    if (pick < 75) return misuse_deallocate();
    if (pick < 80) return double_free();
#endif
    if (pick < 85) return free_foreign();
    if (pick < 92) return check_usable_sizes();
    if (pick < 95) return collect();
    return check_legal_free();
  }

  // Everything observable after every step.
  void check_stats(const char* after) const {
    const HeapStats st = heap_.heap_stats();
    const std::string where = std::string(" after ") + after;
    expect(st.requested == m_.requested, "requested " + std::to_string(st.requested) + ", model " +
                                             std::to_string(m_.requested) + where);
    expect(st.allocations == m_.allocations, "allocations " + std::to_string(st.allocations) + ", model " +
                                                 std::to_string(m_.allocations) + where);
    expect(st.deallocations == m_.deallocations, "deallocations " + std::to_string(st.deallocations) +
                                                     ", model " + std::to_string(m_.deallocations) + where);
    expect(st.allocated >= m_.live_bytes, "allocated below the live bytes" + where);
    expect(st.committed >= st.allocated, "committed below allocated" + where);
    expect(heap_.stats().bytes_used == st.requested, "stats().bytes_used differs from heap_stats()" + where);
  }

  void free_all() {
    while (!m_.live.empty()) release(m_.live.begin());
    check_stats("freeing everything");
    expect(heap_.heap_stats().allocated == 0, "allocated bytes left after freeing everything");
  }

 private:
  using Live = std::map<std::uintptr_t, HeapBlock>::iterator;

  [[nodiscard]] std::size_t draw_size() {
    if (src_.chance(4)) return heap::max_small_size + src_.below(4u << 20);  // large blocks, mapped directly
    return platform_size(src_.size());
  }

  // Windows commits what Linux maps with MAP_NORESERVE and copies on realloc where Linux moves pages, and
  // Wine lets a commit of any size through: the sparse blocks of gigabytes a Linux run maps cheaply would be
  // touched for real. There, sizes from huge_block up become SIZE_MAX, which the heap must refuse all the same.
  [[nodiscard]] static std::size_t platform_size(std::size_t size) {
#if defined(_WIN32)
    if (size >= huge_block) return SIZE_MAX;
#endif
    return size;
  }

  [[nodiscard]] Live pick_live() {
    auto it = m_.live.begin();
    std::advance(it, static_cast<long>(src_.below(static_cast<std::uint32_t>(m_.live.size()))));
    return it;
  }

  // A new block must be aligned, usable for its size, owned, and overlap no live block.
  void check_new_block(void* p, std::size_t size, std::size_t align) const {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const std::size_t usable = heap_.usable_size(p);
    expect(is_aligned(p, align), "block " + std::to_string(at) + " not aligned to " + std::to_string(align));
    expect(usable >= size, "usable_size " + std::to_string(usable) + " below the size " + std::to_string(size));
    expect(heap_.owns(p), "heap does not own its new block");
    expect(m_.live.count(at) == 0, "block handed out twice");
    auto next = m_.live.lower_bound(at);
    if (next != m_.live.end()) expect(at + usable <= next->first, "new block overlaps the next live block");
    if (next != m_.live.begin()) {
      const auto prev = std::prev(next);
      expect(prev->first + heap_.usable_size(reinterpret_cast<void*>(prev->first)) <= at,
             "new block overlaps the previous live block");
    }
  }

  // Records a block the heap handed out (its allocation already counted by the caller).
  void add(void* p, HeapBlock b) {
    b.id = m_.next_id++;
    write_pattern(p, b.size, b.id);
    m_.requested += b.counted;
    m_.live_bytes += b.size;
    m_.live[reinterpret_cast<std::uintptr_t>(p)] = b;
    // Huge blocks are given back at once: the address space, not the model, is the limit there.
    if (b.size >= huge_block) release(m_.live.find(reinterpret_cast<std::uintptr_t>(p)));
  }

  void forget(Live it) {
    note_freed(reinterpret_cast<void*>(it->first), it->second);
    ++m_.deallocations;
    m_.requested -= it->second.counted;
    m_.live_bytes -= it->second.size;
    m_.live.erase(it);
  }

  // Frees a live block through its own interface after checking its bytes survived.
  void release(Live it) {
    void* p = reinterpret_cast<void*>(it->first);
    const HeapBlock b = it->second;
    expect(pattern_intact(p, b.size, b.id), "contents of a live block changed before its free");
    forget(it);
    if (b.sized) {
      heap_.deallocate(p, b.size, b.align);
    } else if (src_.chance(20)) {
      expect(heap_.realloc(p, 0) == nullptr, "realloc(p, 0) did not return null");
    } else {
      heap_.free(p);
    }
  }

  // Bytes the heap's `requested` counts for a C-style block, from the statistic itself: at least the size,
  // at most the block's usable bytes plus alignment padding.
  [[nodiscard]] std::size_t observed_count(void* p, std::size_t size, std::size_t align, std::size_t before) const {
    const std::size_t after = heap_.heap_stats().requested;
    const std::size_t counted = after - before;
    expect(counted >= size && counted <= heap_.usable_size(p) + align,
           "C-style block of " + std::to_string(size) + " bytes counted as " + std::to_string(counted));
    return counted;
  }

  void allocate_sized() {
    const std::size_t size = draw_size();
    const std::size_t align = src_.align();
    const bool bad_align = !is_pow2(align) || align > Heap::max_alignment();
    void* p = nullptr;
    try {
      p = src_.chance(50) ? heap_.allocate(size, align) : try_allocate_or_throw(size, align);
    } catch (const bad_alignment& e) {
      expect(bad_align, "bad_alignment for the valid alignment " + std::to_string(align));
      expect(names_heap(e), std::string("bad_alignment does not name the heap: ") + e.what());
      return check_unchanged("a rejected alignment");
    } catch (const out_of_memory& e) {
      expect(!bad_align, "out_of_memory instead of bad_alignment for " + std::to_string(align));
      expect(names_heap(e), std::string("out_of_memory does not name the heap: ") + e.what());
      expect(size >= huge_block, "out_of_memory for " + std::to_string(size) + " bytes");
      return check_unchanged("a refused size");
    }
    expect(!bad_align, "accepted the alignment " + std::to_string(align));
    expect(size < impossible_size, "allocated the impossible size " + std::to_string(size));
    check_new_block(p, size, align);
    ++m_.allocations;
    add(p, {size, align, true, size, 0});
  }

  // try_allocate's null, turned into the error allocate would throw, so one path checks both.
  void* try_allocate_or_throw(std::size_t size, std::size_t align) {
    void* p = heap_.try_allocate(size, align);
    if (p != nullptr) return p;
    if (!is_pow2(align) || align > Heap::max_alignment()) {
      throw bad_alignment(heap_.name(), align, Heap::max_alignment());
    }
    throw out_of_memory(heap_.name(), size, align, 0);
  }

  [[nodiscard]] bool names_heap(const error& e) const {
    // Appended rather than "'" + name: g++ 12's Release build warns falsely about the latter (-Wrestrict).
    std::string quoted(1, '\'');
    quoted.append(heap_.name()).push_back('\'');
    return std::string(e.what()).find(quoted) != std::string::npos;
  }

  void allocate_c() {
    const std::uint32_t kind = src_.below(4);
    std::size_t size = draw_size();
    std::size_t align = alignof(std::max_align_t);
    const std::size_t before = heap_.heap_stats().requested;
    void* p = nullptr;
    bool valid = true;
    if (kind == 0) {
      p = heap_.malloc(size);
    } else if (kind == 1) {
      const std::size_t count = src_.below(64);
      std::size_t total = 0;
      valid = !__builtin_mul_overflow(count, size, &total);  // an overflowing product must fail
      p = heap_.calloc(count, size);
      size = total;
    } else if (kind == 2) {
      align = src_.align();
      valid = is_pow2(align) && align <= Heap::max_alignment();
      p = heap_.aligned_malloc(size, align);
    } else {
      p = heap_.realloc(nullptr, size);
    }
    if (p == nullptr) {
      expect(!valid || size >= huge_block, "C-style allocation of " + std::to_string(size) + " failed");
      return check_unchanged("a failed C-style allocation");
    }
    expect(valid && size < impossible_size, "C-style allocation succeeded for invalid arguments");
    check_new_block(p, size, align);
    if (kind == 1) {
      expect(checked_bytes_zero(p, size), "calloc returned a block that is not zero");
    }
    ++m_.allocations;
    add(p, {size, align, false, observed_count(p, size, align, before), 0});
  }

  void free_one() {
    if (m_.live.empty()) return;
    release(pick_live());
  }

  void reallocate() {
    if (m_.live.empty()) return;
    const Live it = pick_live();
    if (it->second.sized) return;  // realloc is for C-style blocks only
    void* p = reinterpret_cast<void*>(it->first);
    const HeapBlock old = it->second;
    const auto around = static_cast<std::uint32_t>(std::min<std::size_t>(old.size, 1u << 20));
    const std::size_t size = src_.chance(10) ? platform_size(src_.size()) : 1 + src_.below(2 * around + 64);
    if (size == 0) return;  // realloc(p, 0) frees: release() covers it
    const HeapStats before = heap_.heap_stats();
    void* q = heap_.realloc(p, size);
    if (q == nullptr) {
      expect(size >= huge_block, "realloc to " + std::to_string(size) + " failed");
      return check_unchanged("a failed realloc");
    }
    expect(pattern_intact(q, old.size, old.id, size), "realloc lost the block's contents");
    const HeapStats after = heap_.heap_stats();
    const std::uint64_t moved = after.allocations - before.allocations;
    expect(moved <= 1 && after.deallocations - before.deallocations == moved, "realloc counted odd calls");
    if (q != p) note_freed(p, old);
    m_.live.erase(it);
    m_.requested -= old.counted;
    m_.live_bytes -= old.size;
    m_.allocations += moved;
    m_.deallocations += moved;
    // In place the block keeps its alignment (and its padding); moved, it is a malloc block.
    const std::size_t align = q == p ? old.align : alignof(std::max_align_t);
    check_new_block(q, size, align);
    const std::size_t counted = after.requested - (before.requested - old.counted);
    expect(counted >= size && counted <= heap_.usable_size(q) + align, "realloc counted " + std::to_string(counted));
    add(q, {size, align, false, counted, 0});
  }

  // A pointer deallocate must refuse: another heap's block, the stack, a segment's header, the inside of a
  // live block, or a live block with a size larger than it holds.
  void misuse_deallocate() {
    int on_stack = 0;
    void* p = foreign_block_;
    std::size_t size = 16;
    std::size_t align = alignof(std::max_align_t);
    const std::uint32_t kind = m_.live.empty() ? src_.below(2) : src_.below(5);
    if (kind == 1) p = &on_stack;
    if (kind >= 2) {
      const Live it = pick_live();
      auto* start = reinterpret_cast<char*>(it->first);
      const std::size_t usable = heap_.usable_size(start);
      align = it->second.align;
      if (kind == 2) p = reinterpret_cast<char*>(it->first & ~((std::uintptr_t{1} << 22) - 1)) + 8;
      if (kind == 3 && usable >= 32) p = start + (usable > 8192 ? 4096 : 16);
      if (kind == 3 && usable < 32) p = &on_stack;
      if (kind == 4) {
        p = start;
        size = usable + 1 + src_.below(64);
      }
    }
    expect_refused(p, size, align, "misuse of kind " + std::to_string(kind));
  }

  // A block freed before and not handed out since, freed again: refused as a double free, or, once its page
  // or mapping went back to the OS (or to another size class), as a pointer that is no block start.
  void double_free() {
    if (freed_.empty()) return;
    const FreedBlock f = freed_[src_.below(static_cast<std::uint32_t>(freed_.size()))];
    for (const auto& [at, b] : m_.live) {
      if (within_reach(f.p, at, b.align, heap_.usable_size(reinterpret_cast<void*>(at)))) return;
    }
    expect_refused(f.p, f.size, f.align, "a double free of " + std::to_string(f.size) + " bytes");
  }

  // check_free and deallocate must both throw the same bad_free naming the heap, and change nothing.
  void expect_refused(void* p, std::size_t size, std::size_t align, const std::string& what) {
    std::string checked;
    try {
      heap_.check_free(p, size, align);
    } catch (const bad_free& e) {
      checked = e.what();
    }
    expect(!checked.empty(), "check_free accepted " + what);
    expect(checked.find("heap '" + std::string(heap_.name()) + "'") != std::string::npos,
           "bad_free does not name the heap: " + checked);
    try {
      heap_.deallocate(p, size, align);
      expect(false, "deallocate accepted " + what);
    } catch (const bad_free& e) {
      expect(checked == e.what(), "check_free said '" + checked + "', deallocate '" + e.what() + "'");
    }
    check_unchanged("a rejected deallocate");
  }

  void note_freed(void* p, const HeapBlock& b) {
    if (freed_.size() == max_freed_kept) freed_.erase(freed_.begin());
    freed_.push_back({p, b.size, b.align});
  }

  void free_foreign() {
    int on_stack = 0;
    const HeapStats other_before = other_.heap_stats();
    heap_.free(src_.chance(50) ? foreign_block_ : static_cast<void*>(&on_stack));
    expect(pattern_intact(foreign_block_, 64, 0), "free of another heap's block changed it");
    expect(other_.heap_stats().requested == other_before.requested, "free of another heap's block freed it");
    check_unchanged("a free of a foreign pointer");
  }

  void check_usable_sizes() {
    int on_stack = 0;
    expect(heap_.usable_size(nullptr) == 0 && heap_.usable_size(&on_stack) == 0 &&
               heap_.usable_size(foreign_block_) == 0 && !heap_.owns(foreign_block_),
           "usable_size or owns of a foreign pointer");
    for (const auto& [at, b] : m_.live) {
      expect(heap_.usable_size(reinterpret_cast<void*>(at)) >= b.size, "usable_size of a live block below its size");
    }
  }

  void collect() {
    heap_.collect();
    check_unchanged("collect");
  }

  void check_legal_free() {
    if (m_.live.empty()) return;
    const Live it = pick_live();
    if (!it->second.sized) return;
    heap_.check_free(reinterpret_cast<void*>(it->first), it->second.size, it->second.align);
    check_unchanged("check_free of a live block");
  }

  // Nothing the model knows may have changed: statistics, and the bytes of every live block.
  void check_unchanged(const char* after) const {
    check_stats(after);
    for (const auto& [at, b] : m_.live) {
      expect(pattern_intact(reinterpret_cast<void*>(at), b.size, b.id),
             std::string("contents of a live block changed after ") + after);
    }
  }

  Source& src_;
  Heap heap_{"model"};
  Heap other_{"other"};
  void* foreign_block_;
  HeapModel m_;
  std::vector<FreedBlock> freed_;  // the last few blocks freed, live again or not
};

inline void run_heap(Source& src, std::size_t steps) {
  HeapHarness harness(src);
  for (std::size_t step = 0; step < steps && !src.done(); ++step) {
    harness.step();
    harness.check_stats("a step");
  }
  harness.free_all();
}

}  // namespace fm::model
