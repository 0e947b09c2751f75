// Threaded specification of fm::Heap (run under ThreadSanitizer): blocks freed by other threads, thread
// caches returned at thread exit, statistics read while others allocate, fork while others allocate.
#include <doctest/doctest.h>
#if !defined(_WIN32)
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <latch>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "fm/heap/heap.hpp"
#include "heap/child_process.hpp"
#include "model/barrier.hpp"

namespace {

struct Parcel {
  void* p;
  std::size_t size;
  unsigned char tag;
};

// A blocking queue guarded by a std::mutex (the test's own synchronisation, separate from the heap's).
class Mailbox {
 public:
  void push(Parcel parcel) {
    {
      std::lock_guard lock(mutex_);
      items_.push_back(parcel);
    }
    ready_.notify_one();
  }
  bool pop(Parcel& out) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return false;
    out = items_.front();
    items_.pop_front();
    return true;
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Parcel> items_;
  bool closed_ = false;
};

bool all_bytes_are(const void* p, std::size_t n, unsigned char v) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) {
    if (b[i] != v) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("producers' blocks freed by consumer threads arrive intact and are all accounted for") {
  fm::Heap heap("xthread");
  Mailbox box;
  std::atomic<int> corrupted{0};
  constexpr int per_producer = 6000;
  std::vector<std::thread> producers;
  for (unsigned seed = 1; seed <= 2; ++seed) {
    producers.emplace_back([&, seed] {
      std::mt19937 rng(seed);
      for (int i = 0; i < per_producer; ++i) {
        const std::size_t size = rng() % 100 < 95 ? 1 + rng() % 600 : 1 + rng() % 400000;
        const auto tag = static_cast<unsigned char>(rng());
        void* p = heap.allocate(size);
        std::memset(p, tag, size);
        box.push({p, size, tag});
      }
    });
  }
  std::vector<std::thread> consumers;
  for (int i = 0; i < 2; ++i) {
    consumers.emplace_back([&] {
      Parcel parcel{};
      while (box.pop(parcel)) {
        if (!all_bytes_are(parcel.p, parcel.size, parcel.tag)) ++corrupted;
        heap.deallocate(parcel.p, parcel.size);
      }
    });
  }
  for (auto& t : producers) t.join();
  box.close();
  for (auto& t : consumers) t.join();
  CHECK(corrupted == 0);
  const fm::HeapStats st = heap.heap_stats();
  CHECK(st.allocations == 2 * per_producer);
  CHECK(st.deallocations == 2 * per_producer);
  CHECK(st.requested == 0);
  CHECK(st.allocated == 0);
  CHECK(st.thread_caches == 0);  // every thread that touched the heap has exited and returned its cache
}

// Passive false sharing: one thread allocates two blocks side by side and hands one to each of two workers;
// each frees its block and allocates one of the same size to write into. Had the free gone onto the freeing
// thread's cache, each worker would get back the block next to the other's, and the two would write to one
// cache line.
TEST_CASE("blocks freed by other threads are not handed back to them next to each other's blocks") {
  for (const std::size_t size : {16, 32, 48}) {
    CAPTURE(size);
    fm::Heap heap("remote");
    void* given[2] = {heap.allocate(size), heap.allocate(size)};
    const auto distance = [](const void* a, const void* b) {
      const auto x = reinterpret_cast<std::uintptr_t>(a);
      const auto y = reinterpret_cast<std::uintptr_t>(b);
      return x > y ? x - y : y - x;
    };
    REQUIRE(distance(given[0], given[1]) < 64);  // the case to guard against: one cache line
    fm::model::Barrier freed(2);
    void* got[2] = {};
    std::vector<std::thread> workers;
    for (int i = 0; i < 2; ++i) {
      workers.emplace_back([&, i] {
        heap.deallocate(given[i], size);
        freed.arrive_and_wait();
        got[i] = heap.allocate(size);
        std::memset(got[i], i, size);
      });
    }
    for (auto& t : workers) t.join();
    CHECK(distance(got[0], got[1]) >= 64);
    heap.deallocate(got[0], size);
    heap.deallocate(got[1], size);
  }
}

TEST_CASE("a thread keeps the blocks it frees while another thread allocates blocks of their class") {
  for (const std::size_t size : {16, 32, 48}) {
    CAPTURE(size);
    fm::Heap heap("own pages");
    fm::model::Barrier step(2);
    void* mine = nullptr;
    void* again = nullptr;
    void* other = nullptr;
    std::thread first([&] {
      mine = heap.allocate(size);
      step.arrive_and_wait();
      step.arrive_and_wait();  // the second thread has allocated and is still running
      heap.deallocate(mine, size);
      again = heap.allocate(size);
      step.arrive_and_wait();
    });
    std::thread second([&] {
      step.arrive_and_wait();
      other = heap.allocate(size);
      step.arrive_and_wait();
      step.arrive_and_wait();
    });
    first.join();
    second.join();
    CHECK(again == mine);  // not held as a remote free because the second thread took blocks of its page
    heap.deallocate(again, size);
    heap.deallocate(other, size);
  }
}

TEST_CASE("a thread keeps the blocks it frees that a thread which has exited allocated") {
  for (const std::size_t size : {16, 32, 48}) {
    CAPTURE(size);
    fm::Heap heap("left blocks");
    void* left = nullptr;
    std::thread([&] { left = heap.allocate(size); }).join();
    // A thread that reuses the exited thread's cache, and is running while the block is freed.
    fm::model::Barrier step(2);
    std::thread reuser([&] {
      heap.deallocate(heap.allocate(64), 64);
      step.arrive_and_wait();
      step.arrive_and_wait();
    });
    step.arrive_and_wait();
    void* got = nullptr;
    std::thread([&] {
      heap.deallocate(left, size);
      got = heap.allocate(size);
    }).join();
    step.arrive_and_wait();
    reuser.join();
    CHECK(got == left);
    heap.deallocate(got, size);
  }
}

TEST_CASE("threads created and exiting under load return their caches and their blocks outlive them") {
  fm::Heap heap("churn");
  std::vector<void*> survivors;
  std::mutex survivors_mutex;
  for (int round = 0; round < 30; ++round) {
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 4; ++t) {
      threads.emplace_back([&, seed = static_cast<unsigned>(round * 4 + t)] {
        std::mt19937 rng(seed);
        std::vector<void*> mine;
        for (int i = 0; i < 500; ++i) {
          void* p = heap.allocate(64);
          std::memset(p, 0x5a, 64);
          mine.push_back(p);
          if (rng() % 2 == 0) {
            heap.deallocate(mine.back(), 64);
            mine.pop_back();
          }
        }
        std::lock_guard lock(survivors_mutex);
        survivors.insert(survivors.end(), mine.begin(), mine.end());
      });
    }
    for (auto& t : threads) t.join();
    CHECK(heap.heap_stats().thread_caches == 0);
  }
  for (void* p : survivors) {
    REQUIRE(all_bytes_are(p, 64, 0x5a));
    heap.deallocate(p, 64);  // freed by the main thread, long after their threads exited
  }
  CHECK(heap.heap_stats().thread_caches == 1);  // the main thread's own
  CHECK(heap.heap_stats().requested == 0);
}

