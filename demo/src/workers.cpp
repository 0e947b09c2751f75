// Worker threads: a job is published by bumping a generation counter; idle workers spin on it for a while,
// then sleep on a condition variable. The caller runs range 0 itself.
#include "workers.hpp"

#include <algorithm>

namespace demo {

Workers::Workers(unsigned threads) {
  const unsigned extra = std::max(1u, threads) - 1;
  threads_.reserve(extra);
  for (unsigned i = 0; i < extra; ++i) threads_.emplace_back([this, i] { loop(i + 1); });
}

Workers::~Workers() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

template <class Done>
bool Workers::spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + spin_before_sleep;
  for (unsigned i = 0;; ++i) {
    if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();  // lets the core's other hardware thread run while this one waits
#endif
    // Reading the clock costs more than a check: look at it every few dozen rounds only.
    if (i % 64 == 63 && std::chrono::steady_clock::now() >= deadline) return done();
  }
}

std::pair<std::size_t, std::size_t> Workers::range(unsigned index) const noexcept {
  const std::size_t parts = size();
  return {n_ * index / parts, n_ * (index + 1) / parts};
}

void Workers::run(std::size_t n, void* fn, Invoke invoke) {
  if (threads_.empty() || n < 4096) {
    invoke(fn, 0, n);
    return;
  }
  n_ = n;
  fn_ = fn;
  invoke_ = invoke;
  pending_.store(static_cast<unsigned>(threads_.size()), std::memory_order_relaxed);
  {
    // Under the mutex, so a worker that is about to sleep sees the new generation or gets the notify.
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  const auto [b, e] = range(0);
  invoke(fn, b, e);
  const auto finished = [this] { return pending_.load(std::memory_order_acquire) == 0; };
  if (spin_until(finished)) return;
  std::unique_lock lock(mutex_);
  done_.wait(lock, finished);
}

void Workers::loop(unsigned index) {
  std::size_t seen = 0;
  for (;;) {
    const auto job_or_stop = [&] {
      return stopping_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
    };
    if (!spin_until(job_or_stop)) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, job_or_stop);
    }
    if (stopping_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    const auto [b, e] = range(index);
    invoke_(fn_, b, e);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mutex_);  // pairs with the caller's check before it sleeps
      done_.notify_one();
    }
  }
}

}  // namespace demo
