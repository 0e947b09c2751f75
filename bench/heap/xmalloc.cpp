// xmalloc-test-like producer/consumer: producers allocate batches of small blocks and hand them over a
// bounded queue; consumers free them, so nearly every free is a cross-thread free.
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

constexpr int producers = 2, consumers = 2, batches_per_producer = 6000, batch = 256;

struct Queue {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::vector<void*>> items;
  int open_producers = producers;
};

}  // namespace

int main() {
  Queue q;
  std::vector<std::thread> threads;
  std::vector<std::uint64_t> made(producers, 0);
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      fm::bench::Rng rng(static_cast<std::uint64_t>(p + 1));
      for (int b = 0; b < batches_per_producer; ++b) {
        std::vector<void*> blocks(batch);
        for (auto& block : blocks) {
          const std::size_t size = rng.between(8, 256);
          block = std::malloc(size);
          static_cast<char*>(block)[0] = 1;
          made[static_cast<std::size_t>(p)] += size;
        }
        std::unique_lock lock(q.mutex);
        q.changed.wait(lock, [&] { return q.items.size() < 64; });  // bounded: memory stays small
        q.items.push_back(std::move(blocks));
        q.changed.notify_all();
      }
      std::lock_guard lock(q.mutex);
      --q.open_producers;
      q.changed.notify_all();
    });
  }
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        std::vector<void*> blocks;
        {
          std::unique_lock lock(q.mutex);
          q.changed.wait(lock, [&] { return !q.items.empty() || q.open_producers == 0; });
          if (q.items.empty()) return;
          blocks = std::move(q.items.front());
          q.items.pop_front();
          q.changed.notify_all();
        }
        for (void* block : blocks) std::free(block);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::uint64_t total = 0;
  for (auto m : made) total += m;
  fm::bench::report("xmalloc", total);
}
