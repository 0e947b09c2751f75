// The heap's only contact with the OS: aligned mmap, munmap, madvise(DONTNEED) for empty pages, mremap for
// growing large blocks, futex sleep and wake for its locks; and the unit maps that tell free() which
// mappings are the heap's.
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include "heap_state.hpp"

namespace fm::heap {

namespace {

[[nodiscard]] void* map_raw(std::size_t size) noexcept {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}


// Trims an over-sized mapping [raw, raw+raw_size) to an aligned [result, result+size).
[[nodiscard]] void* trim_to_alignment(void* raw, std::size_t raw_size, std::size_t size, std::size_t align) noexcept {
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const auto aligned = (base + align - 1) & ~(align - 1);
  if (aligned > base) ::munmap(raw, aligned - base);
  const auto end = aligned + size;
  if (base + raw_size > end) ::munmap(reinterpret_cast<void*>(end), base + raw_size - end);
  return reinterpret_cast<void*>(aligned);
}

}  // namespace

void* map_aligned(std::size_t size, std::size_t align) noexcept {
  if (size > (std::size_t{1} << address_bits) || align > (std::size_t{1} << (address_bits - 1))) return nullptr;
  void* p = nullptr;
  if (align <= os_page) {
    p = map_raw(size);
  } else if (void* raw = map_raw(size + align); raw != nullptr) {
    p = trim_to_alignment(raw, size + align, size, align);
  }
  if (p == nullptr) return nullptr;
  if (!in_address_range(reinterpret_cast<std::uintptr_t>(p) + size)) {
    ::munmap(p, size);
    return nullptr;
  }
  return p;
}

void unmap(void* p, std::size_t size) noexcept { ::munmap(p, size); }

void decommit(void* p, std::size_t size) noexcept { ::madvise(p, size, MADV_DONTNEED); }

void* remap_aligned(void* p, std::size_t old_size, std::size_t new_size, std::size_t align) noexcept {
  // In place first (shrinking always works, growing when the neighbour range is free).
  void* q = ::mremap(p, old_size, new_size, 0);
  if (q != MAP_FAILED) return q;
  // Otherwise move the pages (no copy) to a fresh aligned range reserved for them.
  void* target = map_aligned(new_size, align);
  if (target == nullptr) return nullptr;
  q = ::mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, target);
  if (q == MAP_FAILED) {
    ::munmap(target, new_size);
    return nullptr;
  }
  return q;
}

void wait_while(std::atomic<std::uint32_t>& word, std::uint32_t value) noexcept {
  static_assert(sizeof(word) == sizeof(std::uint32_t) && std::atomic<std::uint32_t>::is_always_lock_free);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, value, nullptr, nullptr, 0);
}

void wake_waiter(std::atomic<std::uint32_t>& word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

constinit UnitMap segment_units;
constinit UnitMap large_units;
constinit UnitMap large_starts;

}  // namespace fm::heap
