// Over-aligned heap memory, aligned_alloc style: allocate/free with any power-of-two alignment up to
// fm::max_alignment (sizes need not be multiples of it), and an owning AlignedBuffer for RAII use.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include "fm/core/align.hpp"
#include "fm/core/error.hpp"

namespace fm {

// Throws fm::bad_alignment for an alignment that is not a power of two up to fm::max_alignment, and
// std::bad_alloc when the heap is exhausted.
[[nodiscard]] inline void* aligned_allocate(std::size_t size, std::size_t align) {
  check_alignment("aligned heap", align, max_alignment);
  return ::operator new(size == 0 ? 1 : size, std::align_val_t{align});
}

// Null for a bad alignment or an exhausted heap.
[[nodiscard]] inline void* try_aligned_allocate(std::size_t size, std::size_t align) noexcept {
  if (!is_pow2(align) || align > max_alignment) return nullptr;
  return ::operator new(size == 0 ? 1 : size, std::align_val_t{align}, std::nothrow);
}

// Frees what aligned_allocate returned; `align` must be the alignment it was given.
inline void aligned_deallocate(void* p, std::size_t align) noexcept { ::operator delete(p, std::align_val_t{align}); }

struct AlignedDelete {
  std::size_t align = alignof(std::max_align_t);
  void operator()(std::byte* p) const noexcept { aligned_deallocate(p, align); }
};

// An owning, over-aligned byte buffer.
using AlignedBuffer = std::unique_ptr<std::byte[], AlignedDelete>;

[[nodiscard]] inline AlignedBuffer make_aligned_buffer(std::size_t size, std::size_t align) {
  return AlignedBuffer(static_cast<std::byte*>(aligned_allocate(size, align)), AlignedDelete{align});
}

}  // namespace fm
