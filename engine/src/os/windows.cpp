// fm::os on Windows: VirtualAlloc/VirtualFree, WaitOnAddress, fiber-local slots with a callback for thread
// exit (FlsAlloc). There is no fork, no sysfs and no user-readable hardware counter.
#if defined(_WIN32)

#include <malloc.h>
#include <windows.h>

#include <cstdio>
#include <cstring>

#include "os.hpp"

namespace fm::os {

namespace {

[[nodiscard]] std::size_t granularity() noexcept {
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  return info.dwAllocationGranularity;
}

[[nodiscard]] void* reserve_at(void* at, std::size_t size, bool usable = true) noexcept {
  return usable ? VirtualAlloc(at, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE)
                : VirtualAlloc(at, size, MEM_RESERVE, PAGE_NOACCESS);
}

void release(void* p) noexcept { VirtualFree(p, 0, MEM_RELEASE); }

}  // namespace

std::size_t page_size() noexcept {
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  return info.dwPageSize;
}

// Windows cannot release part of a reservation, so an aligned range is found by reserving `size + align`,
// releasing it and reserving the aligned range inside; another thread may take that address in between,
// so the dance is retried a few times.
namespace {
[[nodiscard]] void* map_aligned_with(std::size_t size, std::size_t align, bool usable) noexcept {
  if (align <= granularity()) return reserve_at(nullptr, size, usable);
  if (size + align < size) return nullptr;
  for (int attempt = 0; attempt < 16; ++attempt) {
    void* probe = VirtualAlloc(nullptr, size + align, MEM_RESERVE, PAGE_NOACCESS);
    if (probe == nullptr) return nullptr;
    const auto aligned = (reinterpret_cast<std::uintptr_t>(probe) + align - 1) & ~(align - 1);
    release(probe);
    if (void* p = reserve_at(reinterpret_cast<void*>(aligned), size, usable); p != nullptr) return p;
  }
  return nullptr;
}
}  // namespace

void* map_aligned(std::size_t size, std::size_t align) noexcept { return map_aligned_with(size, align, true); }

void* reserve_aligned(std::size_t size, std::size_t align) noexcept { return map_aligned_with(size, align, false); }

bool commit(void* p, std::size_t size) noexcept { return VirtualAlloc(p, size, MEM_COMMIT, PAGE_READWRITE) != nullptr; }

void unmap(void* p, std::size_t) noexcept { release(p); }

// Decommitted pages would fault on the next touch; committing them again at once keeps the range usable,
// and fresh committed pages read as zero, as after madvise(MADV_DONTNEED).
void decommit(void* p, std::size_t size) noexcept {
  VirtualFree(p, size, MEM_DECOMMIT);
  VirtualAlloc(p, size, MEM_COMMIT, PAGE_READWRITE);
}

// A reservation cannot grow or move, so: shrinking decommits the tail (released with the whole range
// later), growing copies into a new range.
void* remap_aligned(void* p, std::size_t old_size, std::size_t new_size, std::size_t align, std::size_t used) noexcept {
  if (new_size <= old_size) {
    const std::size_t keep = (new_size + page_size() - 1) & ~(page_size() - 1);
    if (keep < old_size) VirtualFree(static_cast<char*>(p) + keep, old_size - keep, MEM_DECOMMIT);
    return p;
  }
  void* q = map_aligned(new_size, align);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, used < old_size ? used : old_size);
  release(p);
  return q;
}

void* aligned_malloc(std::size_t size, std::size_t align) noexcept { return _aligned_malloc(size, align); }

void aligned_free(void* p) noexcept { _aligned_free(p); }

void wait_while(std::atomic<std::uint32_t>& word, std::uint32_t value) noexcept {
  static_assert(sizeof(word) == sizeof(std::uint32_t) && std::atomic<std::uint32_t>::is_always_lock_free);
  WaitOnAddress(&word, &value, sizeof value, INFINITE);
}

void wake_one(std::atomic<std::uint32_t>& word) noexcept { WakeByAddressSingle(&word); }

void wake_all(std::atomic<std::uint32_t>& word) noexcept { WakeByAddressAll(&word); }

void barrier_on_every_thread() noexcept { FlushProcessWriteBuffers(); }

bool create_thread_key(ThreadKey& key, ThreadExitCallback on_exit) noexcept {
  const DWORD index = FlsAlloc(on_exit);
  if (index == FLS_OUT_OF_INDEXES) return false;
  key.id = index;
  return true;
}

void set_thread_value(ThreadKey key, void* value) noexcept { FlsSetValue(key.id, value); }

void* thread_value(ThreadKey key) noexcept { return FlsGetValue(key.id); }

void at_fork(void (*)(), void (*)(), void (*)()) noexcept {}

CacheGeometry cache_geometry() { return fallback_cache_geometry; }

int open_counter(HardwareEvent, int, std::span<char> reason) noexcept {
  std::snprintf(reason.data(), reason.size(), "hardware cache counters: not readable by programs on Windows");
  return -1;
}

void close_counter(int) noexcept {}

void start_counters(int) noexcept {}

bool read_counters(int, std::span<std::uint64_t>, std::span<char> reason) noexcept {
  std::snprintf(reason.data(), reason.size(), "hardware cache counters: not readable by programs on Windows");
  return false;
}

}  // namespace fm::os

#endif
