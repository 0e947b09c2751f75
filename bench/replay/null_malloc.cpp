// A nearly do-nothing allocator for measuring framemem-replay itself (LD_PRELOAD, `--against null=PATH`):
// power-of-two classes, each carved by a bump pointer from its own range of one large lazily backed
// mapping (so a block's class is its address range: no header, natural alignment), and a free that pushes
// the block onto the freeing thread's list for its class. No locks, no statistics, no returning memory:
// a replay under it costs what the replay's own work costs (the plan, writing and checking every block,
// thread hand-offs, frame barriers) plus a few instructions per call, and reuses memory like a real
// allocator, so page faults do not dominate the way they would if nothing were ever reused.
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

constexpr unsigned min_shift = 4;   // 16-byte blocks
constexpr unsigned max_shift = 32;  // 4 GiB blocks
constexpr unsigned classes = max_shift - min_shift + 1;
constexpr std::size_t class_range = std::size_t{1} << 36;  // address space per class (64 GiB, never backed whole)

struct Range {
  std::atomic<std::uintptr_t> next{0};
  std::uintptr_t end = 0;
};

Range ranges[classes];
std::uintptr_t base = 0;
thread_local void* free_lists[classes] = {};

bool map_ranges() noexcept {
  static const bool mapped = [] {
    void* p = ::mmap(nullptr, class_range * (classes + 1), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    base = (reinterpret_cast<std::uintptr_t>(p) + class_range - 1) & ~(class_range - 1);  // class ranges aligned
    for (unsigned c = 0; c < classes; ++c) {
      ranges[c].next.store(base + c * class_range, std::memory_order_relaxed);
      ranges[c].end = base + (c + 1) * class_range;
    }
    return true;
  }();
  return mapped;
}

unsigned class_of_size(std::size_t size) noexcept {
  if (size <= (std::size_t{1} << min_shift)) return 0;
  return static_cast<unsigned>(64 - __builtin_clzll(size - 1)) - min_shift;
}
unsigned class_of_block(const void* p) noexcept {
  return static_cast<unsigned>((reinterpret_cast<std::uintptr_t>(p) - base) / class_range);
}

void* allocate(std::size_t size, std::size_t align) noexcept {
  if (!map_ranges() || align == 0 || (align & (align - 1)) != 0) return errno = EINVAL, nullptr;
  const unsigned c = class_of_size(size > align ? size : align);
  if (c >= classes) return errno = ENOMEM, nullptr;
  if (void* p = free_lists[c]) {
    free_lists[c] = *static_cast<void**>(p);
    return p;
  }
  const std::size_t bytes = std::size_t{1} << (c + min_shift);
  const std::uintptr_t p = ranges[c].next.fetch_add(bytes, std::memory_order_relaxed);
  if (p + bytes > ranges[c].end) return errno = ENOMEM, nullptr;
  return reinterpret_cast<void*>(p);
}

void release(void* p) noexcept {
  if (p == nullptr) return;
  const unsigned c = class_of_block(p);
  *static_cast<void**>(p) = free_lists[c];
  free_lists[c] = p;
}

}  // namespace

#define FM_NULL_EXPORT extern "C" __attribute__((visibility("default")))

FM_NULL_EXPORT void* malloc(std::size_t size) noexcept { return allocate(size, 16); }
FM_NULL_EXPORT void free(void* p) noexcept { release(p); }
FM_NULL_EXPORT void* calloc(std::size_t n, std::size_t size) noexcept {
  std::size_t total = 0;
  if (__builtin_mul_overflow(n, size, &total)) return errno = ENOMEM, nullptr;
  void* p = allocate(total, 16);
  if (p != nullptr) std::memset(p, 0, total);
  return p;
}
FM_NULL_EXPORT void* realloc(void* p, std::size_t size) noexcept {
  if (p == nullptr) return allocate(size, 16);
  if (size == 0) {
    release(p);
    return nullptr;
  }
  void* q = allocate(size, 16);
  if (q == nullptr) return nullptr;
  const std::size_t old_bytes = std::size_t{1} << (class_of_block(p) + min_shift);
  std::memcpy(q, p, old_bytes < size ? old_bytes : size);
  release(p);
  return q;
}
FM_NULL_EXPORT void* aligned_alloc(std::size_t align, std::size_t size) noexcept { return allocate(size, align); }
FM_NULL_EXPORT int posix_memalign(void** out, std::size_t align, std::size_t size) noexcept {
  void* p = allocate(size, align);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
FM_NULL_EXPORT void* memalign(std::size_t align, std::size_t size) noexcept { return allocate(size, align); }
FM_NULL_EXPORT std::size_t malloc_usable_size(void* p) noexcept {
  return p == nullptr ? 0 : std::size_t{1} << (class_of_block(p) + min_shift);
}