TEST_CASE("statistics can be read while other threads allocate and free") {
  fm::Heap heap("live-stats");
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < 2; ++t) {
    workers.emplace_back([&] {
      std::vector<void*> held;
      while (!stop.load()) {
        for (int i = 0; i < 100; ++i) held.push_back(heap.allocate(32));
        for (void* p : held) heap.deallocate(p, 32);
        held.clear();
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    const fm::HeapStats st = heap.heap_stats();
    REQUIRE(st.requested <= 2 * 100 * 32);
  }
  stop = true;
  for (auto& t : workers) t.join();
  CHECK(heap.heap_stats().requested == 0);
}

// The fork specifications: Linux only, Windows has no fork().
#if !defined(_WIN32)
TEST_CASE("after fork while another thread allocates the child can allocate and free") {
  fm::Heap heap("fork");
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop.load()) {
      void* p = heap.allocate(48);
      heap.deallocate(p, 48);
    }
  });
  for (int i = 0; i < 20; ++i) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      void* p = heap.allocate(48);
      void* q = heap.allocate(1 << 20);
      const bool ok = p != nullptr && q != nullptr && heap.owns(p);
      heap.deallocate(q, 1 << 20);
      heap.deallocate(p, 48);
      _exit(ok ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  stop = true;
  worker.join();
}
#endif

TEST_CASE("a heap destroyed after its worker threads exited does not touch their thread-local storage") {
  // Old code read each retired cache's slot in the dead thread's TLS (SIGSEGV): hence the child process.
  const fm::test::ChildResult child = fm::test::run_in_child([] {
    auto* heap = new fm::Heap("retired");
    constexpr int workers = 24;
    std::latch all_allocated(workers);  // all alive at once, so each has its own stack (and TLS) to lose
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) {
      threads.emplace_back([&] {
        void* p = heap->malloc(100);
        heap->free(p);
        all_allocated.arrive_and_wait();
      });
    }
    for (auto& t : threads) t.join();
    delete heap;
    return 0;
  });
  INFO(child.describe());
  CHECK(child.exited_with(0));
}

TEST_CASE("threads that exit while their heap is destroyed leave it nothing to trip over") {
  const fm::test::ChildResult child = fm::test::run_in_child([] {
    for (int round = 0; round < 20; ++round) {
      auto* heap = new fm::Heap("dying");
      std::atomic<bool> go{false};
      std::latch ready(4);
      std::vector<std::thread> threads;
      for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
          void* p = heap->malloc(64);
          heap->free(p);  // stays in this thread's cache until the thread exits
          ready.count_down();
          while (!go.load()) std::this_thread::yield();
        });
      }
      ready.wait();
      go = true;
      delete heap;  // races with the threads' exit, which returns their caches
      for (auto& t : threads) t.join();
    }
    return 0;
  });
  INFO(child.describe());
  CHECK(child.exited_with(0));
  CHECK(child.output.find("ThreadSanitizer") == std::string::npos);
}

#if !defined(_WIN32)
TEST_CASE("after fork the child's heap keeps only the forking thread's cache and gets the others' blocks back") {
  fm::Heap heap("fork-caches");
  heap.deallocate(heap.allocate(200), 200);  // this thread's cache exists
  std::mutex m;
  std::condition_variable cv;
  bool cached = false;
  bool done = false;
  std::thread worker([&] {
    std::vector<void*> blocks;
    for (int i = 0; i < 100; ++i) blocks.push_back(heap.allocate(200));
    for (void* p : blocks) heap.deallocate(p, 200);  // most stay in this thread's cache
    std::unique_lock lock(m);
    cached = true;
    cv.notify_all();
    cv.wait(lock, [&] { return done; });
  });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return cached; });
  }
  const fm::test::ChildResult child = fm::test::run_in_child([&] {
    if (heap.heap_stats().thread_caches != 1) return 1;
    heap.collect();  // with the worker's blocks back in the heap, nothing stays committed but metadata
    const fm::HeapStats st = heap.heap_stats();
    return st.committed == st.metadata ? 0 : 2;
  });
  {
    std::lock_guard lock(m);
    done = true;
  }
  cv.notify_all();
  worker.join();
  INFO(child.describe());
  CHECK(child.exited_with(0));
}
#endif
