// Error types and how they are reported. Every failure names what failed and why (allocator, size, alignment,
// capacity); every call that reports an error has a try_ twin that returns null/false instead. With exceptions
// (FM_EXCEPTIONS=1) an error is thrown; without, it goes to a settable handler that must not return.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

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

// Called with every error framemem reports when it is built without exceptions (FM_EXCEPTIONS=0), with the
// same object (and message) a build with exceptions throws. It must not return: the default prints what() to
// stderr and aborts, and framemem aborts after a handler that returns. A handler may also leave by longjmp, or
// by throwing when the code around is built with exceptions (the test suite does, to check each error):
// framemem then puts back what the failed call had changed, as with exceptions, but its frames built without
// exceptions release nothing on the way out, so the error's message leaks. Unused while framemem is built
// with exceptions.
using error_handler = void (*)(const std::exception& error);

// Installs `handler` for every thread (null restores the default) and returns the one it replaces.
error_handler set_error_handler(error_handler handler) noexcept;
[[nodiscard]] error_handler get_error_handler() noexcept;

namespace detail {
// Lets the calls under way on this thread see the error (see detail::on_error), then calls the handler; aborts if it
// returns.
[[noreturn]] void report_error(const std::exception& error);

// One call under way on this thread that wants to see an error before it leaves (to put back what it
// changed, or to name the error as its caller knows it), run by report_error: without exceptions there is no
// unwinding to run it. A thread-local stack of these, innermost first.
class ErrorScope {
 public:
  template <class F>
  explicit ErrorScope(F& seen) noexcept
      : object_(const_cast<void*>(static_cast<const void*>(&seen))),
        run_([](void* f, const std::exception& error) { notify(*static_cast<F*>(f), &error); }) {
    push();
  }
  ErrorScope(const ErrorScope&) = delete;
  ErrorScope& operator=(const ErrorScope&) = delete;
  ~ErrorScope() { pop(); }

  // Runs and forgets every pending scope of this thread, innermost first. A scope may report another error
  // instead, which then goes to the outer scopes and the handler; so this returns only when none did.
  static void run_all(const std::exception& error);
  // Whether run_all ran this one (a handler that throws then reaches the caller's catch, which must not run
  // it a second time).
  [[nodiscard]] bool ran() const noexcept { return ran_; }

  // Calls `f` with the error when it takes one (and there is one), else with nothing.
  template <class F>
  static void notify(F& f, const std::exception* error) {
    if constexpr (std::is_invocable_v<F&, const std::exception&>) {
      if (error != nullptr) f(*error);
    } else {
      f();
    }
  }

 private:
  void push() noexcept;
  void pop() noexcept;

  void* object_;
  void (*run_)(void*, const std::exception&);
  ErrorScope* outer_ = nullptr;
  bool ran_ = false;
};
}  // namespace detail

// Reports `e`: throws it, or without exceptions hands it to the error handler. Never returns.
template <class E>
[[noreturn]] void raise(const E& e) {
#if FM_EXCEPTIONS
  throw e;
#else
  detail::report_error(e);
#endif
}

namespace detail {

// Catching is a matter of the code being compiled (__cpp_exceptions): a game built with exceptions over a
// framemem built without them still has types whose constructors throw, and allocators of its own that do.
// Reporting is a matter of how framemem was built (FM_EXCEPTIONS).

// Runs `body`; when it fails, `seen` runs before the error leaves: to put back what `body` changed (a
// callable without arguments), or to look at the error (one taking `const std::exception&`), which it may
// replace by reporting another. When framemem reports an error without exceptions, `seen` waits on this
// thread's scope stack for report_error; when anything throws, a catch runs it and rethrows.
template <class Body, class Seen>
decltype(auto) on_error(Body&& body, Seen&& seen) {
#if !FM_EXCEPTIONS
  const detail::ErrorScope scope(seen);
  const auto first_time = [&] { return !scope.ran(); };
#else
  const auto first_time = [] { return true; };
#endif
#if defined(__cpp_exceptions)
  try {
    return std::forward<Body>(body)();
  } catch (const std::exception& e) {
    if (first_time()) detail::ErrorScope::notify(seen, &e);
    throw;
  } catch (...) {
    if (first_time()) detail::ErrorScope::notify(seen, nullptr);
    throw;
  }
#else
  (void)first_time;
  return std::forward<Body>(body)();
#endif
}

// Runs `grow` (something that allocates through the standard library) and says whether it succeeded: false
// when it ran out of memory. Without exceptions the standard library cannot say so and aborts instead.
template <class Grow>
[[nodiscard]] bool grew(Grow&& grow) noexcept {
#if defined(__cpp_exceptions)
  try {
    std::forward<Grow>(grow)();
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
#else
  std::forward<Grow>(grow)();
  return true;
#endif
}

}  // namespace detail

// Throws bad_alignment unless `alignment` is a power of two no larger than `max`.
void check_alignment(std::string_view allocator, std::size_t alignment, std::size_t max);

}  // namespace fm
