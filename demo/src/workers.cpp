// Worker threads: a job is published by bumping a generation word; a worker runs its share, then sleeps on
// that word through the OS layer's futex, unless a Burst asks it to spin for the next job. The caller runs
// range 0 itself.
#include "workers.hpp"

#include <algorithm>

#include "os/os.hpp"

namespace demo {
namespace {

// Spins until done() or spin_before_sleep passed; returns done().
template <class Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + Workers::spin_before_sleep;
  for (unsigned i = 0;; ++i) {
    if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();  // lets the core's other hardware thread run while this one waits
#endif
    // Reading the clock costs more than a check: look at it every few dozen rounds only.
    if (i % 64 == 63 && std::chrono::steady_clock::now() >= deadline) return done();
  }
}

}  // namespace

Workers::Workers(unsigned threads) {
  const unsigned extra = std::max(1u, threads) - 1;
  threads_.reserve(extra);
  for (unsigned i = 0; i < extra; ++i) threads_.emplace_back([this, i] { loop(i + 1); });
}

Workers::~Workers() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  fm::os::wake_all(generation_);
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
  n_ = n;
  fn_ = fn;
  invoke_ = invoke;
  pending_.store(static_cast<std::uint32_t>(threads_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  fm::os::wake_all(generation_);
  const auto [b, e] = range(0);
  invoke(fn, b, e);
  wait_for_workers();
}

// The caller spins first: the others' shares are as long as its own, so they are usually done or nearly.
void Workers::wait_for_workers() {
  const auto finished = [this] { return pending_.load(std::memory_order_acquire) == 0; };
  if (spin_until(finished)) return;
  for (std::uint32_t left = pending_.load(std::memory_order_acquire); left != 0;
       left = pending_.load(std::memory_order_acquire)) {
    fm::os::wait_while(pending_, left);
  }
}

std::uint32_t Workers::wait_for_job(std::uint32_t seen) {
  const auto published = [&] { return generation_.load(std::memory_order_acquire) != seen; };
  for (;;) {
    if (published()) return generation_.load(std::memory_order_acquire);
    // Spin only while the caller has more jobs to hand out; otherwise sleep until the next one.
    if (bursts_.load(std::memory_order_relaxed) != 0 && spin_until(published)) continue;
    fm::os::wait_while(generation_, seen);
  }
}

void Workers::loop(unsigned index) {
  std::uint32_t seen = 0;
  for (;;) {
    seen = wait_for_job(seen);
    if (stopping_.load(std::memory_order_acquire)) return;
    const auto [b, e] = range(index);
    invoke_(fn_, b, e);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) fm::os::wake_all(pending_);
  }
}

}  // namespace demo
