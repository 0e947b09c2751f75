// A reusable barrier for the threaded tests (model tests and the suites that hand work between threads).
#pragma once

#include <condition_variable>
#include <mutex>

namespace fm::model {

// std::barrier of GCC 12's libstdc++ waits through its atomic-wait fallback on systems without a futex, which
// loses wake-ups now and then (a hang under Wine); this one waits on a condition variable everywhere.
class Barrier {
 public:
  explicit Barrier(int count) : count_(count), left_(count) {}
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    const unsigned generation = generation_;
    if (--left_ == 0) {
      left_ = count_;
      ++generation_;
      changed_.notify_all();
      return;
    }
    changed_.wait(lock, [&] { return generation_ != generation; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  const int count_;
  int left_;
  unsigned generation_ = 0;
};

}  // namespace fm::model
