// A program to record through FRAMEMEM_TRACE: every C and C++ allocation entry point, on three threads
// (blocks freed on the thread that did not allocate them), threads that exit while the recording goes on, and
// a forked child whose allocations must not reach the parent's trace. Sizes are marked so the test can find
// each call in the trace: 30001 for malloc, 30003 for calloc, ... (see malloc_trace.cpp).
#include <malloc.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <new>
#include <thread>
#include <vector>

namespace {

constexpr int per_thread = 2000;

// Used, so the compiler cannot drop an allocation whose block nobody reads.
void* touch(void* p) {
  std::memset(p, 7, 16);
  asm volatile("" : : "r"(p) : "memory");
  return p;
}

void churn(int seed, std::vector<void*>& handed_over) {
  std::vector<void*> mine;
  for (int i = 0; i < per_thread; ++i) {
    void* p = std::malloc(static_cast<std::size_t>(16 + (i * 7919 + seed) % 2000));
    mine.push_back(touch(p));
    if (i % 3 == 0) {
      std::free(mine.front());
      mine.erase(mine.begin());
    }
  }
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (i % 2 == 0) {
      std::free(mine[i]);
    } else {
      handed_over.push_back(mine[i]);  // freed by the main thread after the join
    }
  }
}

}  // namespace

int main() {
  void* m = std::malloc(30001);
  void* c = std::calloc(3, 10001);  // 30003 bytes
  void* r = std::malloc(100);
  r = std::realloc(r, 30011);
  void* a = std::aligned_alloc(4096, 40960);
  void* pm = nullptr;
  if (::posix_memalign(&pm, 256, 30002) != 0) return 1;
  void* ma = ::memalign(128, 30004);
  auto* n = new char[30005];
  auto* na = new (std::align_val_t{512}) char[30006];
  for (void* p : {m, c, r, a, pm, ma, static_cast<void*>(n), static_cast<void*>(na)}) touch(p);

  std::vector<void*> from_a, from_b;
  std::thread ta(churn, 1, std::ref(from_a));
  std::thread tb(churn, 2, std::ref(from_b));
  ta.join();
  tb.join();
  for (void* p : from_a) std::free(p);
  for (void* p : from_b) std::free(p);

  const pid_t child = ::fork();
  if (child == 0) {
    for (int i = 0; i < 100; ++i) std::free(touch(std::malloc(7777)));  // not the parent's traffic
    std::exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);

  std::free(m);
  std::free(c);
  std::free(r);
  std::free(a);
  std::free(pm);
  std::free(ma);
  delete[] n;
  ::operator delete[](na, std::align_val_t{512});
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
