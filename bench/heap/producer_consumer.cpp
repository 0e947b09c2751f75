// One thread allocates, another frees: blocks pass through a lock-free single-producer single-consumer
// ring, so almost every free is a free of another thread's block.
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "workload.hpp"

namespace {

// Slots hold a block or null; the producer waits for a null slot, the consumer for a full one.
class Ring {
 public:
  void push(void* p) {
    std::atomic<void*>& slot = slots_[head_++ % slots_.size()];
    while (slot.load(std::memory_order_acquire) != nullptr) std::this_thread::yield();
    slot.store(p, std::memory_order_release);
  }
  void* pop() {
    std::atomic<void*>& slot = slots_[tail_++ % slots_.size()];
    void* p = nullptr;
    while ((p = slot.load(std::memory_order_acquire)) == nullptr) std::this_thread::yield();
    slot.store(nullptr, std::memory_order_release);
    return p;
  }

 private:
  std::vector<std::atomic<void*>> slots_ = std::vector<std::atomic<void*>>(4096);
  alignas(64) std::size_t head_ = 0;  // producer only
  alignas(64) std::size_t tail_ = 0;  // consumer only
};

}  // namespace

int main() {
  constexpr int blocks = 8000000;
  Ring ring;
  std::uint64_t made = 0, seen = 0;
  std::thread consumer([&] {
    for (int i = 0; i < blocks; ++i) {
      auto* p = static_cast<unsigned char*>(ring.pop());
      seen += p[0];
      std::free(p);
    }
  });
  fm::bench::Rng rng(5);
  for (int i = 0; i < blocks; ++i) {
    const std::size_t size = rng.between(16, 128);
    auto* p = static_cast<unsigned char*>(std::malloc(size));
    p[0] = static_cast<unsigned char>(size);
    made += size & 0xff;
    ring.push(p);
  }
  consumer.join();
  fm::bench::report("producer_consumer", made == seen ? made : 0);
}
