// A fixed set of worker threads for data-parallel loops (particle integration on every core).
// Started once; a parallel_for hands out index ranges with no heap allocation per call.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace demo {

class Workers {
 public:
  // `threads` counts the calling thread too: Workers(2) starts one extra thread.
  explicit Workers(unsigned threads = std::thread::hardware_concurrency());
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  [[nodiscard]] unsigned size() const noexcept { return static_cast<unsigned>(threads_.size()) + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n), one per thread, and waits for all.
  template <class F>
  void parallel_for(std::size_t n, F&& fn) {
    run(n, &fn, [](void* f, std::size_t b, std::size_t e) { (*static_cast<F*>(f))(b, e); });
  }

 private:
  using Invoke = void (*)(void*, std::size_t, std::size_t);
  void run(std::size_t n, void* fn, Invoke invoke);
  void loop(unsigned index);
  [[nodiscard]] std::pair<std::size_t, std::size_t> range(unsigned index) const noexcept;

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::size_t generation_ = 0;
  unsigned pending_ = 0;
  bool stopping_ = false;
  std::size_t n_ = 0;
  void* fn_ = nullptr;
  Invoke invoke_ = nullptr;
};

}  // namespace demo
