// fm::os on Linux: mmap/munmap/madvise/mremap, futex, pthread keys and pthread_atfork, sysfs cache
// geometry and perf_event_open.
#if !defined(_WIN32)

#include <linux/futex.h>
#include <linux/membarrier.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "os.hpp"

namespace fm::os {

namespace {

[[nodiscard]] void* map_raw(std::size_t size, int protection = PROT_READ | PROT_WRITE) noexcept {
  void* p = ::mmap(nullptr, size, protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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

std::size_t page_size() noexcept { return static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)); }

namespace {
[[nodiscard]] void* map_aligned_with(std::size_t size, std::size_t align, int protection) noexcept {
  if (align <= page_size()) return map_raw(size, protection);
  if (size + align < size) return nullptr;
  void* raw = map_raw(size + align, protection);
  return raw == nullptr ? nullptr : trim_to_alignment(raw, size + align, size, align);
}
}  // namespace

void* map_aligned(std::size_t size, std::size_t align) noexcept {
  return map_aligned_with(size, align, PROT_READ | PROT_WRITE);
}

void* reserve_aligned(std::size_t size, std::size_t align) noexcept { return map_aligned_with(size, align, PROT_NONE); }

bool commit(void* p, std::size_t size) noexcept { return ::mprotect(p, size, PROT_READ | PROT_WRITE) == 0; }

void unmap(void* p, std::size_t size) noexcept { ::munmap(p, size); }

void decommit(void* p, std::size_t size) noexcept { ::madvise(p, size, MADV_DONTNEED); }

void* remap_aligned(void* p, std::size_t old_size, std::size_t new_size, std::size_t align, std::size_t) noexcept {
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

void* aligned_malloc(std::size_t size, std::size_t align) noexcept { return std::aligned_alloc(align, size); }

void aligned_free(void* p) noexcept { std::free(p); }

void wait_while(std::atomic<std::uint32_t>& word, std::uint32_t value) noexcept {
  static_assert(sizeof(word) == sizeof(std::uint32_t) && std::atomic<std::uint32_t>::is_always_lock_free);
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, value, nullptr, nullptr, 0);
}

void wake_one(std::atomic<std::uint32_t>& word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

void wake_all(std::atomic<std::uint32_t>& word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

// The expedited command interrupts only the CPUs running this process's threads (microseconds); it needs a
// registration once per process (Linux 4.14). The global one (Linux 4.3) waits for a scheduler grace period
// (milliseconds). Where a seccomp filter refuses both, changing the protection of a page this process has
// touched makes the kernel interrupt every CPU that may cache its mapping to flush the TLB, and such an
// interrupt is a full barrier on that CPU (the fallback .NET and folly use on x86 too).
void barrier_on_every_thread() noexcept {
  static const bool expedited = ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  if (expedited && ::syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0) return;
  if (::syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0) return;
  static void* const page = map_raw(page_size());
  if (page == nullptr) return;
  static_cast<volatile char*>(page)[0] = 1;
  ::mprotect(page, page_size(), PROT_READ);
  ::mprotect(page, page_size(), PROT_READ | PROT_WRITE);
}

static_assert(sizeof(pthread_key_t) <= sizeof(ThreadKey::id));

// pthread_key_create does not allocate in glibc, so callers may hold locks that malloc takes.
bool create_thread_key(ThreadKey& key, ThreadExitCallback on_exit) noexcept {
  pthread_key_t k{};
  if (pthread_key_create(&k, on_exit) != 0) return false;
  key.id = static_cast<std::uint32_t>(k);
  return true;
}

void set_thread_value(ThreadKey key, void* value) noexcept {
  pthread_setspecific(static_cast<pthread_key_t>(key.id), value);
}

void* thread_value(ThreadKey key) noexcept { return pthread_getspecific(static_cast<pthread_key_t>(key.id)); }

void at_fork(void (*prepare)(), void (*in_parent)(), void (*in_child)()) noexcept {
  pthread_atfork(prepare, in_parent, in_child);
}

CacheGeometry cache_geometry() { return read_cache_geometry("/sys/devices/system/cpu/cpu0/cache"); }

namespace {

struct CounterSpec {
  const char* name;
  std::uint32_t type;
  std::uint64_t config;
};

constexpr std::uint64_t cache_config(std::uint64_t cache, std::uint64_t op, std::uint64_t result) {
  return cache | (op << 8) | (result << 16);
}

// Indexed by HardwareEvent.
constexpr CounterSpec specs[hardware_event_count] = {
    {"L1d read accesses", PERF_TYPE_HW_CACHE,
     cache_config(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_ACCESS)},
    {"L1d read misses", PERF_TYPE_HW_CACHE,
     cache_config(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS)},
    {"LLC misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
};

}  // namespace

int open_counter(HardwareEvent event, int group, std::span<char> reason) noexcept {
  const CounterSpec& spec = specs[static_cast<int>(event)];
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = spec.type;
  attr.config = spec.config;
  attr.disabled = group < 0 ? 1 : 0;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  attr.read_format = PERF_FORMAT_GROUP;
  const int fd = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, group, 0));
  if (fd < 0) std::snprintf(reason.data(), reason.size(), "perf_event_open(%s): %s", spec.name, std::strerror(errno));
  return fd;
}

void close_counter(int counter) noexcept { ::close(counter); }

void start_counters(int group) noexcept {
  ioctl(group, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
  ioctl(group, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

bool read_counters(int group, std::span<std::uint64_t> values, std::span<char> reason) noexcept {
  ioctl(group, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
  std::uint64_t read_values[1 + hardware_event_count] = {};  // PERF_FORMAT_GROUP: count, then one per counter
  const std::size_t bytes = (1 + values.size()) * sizeof(std::uint64_t);
  if (values.size() > hardware_event_count || ::read(group, read_values, bytes) != static_cast<ssize_t>(bytes) ||
      read_values[0] != values.size()) {
    std::snprintf(reason.data(), reason.size(), "reading the perf counter group failed: %s", std::strerror(errno));
    return false;
  }
  std::memcpy(values.data(), read_values + 1, values.size_bytes());
  return true;
}

}  // namespace fm::os

#endif
