// Every C++ operator new/delete form (plain, array, sized, aligned, nothrow) on the process fm::Heap.
// Failure calls the new-handler and retries, then throws std::bad_alloc (or returns null for nothrow).
#include <dlfcn.h>

#include <cstddef>
#include <new>

#include "process_heap.hpp"
#include "trace_hook.hpp"

namespace {

using fm::malloc_lib::process_heap;

// This library carries its own hidden copy of the C++ runtime (CMakeLists.txt). The new-handler a program
// installs lives in the program's runtime, so the handler and the bad_alloc thrown when there is none are
// taken from there, found by name; our own copy serves only when no C++ runtime is visible to the program.
template <class Function>
[[nodiscard]] Function program_function(const char* mangled_name) noexcept {
  return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, mangled_name));
}

[[nodiscard]] std::new_handler program_new_handler() noexcept {
  using GetHandler = std::new_handler (*)() noexcept;
  if (auto get = program_function<GetHandler>("_ZSt15get_new_handlerv")) return get();
  return std::get_new_handler();
}

[[noreturn]] void throw_program_bad_alloc() {
  using Throw = void (*)();
  if (auto throw_bad_alloc = program_function<Throw>("_ZSt17__throw_bad_allocv")) throw_bad_alloc();
  throw std::bad_alloc();
}

[[gnu::noinline]] void* new_retry(std::size_t size, std::size_t align) {
  for (;;) {
    if (void* p = process_heap().aligned_malloc(size, align)) return p;
    std::new_handler handler = program_new_handler();
    if (handler == nullptr) throw_program_bad_alloc();
    handler();
  }
}

// Out of line, so that the inline path of operator new needs no stack frame.
[[gnu::noinline]] void* new_slow(std::size_t size, std::size_t align) {
  void* p = process_heap().aligned_malloc(size, align);
  return fm::malloc_lib::traced(p != nullptr ? p : new_retry(size, align), size, align);
}

inline void* new_block(std::size_t size, std::size_t align) {
  if (align <= fm::heap::min_block_size && !fm::malloc_lib::tracing()) {
    if (void* p = fm::malloc_lib::malloc_fast(size)) [[likely]] return p;
  }
  return new_slow(size, align);
}

inline void* new_block_nothrow(std::size_t size, std::size_t align) noexcept {
  void* p = process_heap().aligned_malloc(size, align);
  if (p != nullptr) return fm::malloc_lib::traced(p, size, align);
  try {
    return fm::malloc_lib::traced(new_retry(size, align), size, align);
  } catch (...) {
    return nullptr;
  }
}

inline void delete_block(void* p) noexcept {
  if (fm::malloc_lib::tracing()) [[unlikely]] return fm::malloc_lib::free_traced(p);
  fm::malloc_lib::free_block(p);
}

constexpr std::size_t plain = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
constexpr std::size_t of(std::align_val_t a) { return static_cast<std::size_t>(a); }

}  // namespace

FM_EXPORT void* operator new(std::size_t n) { return new_block(n, plain); }
FM_EXPORT void* operator new[](std::size_t n) { return new_block(n, plain); }
FM_EXPORT void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return new_block_nothrow(n, plain); }
FM_EXPORT void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return new_block_nothrow(n, plain); }
FM_EXPORT void* operator new(std::size_t n, std::align_val_t a) { return new_block(n, of(a)); }
FM_EXPORT void* operator new[](std::size_t n, std::align_val_t a) { return new_block(n, of(a)); }
FM_EXPORT void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_block_nothrow(n, of(a));
}
FM_EXPORT void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_block_nothrow(n, of(a));
}

FM_EXPORT void operator delete(void* p) noexcept { delete_block(p); }
FM_EXPORT void operator delete[](void* p) noexcept { delete_block(p); }
FM_EXPORT void operator delete(void* p, const std::nothrow_t&) noexcept { delete_block(p); }
FM_EXPORT void operator delete[](void* p, const std::nothrow_t&) noexcept { delete_block(p); }
FM_EXPORT void operator delete(void* p, std::size_t) noexcept { delete_block(p); }
FM_EXPORT void operator delete[](void* p, std::size_t) noexcept { delete_block(p); }
FM_EXPORT void operator delete(void* p, std::align_val_t) noexcept { delete_block(p); }
FM_EXPORT void operator delete[](void* p, std::align_val_t) noexcept { delete_block(p); }
FM_EXPORT void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_block(p); }
FM_EXPORT void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_block(p); }
FM_EXPORT void operator delete(void* p, std::size_t, std::align_val_t) noexcept { delete_block(p); }
FM_EXPORT void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { delete_block(p); }
