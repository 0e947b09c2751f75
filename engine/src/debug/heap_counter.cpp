// The global operator new/delete counters: relaxed atomics, constant-initialised so the hook can count
// allocations made before any static constructor runs.
#include "fm/debug/heap_counter.hpp"

#include <atomic>

namespace fm::heap_counter {

namespace {
constinit std::atomic<std::uint64_t> allocations{0};
constinit std::atomic<std::uint64_t> deallocations{0};
constinit std::atomic<std::uint64_t> bytes{0};
constinit std::atomic<bool> hook_installed{false};
}  // namespace

bool installed() noexcept { return hook_installed.load(std::memory_order_relaxed); }

Counts read() noexcept {
  return {allocations.load(std::memory_order_relaxed), deallocations.load(std::memory_order_relaxed),
          bytes.load(std::memory_order_relaxed)};
}

void note_allocation(std::size_t n) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  bytes.fetch_add(n, std::memory_order_relaxed);
}

void note_deallocation() noexcept { deallocations.fetch_add(1, std::memory_order_relaxed); }

void mark_installed() noexcept { hook_installed.store(true, std::memory_order_relaxed); }

}  // namespace fm::heap_counter
