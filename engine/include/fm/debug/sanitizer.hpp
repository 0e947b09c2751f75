// The one place where sanitizer and Valgrind glue lives. Allocators call these functions to tell
// AddressSanitizer (manual poisoning) and Valgrind memcheck (client requests) which bytes inside their
// own buffers are live, so both tools catch a use-after-free *inside* a pool or arena. Without ASan or
// Valgrind headers every function compiles to nothing.
#pragma once

#include <cstddef>

// FM_HAS_ASAN and FM_HAS_VALGRIND come from fm/config.hpp: they say how the library was built, so inline code
// here annotates exactly when the library's own code does, whatever flags a consumer compiles with.
#include "fm/config.hpp"

#if defined(__SANITIZE_THREAD__)
#define FM_HAS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FM_HAS_TSAN 1
#endif
#endif
#ifndef FM_HAS_TSAN
#define FM_HAS_TSAN 0
#endif

#if FM_HAS_ASAN
#include <sanitizer/asan_interface.h>
#endif

#if FM_HAS_VALGRIND
#if !__has_include(<valgrind/memcheck.h>)
#error "framemem was built with Valgrind annotations (FM_VALGRIND=ON): install valgrind/memcheck.h (Debian: valgrind) or use a framemem built with FM_VALGRIND=OFF"
#endif
#include <valgrind/memcheck.h>
#endif

namespace fm::debug {

inline constexpr bool asan_enabled = FM_HAS_ASAN;
inline constexpr bool valgrind_headers = FM_HAS_VALGRIND;

// True when the process runs under Valgrind.
[[nodiscard]] inline bool running_on_valgrind() noexcept {
#if FM_HAS_VALGRIND
  return RUNNING_ON_VALGRIND != 0;
#else
  return false;
#endif
}

// True when someone observes the annotations below (an ASan build, or this run is under Valgrind). Allocator
// fast paths test it before every annotation. A build with neither compiles them out: the constant folds, so
// no flag is loaded and no client-request frame is reserved. With Valgrind requests compiled in it is a flag
// read once at start-up, so a run outside Valgrind still skips the requests.
#if FM_HAS_VALGRIND
inline const bool annotations_active = asan_enabled || running_on_valgrind();
#else
inline constexpr bool annotations_active = asan_enabled;
#endif

// Bytes nobody may touch (free pool blocks, arena tail, recycled frame buffers).
inline void poison(const void* p, std::size_t n) noexcept {
#if FM_HAS_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#endif
#if FM_HAS_VALGRIND
  (void)VALGRIND_MAKE_MEM_NOACCESS(p, n);
#endif
  (void)p, (void)n;
}

// Bytes the allocator itself may touch again (e.g. to read an intrusive free-list link); contents stay defined.
inline void unpoison(const void* p, std::size_t n) noexcept {
#if FM_HAS_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#if FM_HAS_VALGRIND
  (void)VALGRIND_MAKE_MEM_DEFINED(p, n);
#endif
  (void)p, (void)n;
}

// False for bytes AddressSanitizer knows nobody may touch (freed heap memory, a free pool block), so a debug
// layer can look at a mark it is not sure about without an ASan report. Always true without ASan.
[[nodiscard]] inline bool addressable(const void* p, std::size_t n) noexcept {
#if FM_HAS_ASAN
  return __asan_region_is_poisoned(const_cast<void*>(p), n) == nullptr;
#else
  (void)p, (void)n;
  return true;
#endif
}

// A block handed to a user: addressable; for memcheck a heap-like block with undefined contents.
inline void block_allocated(const void* p, std::size_t n) noexcept {
#if FM_HAS_ASAN
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#endif
#if FM_HAS_VALGRIND
  VALGRIND_MALLOCLIKE_BLOCK(p, n, 0, 0);
#endif
  (void)p, (void)n;
}

// A block given back by a user: any later access through an old pointer is reported.
inline void block_freed(const void* p, std::size_t n) noexcept {
#if FM_HAS_VALGRIND
  VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
#if FM_HAS_ASAN
  ASAN_POISON_MEMORY_REGION(p, n);
#endif
  (void)p, (void)n;
}

}  // namespace fm::debug
