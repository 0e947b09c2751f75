// The only door from fm::core to the operating system: virtual memory, sleeping on a word, thread-exit
// callbacks, fork hooks, cache geometry and hardware counters. posix.cpp (Linux) and windows.cpp implement it;
// each compiles to nothing on the other system.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "fm/cache/cache_geometry.hpp"

namespace fm::os {

// ---- Virtual memory. Every range is readable and writable and backed lazily: a page costs memory only
// once touched, and reads as zero until written.

[[nodiscard]] std::size_t page_size() noexcept;
// Reserves and commits `size` bytes at a multiple of `align` (a power of two); null when the OS refuses.
[[nodiscard]] void* map_aligned(std::size_t size, std::size_t align) noexcept;
// Reserves `size` bytes of address space at a multiple of `align` without making them usable: commit makes
// a part of it usable (page-aligned; true on success), unmap releases the whole reservation. Null when the
// OS refuses.
[[nodiscard]] void* reserve_aligned(std::size_t size, std::size_t align) noexcept;
[[nodiscard]] bool commit(void* p, std::size_t size) noexcept;
// Releases a whole range that map_aligned, reserve_aligned or remap_aligned returned.
void unmap(void* p, std::size_t size) noexcept;
// Gives the physical pages of [p, p + size) back (page-aligned, inside one range); the range stays usable
// and reads as zero again.
void decommit(void* p, std::size_t size) noexcept;
// Resizes a range to `new_size`: in place when the OS can, else moved to a new range aligned to `align`.
// Its first `used` bytes (at most both sizes) come along; Linux moves every page, Windows copies just those,
// so that the untouched rest costs nothing. Null when neither works; the old range is then intact.
[[nodiscard]] void* remap_aligned(void* p, std::size_t old_size, std::size_t new_size, std::size_t align,
                                  std::size_t used) noexcept;

// ---- The C runtime's over-aligned blocks (aligned_alloc; _aligned_malloc on Windows, whose blocks only
// _aligned_free may free). `size` is a multiple of `align`, a power of two.
[[nodiscard]] void* aligned_malloc(std::size_t size, std::size_t align) noexcept;
void aligned_free(void* p) noexcept;

// ---- Sleeping on a 32-bit word (a futex; WaitOnAddress on Windows). wait_while may return spuriously.
void wait_while(std::atomic<std::uint32_t>& word, std::uint32_t value) noexcept;
void wake_one(std::atomic<std::uint32_t>& word) noexcept;
void wake_all(std::atomic<std::uint32_t>& word) noexcept;

// ---- A full memory barrier run on every thread of the process at once (membarrier on Linux,
// FlushProcessWriteBuffers on Windows). A thread that stores to one word and then loads another, with only a
// compiler barrier between, either has its store seen by the caller's loads after this returns, or its load
// sees what the caller stored before the call. So a rare operation (closing a trace) pays once what the
// fast path of every other thread would otherwise pay per call (a locked instruction).
void barrier_on_every_thread() noexcept;

// ---- A per-thread pointer with a callback that runs, with that pointer, when a thread that set it exits
// (a pthread key; a fiber-local slot on Windows). None of these calls allocates.
struct ThreadKey {
  std::uint32_t id = 0;
};
using ThreadExitCallback = void (*)(void* value);
[[nodiscard]] bool create_thread_key(ThreadKey& key, ThreadExitCallback on_exit) noexcept;
void set_thread_value(ThreadKey key, void* value) noexcept;
[[nodiscard]] void* thread_value(ThreadKey key) noexcept;

// Whether `thread_local` variables are still alive when the thread-exit callbacks run. MinGW emulates
// thread_local and frees each thread's copies before Windows runs the fiber-local callbacks, so there a
// callback must find its data through the pointer it is given, in memory it owns.
#if defined(_WIN32)
inline constexpr bool thread_locals_outlive_exit_callbacks = false;
#else
inline constexpr bool thread_locals_outlive_exit_callbacks = true;
#endif

// ---- fork(): the three hooks run around every fork of the process (pthread_atfork). Windows has no fork;
// there the hooks are never called.
#if defined(_WIN32)
inline constexpr bool has_fork = false;
#else
inline constexpr bool has_fork = true;
#endif
void at_fork(void (*prepare)(), void (*in_parent)(), void (*in_child)()) noexcept;

// ---- This machine's L1d and L2 (sysfs on Linux); the fallback geometry where the OS does not say.
[[nodiscard]] CacheGeometry cache_geometry();

// ---- Hardware counters of the calling thread, opened as one group (perf_event_open on Linux).
enum class HardwareEvent : std::uint8_t { l1d_read_accesses, l1d_read_misses, llc_misses, instructions };
inline constexpr int hardware_event_count = 4;
// Opens one counter, disabled, into `group` (-1: it leads a new group); a handle, or -1 with why in `reason`.
[[nodiscard]] int open_counter(HardwareEvent event, int group, std::span<char> reason) noexcept;
void close_counter(int counter) noexcept;
void start_counters(int group) noexcept;
// Stops the group and reads one value per counter, in opening order; false with why in `reason`.
[[nodiscard]] bool read_counters(int group, std::span<std::uint64_t> values, std::span<char> reason) noexcept;

}  // namespace fm::os
