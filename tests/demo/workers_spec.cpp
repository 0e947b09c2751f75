// Specification of the demo's worker threads: a parallel_for covers its index range exactly once, job after
// job, inside a Burst too; and between jobs an idle worker sleeps instead of spinning, so a program that
// hands out one job per frame burns no CPU in the rest of the frame.
#include "workers.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <thread>
#include <vector>

namespace {

// Runs one parallel_for over `n` and checks every index was visited exactly once.
void check_covers_once(demo::Workers& workers, std::size_t n) {
  std::vector<std::atomic<int>> visits(n);
  workers.parallel_for(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) visits[i].fetch_add(1, std::memory_order_relaxed);
  });
  std::size_t wrong = 0;
  for (const auto& v : visits) wrong += v.load() == 1 ? 0 : 1;
  INFO("n = " << n);
  CHECK(wrong == 0);
}

double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

TEST_CASE("parallel_for visits every index exactly once, job after job") {
  demo::Workers workers(3);
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096},
                              std::size_t{10'007}, std::size_t{100'000}}) {
    for (int rep = 0; rep < 20; ++rep) check_covers_once(workers, n);
  }
}

TEST_CASE("parallel_for inside a burst visits every index exactly once") {
  demo::Workers workers(3);
  const demo::Workers::Burst burst(workers);
  for (int rep = 0; rep < 50; ++rep) check_covers_once(workers, 8192 + static_cast<std::size_t>(rep));
}

TEST_CASE("idle workers sleep after a job instead of spinning") {
  // One job per "frame", then the caller sleeps. Spinning workers would burn up to spin_before_sleep each
  // per gap (here 2 workers x 2 ms x 100 gaps); sleeping ones burn nothing while the caller sleeps.
  demo::Workers workers(3);
  constexpr int gaps = 100;
  double gap_cpu_ms = 0;
  std::atomic<std::size_t> sum{0};
  for (int frame = 0; frame < gaps; ++frame) {
    workers.parallel_for(8192, [&](std::size_t b, std::size_t e) { sum.fetch_add(e - b, std::memory_order_relaxed); });
    const double before = process_cpu_ms();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    gap_cpu_ms += process_cpu_ms() - before;
  }
  CHECK(sum.load() == std::size_t{8192} * gaps);
  INFO("CPU time used while the caller slept: " << gap_cpu_ms << " ms over " << gaps << " gaps");
  CHECK(gap_cpu_ms < 20.0);
}
