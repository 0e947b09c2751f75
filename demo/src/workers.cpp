// Worker threads: generation counter under one mutex; the caller runs range 0 itself.
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
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
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
  {
    std::lock_guard lock(mutex_);
    n_ = n;
    fn_ = fn;
    invoke_ = invoke;
    pending_ = static_cast<unsigned>(threads_.size());
    ++generation_;
  }
  wake_.notify_all();
  const auto [b, e] = range(0);
  invoke(fn, b, e);
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

void Workers::loop(unsigned index) {
  std::size_t seen = 0;
  for (;;) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    const auto [b, e] = range(index);
    void* fn = fn_;
    const Invoke invoke = invoke_;
    lock.unlock();
    invoke(fn, b, e);
    lock.lock();
    if (--pending_ == 0) done_.notify_one();
  }
}

}  // namespace demo
