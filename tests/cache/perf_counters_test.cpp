// Specification of fm/cache/perf_counters.hpp: a reading is either real counts or explicitly unavailable.
#include "fm/cache/perf_counters.hpp"

#include <doctest/doctest.h>

#include <numeric>
#include <vector>

TEST_CASE("hardware counters either count a real workload or say why they are unavailable") {
  fm::PerfCounters counters;
  std::vector<long> data(1 << 16, 1);
  counters.start();
  const long sum = std::accumulate(data.begin(), data.end(), 0L);
  const fm::PerfReading r = counters.stop();
  CHECK(sum == 1 << 16);
  CHECK(r.available == counters.available());
  if (r.available) {
    CHECK(r.instructions > 0);
    CHECK(r.l1d_read_accesses > 0);
    CHECK(r.reason().empty());
  } else {
#if defined(_WIN32)
    CHECK(r.reason() == "hardware cache counters: not readable by programs on Windows");
#else
    CHECK(r.reason().starts_with("perf_event_open("));
#endif
    CHECK(r.instructions == 0);
    CHECK(r.l1d_read_misses == 0);
  }
  MESSAGE("perf counters here: ", r.available ? "available" : r.reason());
}
