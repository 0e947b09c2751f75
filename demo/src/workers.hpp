// A fixed set of worker threads for data-parallel loops (particle integration on every core).
// Started once; a parallel_for hands out index ranges with no heap allocation per call. After its share of a
// job a worker sleeps on a futex, so the workers burn no CPU between frames; only while a Burst is open (the
// caller has more jobs to hand out right away) do idle workers spin, so back-to-back jobs pay no wake-up.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

namespace demo {

class Workers {
 public:
  // The longest an idle worker spins inside a Burst, and the caller for the others' shares, before sleeping.
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

  // While one is alive, idle workers spin for the next job instead of sleeping: for a caller that hands out
  // several jobs in a row (a wake-up through the kernel costs more than a short job). Open on the calling
  // thread only; bursts nest.
  class Burst {
   public:
    explicit Burst(Workers& workers) noexcept : workers_(workers) { ++workers_.bursts_; }
    ~Burst() { --workers_.bursts_; }
    Burst(const Burst&) = delete;
    Burst& operator=(const Burst&) = delete;

   private:
    Workers& workers_;
  };

 private:
  using Invoke = void (*)(void*, std::size_t, std::size_t);
  void run(std::size_t n, void* fn, Invoke invoke);
  void loop(unsigned index);
  // Waits until generation_ differs from `seen`; returns the new value.
  std::uint32_t wait_for_job(std::uint32_t seen);
  void wait_for_workers();
  [[nodiscard]] std::pair<std::size_t, std::size_t> range(unsigned index) const noexcept;

  std::vector<std::thread> threads_;
  // A job (or the stop) is published by bumping generation_ (release) and finished through pending_; both are
  // futex words, so sleepers need no mutex and spinners never take one.
  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint32_t> pending_{0};
  std::atomic<unsigned> bursts_{0};
  std::atomic<bool> stopping_{false};
  std::size_t n_ = 0;
  void* fn_ = nullptr;
  Invoke invoke_ = nullptr;
};

}  // namespace demo
