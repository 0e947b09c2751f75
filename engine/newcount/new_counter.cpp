// Replacement global operator new/delete (every form) that count into fm::heap_counter and forward to
// malloc/free. The hook does no I/O and takes no lock, so it is safe at any point of a program's life.
#include <cstdlib>
#include <limits>
#include <new>

#include "../src/os/os.hpp"
#include "fm/core/align.hpp"
#include "fm/debug/heap_counter.hpp"

namespace {

// Static initialisation tells readers the hook is linked; counts before it are kept anyway.
const bool installed = (fm::heap_counter::mark_installed(), true);

constexpr std::size_t plain = alignof(std::max_align_t);

void* counted(std::size_t size, std::size_t align) noexcept {
  if (size == 0) size = 1;
  // aligned_alloc wants a multiple of the alignment; rounding a size near SIZE_MAX up would wrap to a tiny block.
  if (align > plain && size > std::numeric_limits<std::size_t>::max() - (align - 1)) return nullptr;
  void* p = align <= plain ? std::malloc(size) : fm::os::aligned_malloc(fm::align_up(size, align), align);
  if (p) fm::heap_counter::note_allocation(size);
  return p;
}

// Over-aligned blocks come from the OS layer (Windows frees them with a function of their own).
void uncounted(void* p, std::size_t align) noexcept {
  if (!p) return;
  fm::heap_counter::note_deallocation();
  align <= plain ? std::free(p) : fm::os::aligned_free(p);
}

void* counted_or_throw(std::size_t size, std::size_t align) {
  for (;;) {
    if (void* p = counted(size, align)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void* operator new(std::size_t n) { return counted_or_throw(n, plain); }
void* operator new[](std::size_t n) { return counted_or_throw(n, plain); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(n, plain); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(n, plain); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept { uncounted(p, plain); }
void operator delete[](void* p) noexcept { uncounted(p, plain); }
void operator delete(void* p, std::size_t) noexcept { uncounted(p, plain); }
void operator delete[](void* p, std::size_t) noexcept { uncounted(p, plain); }
void operator delete(void* p, std::align_val_t a) noexcept { uncounted(p, static_cast<std::size_t>(a)); }
void operator delete[](void* p, std::align_val_t a) noexcept { uncounted(p, static_cast<std::size_t>(a)); }
void operator delete(void* p, std::size_t, std::align_val_t a) noexcept { uncounted(p, static_cast<std::size_t>(a)); }
void operator delete[](void* p, std::size_t, std::align_val_t a) noexcept { uncounted(p, static_cast<std::size_t>(a)); }
void operator delete(void* p, const std::nothrow_t&) noexcept { uncounted(p, plain); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { uncounted(p, plain); }
void operator delete(void* p, std::align_val_t a, const std::nothrow_t&) noexcept {
  uncounted(p, static_cast<std::size_t>(a));
}
void operator delete[](void* p, std::align_val_t a, const std::nothrow_t&) noexcept {
  uncounted(p, static_cast<std::size_t>(a));
}
