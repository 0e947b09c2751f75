// The heap's view of OS memory: mappings kept inside the address range its unit maps cover (the OS layer
// does the mapping), the unit map that tells free() which mappings are the heap's, and each heap's reserved
// segment range with its slice table.
#include <atomic>
#include <bit>
#include <cstdint>

#include "../os/os.hpp"
#include "heap_state.hpp"

namespace fm::heap {

void* map_aligned(std::size_t size, std::size_t align) noexcept {
  if (size > (std::size_t{1} << address_bits) || align > (std::size_t{1} << (address_bits - 1))) return nullptr;
  void* p = os::map_aligned(size, align);
  if (p == nullptr) return nullptr;
  if (!in_address_range(reinterpret_cast<std::uintptr_t>(p) + size)) {
    os::unmap(p, size);
    return nullptr;
  }
  return p;
}

constinit UnitMap unit_map;

namespace {

inline constexpr std::size_t range_bytes = range_segments * segment_size;
inline constexpr std::size_t slice_table_bytes = range_slices * sizeof(SliceEntry);
inline constexpr std::uint32_t slices_per_segment = segment_size >> min_page_shift;

[[nodiscard]] std::size_t segment_index(const SegmentRange& range, const void* segment) noexcept {
  return (reinterpret_cast<std::uintptr_t>(segment) - range.base) >> segment_shift;
}

// Sets the bits of `mask` in the entries of `slices` slices from `first_slice` to those of `bits`, keeping the
// others: a page's bin (set by aligned allocations without the class lock) and its owner (set by refills
// under it) change independently, and a free must never see an entry half-way between two.
void set_entries(const SegmentRange& range, const void* first_slice, std::uint32_t slices, SliceEntry mask,
                 SliceEntry bits) noexcept {
  auto* table = reinterpret_cast<SliceEntry*>(range.base);
  const std::uintptr_t first = (reinterpret_cast<std::uintptr_t>(first_slice) - range.base) >> min_page_shift;
  for (std::uint32_t i = 0; i < slices; ++i) {
    std::atomic_ref<SliceEntry> entry(table[first + i]);
    SliceEntry old = entry.load(std::memory_order_relaxed);
    while (!entry.compare_exchange_weak(old, (old & ~mask) | bits, std::memory_order_relaxed)) {
    }
  }
}

}  // namespace

void reserve_range(SegmentRange& range) noexcept {
  void* base = os::reserve_aligned(range_bytes, segment_size);
  if (base == nullptr) return;
  if (!in_address_range(reinterpret_cast<std::uintptr_t>(base) + range_bytes) || !os::commit(base, slice_table_bytes)) {
    os::unmap(base, range_bytes);
    return;
  }
  range.base = reinterpret_cast<std::uintptr_t>(base);
  range.used[0] = 1;  // the slice table's segment
}

void* range_take_segment(SegmentRange& range) noexcept {
  if (range.base == no_range) return nullptr;
  Guard guard(range.lock);
  for (std::size_t word = 0; word < range_segments / 64; ++word) {
    if (range.used[word] == ~std::uint64_t{0}) continue;
    const auto bit = static_cast<std::size_t>(std::countr_one(range.used[word]));
    void* segment = reinterpret_cast<void*>(range.base + ((word * 64 + bit) << segment_shift));
    if (!os::commit(segment, segment_size)) return nullptr;
    range.used[word] |= std::uint64_t{1} << bit;
    return segment;
  }
  return nullptr;
}

bool range_holds(const SegmentRange& range, const void* p) noexcept {
  return reinterpret_cast<std::uintptr_t>(p) - range.base < range_bytes;
}

void range_return_segment(SegmentRange& range, void* segment) noexcept {
  set_entries(range, segment, slices_per_segment, ~SliceEntry{0}, 0);  // its frees take the slow path, which ignores them
  os::decommit(segment, segment_size);
  const std::size_t i = segment_index(range, segment);
  Guard guard(range.lock);
  range.used[i / 64] &= ~(std::uint64_t{1} << (i % 64));
}

void release_range(SegmentRange& range) noexcept {
  if (range.base == no_range) return;
  os::unmap(reinterpret_cast<void*>(range.base), range_bytes);
  range.base = no_range;
}

namespace {

[[nodiscard]] std::uint32_t slices_per_page(const Segment& s) noexcept {
  return std::uint32_t{1} << (s.page_shift - min_page_shift);
}
[[nodiscard]] std::uint32_t first_slice_of(const Segment& s, const PageMeta& page) noexcept {
  return static_cast<std::uint32_t>(&page - s.pages) * slices_per_page(s);
}
[[nodiscard]] char* page_slices(Segment& s, const PageMeta& page) noexcept {
  return reinterpret_cast<char*>(&s) + (std::size_t{first_slice_of(s, page)} << min_page_shift);
}

}  // namespace

void claim_page(const ThreadCache& tc, const Block* b) noexcept {
  const SegmentRange& range = tc.heap->range;
  SliceEntry entry = 0;
  if (!range_entry(range.base, b, entry) || (entry & ~bin_mask) == tc.owner_bits) return;
  auto& s = *static_cast<Segment*>(segment_of(b));
  set_entries(range, page_slices(s, s.page_of(b)), slices_per_page(s), ~bin_mask, tc.owner_bits);
}

bool is_remote_free(const ThreadCache& tc, SliceEntry entry, const void* p) noexcept {
  if (!is_remote_entry(entry, tc)) return false;
  if (owner_live(*tc.heap, entry & ~bin_mask)) return true;
  claim_page(tc, static_cast<const Block*>(p));
  return false;
}

bool is_remote_free(const Segment& s, const void* p, const ThreadCache& tc) noexcept {
  SliceEntry entry = 0;
  return range_entry(s.heap->range.base, p, entry) && is_remote_free(tc, entry, p);
}

void set_free_bin(Segment& s, const PageMeta& page, std::uint32_t bin) noexcept {
  const std::uint32_t slices = slices_per_page(s);
  const std::uint32_t first = first_slice_of(s, page);
  for (std::uint32_t i = 0; i < slices; ++i) s.slice_bins[first + i].store(static_cast<std::uint8_t>(bin), std::memory_order_relaxed);
  const SegmentRange& range = s.heap->range;
  if (!range_holds(range, &s)) return;
  // A page lent to a class starts without an owner: a former class's would make every free of it remote.
  if (bin == interior_bin) return set_entries(range, page_slices(s, page), slices, bin_mask, no_room_entry);
  set_entries(range, page_slices(s, page), slices, ~SliceEntry{0}, bin_entry(bin));
}

}  // namespace fm::heap
