// Error types. Every failure names what failed and why (allocator, size, alignment, capacity);
// every throwing call has a try_ twin that returns null/false instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fm/config.hpp"

namespace fm {

// Base of every framemem error, so a game can catch them all in one place.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An allocator could not satisfy a request within its capacity or budget.
class out_of_memory : public error {
 public:
  out_of_memory(std::string_view allocator, std::size_t size, std::size_t alignment, std::size_t capacity,
                std::string_view why = "capacity exhausted");
  [[nodiscard]] const std::string& allocator() const noexcept { return allocator_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t alignment() const noexcept { return alignment_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::string allocator_;
  std::size_t size_;
  std::size_t alignment_;
  std::size_t capacity_;
};

// An alignment that is not a power of two, or larger than the allocator supports.
class bad_alignment : public error {
 public:
  bad_alignment(std::string_view allocator, std::size_t alignment, std::size_t max_alignment);
  [[nodiscard]] std::size_t alignment() const noexcept { return alignment_; }

 private:
  std::size_t alignment_;
};

// Misuse detected by an allocator: double free, foreign pointer, out-of-order free, stale marker.
class bad_free : public error {
 public:
  using error::error;
};

// A generational handle that no longer (or never did) refer to a live object of a handle pool.
class stale_handle : public error {
 public:
  // `current_generation` is the slot's generation now; 0 when the slot was never issued or is retired.
  stale_handle(std::string_view pool, std::string_view handle, std::uint32_t current_generation);
  // A handle the pool never issued (e.g. one of another pool); `why` says how the pool can tell.
  stale_handle(std::string_view pool, std::string_view handle, std::uint32_t current_generation,
               std::string_view why);
  [[nodiscard]] std::uint32_t current_generation() const noexcept { return current_generation_; }

 private:
  std::uint32_t current_generation_;
};

// Throws bad_alignment unless `alignment` is a power of two no larger than `max`.
void check_alignment(std::string_view allocator, std::size_t alignment, std::size_t max);

}  // namespace fm
