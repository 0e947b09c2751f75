// A minimal game-side program: uses fm::core through the installed package and exits 0 when it works,
// including that its inline code and the library agree on checked mode whatever build system compiled it.
#include <fm/alloc/pool.hpp>
#include <fm/alloc/stack_allocator.hpp>
#include <fm/core/allocator.hpp>

#include <cstdio>

#ifdef CONSUMER_HAS_OVERLAY
bool overlay_links();
#endif

namespace {

// A misuse the library's compiled code judges: an out-of-order stack free throws only in a checked library.
bool library_checks() {
  fm::StackAllocator stack{{.capacity = 256}};
  void* below = stack.allocate(16);
  void* top = stack.allocate(16);
  try {
    stack.deallocate(below, 16);
  } catch (const fm::bad_free&) {
    return true;
  }
  stack.deallocate(top, 16);
  return false;
}

// A misuse this file's inline code judges: Pool::deallocate is inline, so a pool double free is caught only
// when this translation unit compiled the check in.
bool inline_code_checks() {
  fm::Pool pool{32, 8};
  void* p = pool.allocate(32);
  pool.deallocate(p, 32);
  try {
    pool.deallocate(p, 32);
  } catch (const fm::bad_free&) {
    return true;
  }
  return false;
}

}  // namespace

int main() {
  fm::NewAllocator heap;
  fm::AllocatorRef ref = heap;
  void* p = ref.allocate(64, 64);
  bool ok = fm::is_aligned(p, 64) && ref.stats().bytes_used == 64;
  ref.deallocate(p, 64, 64);
  if (!ok) std::puts("consumer: unexpected allocator state");
  const bool library = library_checks();
  const bool inline_code = inline_code_checks();
  if (library != inline_code) {
    std::printf("consumer: the library %s misuse but this program's inline code %s it (checked mode differs)\n",
                library ? "detects" : "ignores", inline_code ? "detects" : "ignores");
    ok = false;
  }
#ifdef CONSUMER_HAS_OVERLAY
  if (!overlay_links()) return 1;
#endif
  if (ok) std::printf("consumer: framemem package works (checked mode %s in library and consumer)\n", library ? "on" : "off");
  return ok ? 0 : 1;
}
