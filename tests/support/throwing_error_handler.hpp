// For test programs (built with exceptions) over a framemem built without them: an error handler that throws
// each reported error on as its own type, so a test that expects an error catches exactly what the handler
// received. install_throwing_error_handler() does nothing when framemem throws by itself.
#pragma once

#include <new>
#include <stdexcept>

#include "fm/core/error.hpp"
#include "fm/debug/guarded.hpp"
#include "fm/trace/reader.hpp"

namespace fm::test {

// Throws a copy of `e` as its most derived type among those framemem reports; a type missing here reaches
// the test as a base class, and a test expecting the derived one fails.
template <class First, class... Rest>
[[noreturn]] void throw_as(const std::exception& e) {
  if (const auto* typed = dynamic_cast<const First*>(&e)) throw *typed;
  if constexpr (sizeof...(Rest) > 0) {
    throw_as<Rest...>(e);
  } else {
    throw std::runtime_error(e.what());
  }
}

[[noreturn]] inline void throw_reported_error(const std::exception& e) {
  throw_as<out_of_memory, bad_alignment, bad_free, stale_handle, guard_overwritten, trace::bad_trace, error,
           std::bad_array_new_length, std::bad_alloc, std::invalid_argument, std::out_of_range, std::logic_error,
           std::runtime_error>(e);
}

inline void install_throwing_error_handler() {
  if constexpr (!FM_EXCEPTIONS) set_error_handler(&throw_reported_error);
}

}  // namespace fm::test
