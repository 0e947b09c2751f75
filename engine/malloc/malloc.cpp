// The C allocation interface of libframemem_malloc.so on fm::Heap, with C-standard errors: ENOMEM when
// memory runs out or a size overflows, EINVAL for a bad alignment; never an abort.
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include <new>

#include "process_heap.hpp"
#include "trace_hook.hpp"

namespace fm::malloc_lib {

constinit std::atomic<Heap*> process_heap_ptr{nullptr};
constinit std::atomic<std::uintptr_t> process_range{heap::no_range};
constinit std::atomic<unsigned> process_slot{heap::no_heap_slot};

namespace {
alignas(Heap) unsigned char heap_storage[sizeof(Heap)];
constinit std::atomic_flag creating = ATOMIC_FLAG_INIT;

[[nodiscard]] void* or_enomem(void* p) noexcept {
  if (p == nullptr) errno = ENOMEM;
  return p;
}

[[nodiscard]] std::size_t page_size() noexcept { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }
}  // namespace

void free_slow(void* p) noexcept { process_heap().free(p); }

[[gnu::noinline]] void* malloc_slow(std::size_t size) noexcept { return or_enomem(process_heap().malloc(size)); }

// While recording, malloc and free take these instead of their inline paths, which then call nothing after
// the fast path and need no stack frame.
[[gnu::noinline]] void* malloc_traced(std::size_t size) noexcept {
  void* p = malloc_fast(size);
  return traced(p != nullptr ? p : malloc_slow(size), size, alignof(max_align_t));
}
[[gnu::noinline]] void free_traced(void* p) noexcept {
  trace_free(p);
  free_block(p);
}

Heap& create_process_heap() noexcept {
  while (creating.test_and_set(std::memory_order_acquire)) {
  }
  Heap* h = process_heap_ptr.load(std::memory_order_relaxed);
  if (h == nullptr) {
    h = ::new (heap_storage) Heap("malloc");  // does not allocate: heap state and caches come from mmap
    process_range.store(heap::HeapAccess::state(*h).range.base, std::memory_order_relaxed);
    process_slot.store(heap::HeapAccess::slot(*h), std::memory_order_relaxed);
    process_heap_ptr.store(h, std::memory_order_release);
  }
  creating.clear(std::memory_order_release);
  return *h;
}

}  // namespace fm::malloc_lib

using fm::malloc_lib::or_enomem;
using fm::malloc_lib::process_heap;
using fm::malloc_lib::traced;
constexpr size_t malloc_align = alignof(max_align_t);

extern "C" {

FM_EXPORT void* malloc(size_t size) noexcept {
  if (fm::malloc_lib::tracing()) [[unlikely]] return fm::malloc_lib::malloc_traced(size);
  if (void* p = fm::malloc_lib::malloc_fast(size)) [[likely]] return p;
  return fm::malloc_lib::malloc_slow(size);
}

FM_EXPORT void free(void* p) noexcept {
  if (fm::malloc_lib::tracing()) [[unlikely]] return fm::malloc_lib::free_traced(p);
  fm::malloc_lib::free_block(p);
}

FM_EXPORT void* calloc(size_t count, size_t size) noexcept {
  return or_enomem(traced(process_heap().calloc(count, size), count * size, malloc_align));
}

FM_EXPORT void* realloc(void* p, size_t size) noexcept {
  void* q = fm::malloc_lib::tracing() ? fm::malloc_lib::traced_realloc(p, size) : process_heap().realloc(p, size);
  if (q == nullptr && size != 0) errno = ENOMEM;
  return q;
}

FM_EXPORT void* reallocarray(void* p, size_t count, size_t size) noexcept {
  size_t total = 0;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, total);
}

FM_EXPORT int posix_memalign(void** out, size_t align, size_t size) noexcept {
  if (align < sizeof(void*) || !fm::is_pow2(align)) return EINVAL;
  void* p = traced(process_heap().aligned_malloc(size, align), size, align);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

FM_EXPORT void* aligned_alloc(size_t align, size_t size) noexcept {
  if (!fm::is_pow2(align)) {
    errno = EINVAL;
    return nullptr;
  }
  return or_enomem(traced(process_heap().aligned_malloc(size, align), size, align));
}

// glibc rounds a non-power-of-two alignment up instead of failing; programs rely on that.
FM_EXPORT void* memalign(size_t align, size_t size) noexcept {
  if (align > fm::Heap::max_alignment()) {
    errno = EINVAL;
    return nullptr;
  }
  size_t pow2 = 1;
  while (pow2 < align) pow2 <<= 1;
  return or_enomem(traced(process_heap().aligned_malloc(size, pow2), size, pow2));
}

FM_EXPORT void* valloc(size_t size) noexcept {
  const size_t page = fm::malloc_lib::page_size();
  return or_enomem(traced(process_heap().aligned_malloc(size, page), size, page));
}

FM_EXPORT void* pvalloc(size_t size) noexcept {
  const size_t page = fm::malloc_lib::page_size();
  if (size > SIZE_MAX - page) {
    errno = ENOMEM;
    return nullptr;
  }
  const size_t rounded = size == 0 ? page : fm::align_up(size, page);
  return or_enomem(traced(process_heap().aligned_malloc(rounded, page), rounded, page));
}

FM_EXPORT size_t malloc_usable_size(void* p) noexcept { return process_heap().usable_size(p); }

}  // extern "C"
