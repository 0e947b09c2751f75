// A minimal game-side program: uses fm::core through the installed package and exits 0 when it works.
#include <fm/core/allocator.hpp>

#include <cstdio>

#ifdef CONSUMER_HAS_OVERLAY
bool overlay_links();
#endif

int main() {
  fm::NewAllocator heap;
  fm::AllocatorRef ref = heap;
  void* p = ref.allocate(64, 64);
  const bool ok = fm::is_aligned(p, 64) && ref.stats().bytes_used == 64;
  ref.deallocate(p, 64, 64);
#ifdef CONSUMER_HAS_OVERLAY
  if (!overlay_links()) return 1;
#endif
  std::puts(ok ? "consumer: framemem package works" : "consumer: unexpected allocator state");
  return ok ? 0 : 1;
}
