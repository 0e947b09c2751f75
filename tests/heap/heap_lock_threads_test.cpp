// The heap's locks may be held across system calls (madvise of an empty page, mremap of a large block,
// fork); a thread waiting for one must sleep, not spin. This file replaces madvise for its executable so
// a test can make one madvise call slow on purpose.
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "fm/heap/heap.hpp"

namespace {

std::atomic<bool> slow_madvise_armed{false};
std::atomic<bool> in_slow_madvise{false};
std::atomic<bool> waiter_started{false};
constexpr auto slow_madvise_time = std::chrono::milliseconds(500);

// CPU time and context switches of the calling thread: a spinning waiter shows up in one or the other
// (on an idle core it burns CPU; on a busy machine each sched_yield is another switch).
struct ThreadUsage {
  double cpu_seconds;
  long switches;
};

ThreadUsage thread_usage() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return {static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6,
          ru.ru_nvcsw + ru.ru_nivcsw};
}

}  // namespace

// When armed, the next call waits until the waiter has started, and then a while longer, before doing its
// work: the caller keeps whatever lock it holds all that time.
extern "C" int madvise(void* addr, std::size_t length, int advice) noexcept {
  if (slow_madvise_armed.exchange(false)) {
    in_slow_madvise = true;
    while (!waiter_started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(slow_madvise_time);
    in_slow_madvise = false;
  }
  return static_cast<int>(syscall(SYS_madvise, addr, length, advice));
}

TEST_CASE("a thread waiting for a heap lock held across madvise sleeps instead of spinning") {
  fm::Heap heap("lock-wait");
  constexpr std::size_t size = 100 * 1024;  // 1 MiB pages: freeing a few empties pages, which are madvised
  std::vector<void*> blocks;
  for (int i = 0; i < 64; ++i) blocks.push_back(heap.allocate(size));
  double waited = 0;
  double cpu = 0;
  long switches = 0;
  std::thread waiter([&] {
    while (!in_slow_madvise.load()) std::this_thread::yield();
    const auto start = std::chrono::steady_clock::now();
    const ThreadUsage before = thread_usage();
    waiter_started = true;
    void* p = heap.allocate(size);  // needs the class lock the madvising thread holds
    const ThreadUsage after = thread_usage();
    cpu = after.cpu_seconds - before.cpu_seconds;
    switches = after.switches - before.switches;
    waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    heap.deallocate(p, size);
  });
  slow_madvise_armed = true;
  for (void* p : blocks) heap.deallocate(p, size);
  heap.collect();
  waiter.join();
  slow_madvise_armed = false;
  INFO("waited " << waited << " s, of which " << cpu << " s on the CPU, in " << switches << " context switches");
  REQUIRE(waited > 0.4);  // it really waited for the lock
  // A sleeping waiter is switched out once or a few times and spends well under a millisecond of CPU.
  CHECK(cpu < 0.005);
  CHECK(switches < 50);
}
