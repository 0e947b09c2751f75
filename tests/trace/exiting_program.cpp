// A program to record through FRAMEMEM_TRACE that returns from main while its threads still allocate, so the
// malloc library's destructor closes the trace under them (see malloc_trace.cpp).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

constexpr int threads = 8;
std::atomic<int> running{0};

// A thread counts itself running only after its first malloc and free, so every thread has events recorded
// before main returns and the trace must name it (on two cores a thread may not have run at all by then).
[[noreturn]] void allocate_forever(int seed) {
  for (unsigned i = 0;; ++i) {
    void* p = std::malloc(16 + (i * 7919 + static_cast<unsigned>(seed)) % 500);
    std::memset(p, 7, 16);
    asm volatile("" : : "r"(p) : "memory");
    std::free(p);
    if (i == 0) running.fetch_add(1);
  }
}

}  // namespace

int main() {
  for (int k = 0; k < threads; ++k) std::thread(allocate_forever, k).detach();
  while (running.load() < threads) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 0;
}
