// A fixed set of worker threads for data-parallel loops (particle integration on every core).
// Started once; a parallel_for hands out index ranges with no heap allocation per call. Between jobs a
// worker spins for a while before it sleeps, so the jobs of one frame find every worker awake: a wake-up
// through the kernel costs more than a whole pass over a million particles is allowed to take.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace demo {

class Workers {
 public:
  // How long an idle worker (and the caller waiting for the others) spins before it sleeps: longer than
  // the gap between two jobs of a frame, far shorter than a frame.
  static constexpr std::chrono::microseconds spin_before_sleep{2000};

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
  // Spins until done() or spin_before_sleep passed; returns done().
  template <class Done>
  static bool spin_until(Done done);
  [[nodiscard]] std::pair<std::size_t, std::size_t> range(unsigned index) const noexcept;

  std::vector<std::thread> threads_;
  // The mutex only pairs with the condition variables, for sleepers; a job is published by generation_
  // (release) and finished through pending_, so spinning threads never take it.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<std::size_t> generation_{0};
  std::atomic<unsigned> pending_{0};
  std::atomic<bool> stopping_{false};
  std::size_t n_ = 0;
  void* fn_ = nullptr;
  Invoke invoke_ = nullptr;
};

}  // namespace demo
