// Counters of global operator new/delete calls. The counts live in fm::core; they only move when the
// program links fm::new_counter (the opt-in library that replaces global operator new/delete), and
// installed() says whether it did, so a reader can print "unavailable" instead of a zero.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fm/config.hpp"

namespace fm::heap_counter {

struct Counts {
  std::uint64_t allocations = 0;    // calls of any operator new / new[] that returned memory
  std::uint64_t deallocations = 0;  // calls of any operator delete / delete[] with a non-null pointer
  std::uint64_t bytes = 0;          // bytes requested by those operator new calls
};

// True when the counting operator new/delete of fm::new_counter is linked into this program.
[[nodiscard]] bool installed() noexcept;
// Cumulative counts since start-up, over all threads (diff two reads for a per-frame figure).
[[nodiscard]] Counts read() noexcept;

// Called by fm::new_counter's replacement operators only: lock-free, no I/O, no allocation.
void note_allocation(std::size_t bytes) noexcept;
void note_deallocation() noexcept;
void mark_installed() noexcept;

}  // namespace fm::heap_counter
