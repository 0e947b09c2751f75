// A malloc for LD_PRELOAD that is glibc's except for one deliberate bug: when the block of 778 bytes is
// freed it flips byte 100 of the live block of 777 bytes, so the replay tests can show a corrupting
// allocator being caught and named.
#include <atomic>
#include <cstddef>

extern "C" void* __libc_malloc(std::size_t);
extern "C" void __libc_free(void*);

namespace {
std::atomic<unsigned char*> victim{nullptr};
std::atomic<void*> trigger{nullptr};
}  // namespace

extern "C" void* malloc(std::size_t n) {
  void* p = __libc_malloc(n);
  if (n == 777) victim.store(static_cast<unsigned char*>(p));
  if (n == 778) trigger.store(p);
  return p;
}

extern "C" void free(void* p) {
  if (p != nullptr && p == trigger.load()) {
    if (unsigned char* v = victim.load()) v[100] ^= 0xFF;
    trigger.store(nullptr);
  }
  __libc_free(p);
}
