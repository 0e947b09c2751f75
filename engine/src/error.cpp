// Messages for framemem's error types, built once here so every allocator words them the same way, and the
// error handler that receives them in a build without exceptions.
#include "fm/core/error.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "fm/core/align.hpp"

namespace fm {

namespace {

void print_and_abort(const std::exception& error) {
  std::fprintf(stderr, "framemem: %s\n", error.what());
  std::fflush(stderr);
  std::abort();
}

std::atomic<error_handler> current_handler{&print_and_abort};
thread_local detail::ErrorScope* innermost_scope = nullptr;

}  // namespace

error_handler set_error_handler(error_handler handler) noexcept {
  return current_handler.exchange(handler != nullptr ? handler : &print_and_abort);
}

error_handler get_error_handler() noexcept { return current_handler.load(); }

namespace detail {

void report_error(const std::exception& error) {
  ErrorScope::run_all(error);
  current_handler.load()(error);
  std::fprintf(stderr, "framemem: the error handler returned; aborting\n");
  std::abort();
}

void ErrorScope::run_all(const std::exception& error) {
  while (ErrorScope* s = innermost_scope) {
    innermost_scope = s->outer_;
    s->ran_ = true;
    s->run_(s->object_, error);
  }
}

void ErrorScope::push() noexcept {
  outer_ = innermost_scope;
  innermost_scope = this;
}

// After run_all the stack is already empty; a scope popped then must leave it so.
void ErrorScope::pop() noexcept {
  if (innermost_scope == this) innermost_scope = outer_;
}

}  // namespace detail

out_of_memory::out_of_memory(std::string_view allocator, std::size_t size, std::size_t alignment,
                             std::size_t capacity, std::string_view why)
    : error("out of memory in '" + std::string(allocator) + "': requested " + std::to_string(size) +
            " bytes aligned to " + std::to_string(alignment) + ", capacity " + std::to_string(capacity) +
            " bytes (" + std::string(why) + ")"),
      allocator_(allocator),
      size_(size),
      alignment_(alignment),
      capacity_(capacity) {}

bad_alignment::bad_alignment(std::string_view allocator, std::size_t alignment, std::size_t max_alignment)
    : error("bad alignment in '" + std::string(allocator) + "': " + std::to_string(alignment) +
            " is not a power of two between 1 and " + std::to_string(max_alignment)),
      alignment_(alignment) {}

stale_handle::stale_handle(std::string_view pool, std::string_view handle, std::uint32_t current_generation)
    : stale_handle(pool, handle, current_generation,
                   current_generation == 0 ? std::string("its slot was never issued or is retired")
                                           : "its slot is now at generation " + std::to_string(current_generation)) {}

stale_handle::stale_handle(std::string_view pool, std::string_view handle, std::uint32_t current_generation,
                           std::string_view why)
    : error("stale handle " + std::string(handle) + " in '" + std::string(pool) + "': " + std::string(why)),
      current_generation_(current_generation) {}

void check_alignment(std::string_view allocator, std::size_t alignment, std::size_t max) {
  if (!is_pow2(alignment) || alignment > max) raise(bad_alignment(allocator, alignment, max));
}

}  // namespace fm
