// perf_event_open glue: a group of four hardware counters read together. Any counter that fails to open
// makes the whole group unavailable, with the failing counter and errno in the reason.
#include "fm/cache/perf_counters.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace fm {

namespace {

struct CounterSpec {
  const char* name;
  std::uint32_t type;
  std::uint64_t config;
};

constexpr std::uint64_t cache_config(std::uint64_t cache, std::uint64_t op, std::uint64_t result) {
  return cache | (op << 8) | (result << 16);
}

constexpr CounterSpec specs[] = {
    {"L1d read accesses", PERF_TYPE_HW_CACHE,
     cache_config(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_ACCESS)},
    {"L1d read misses", PERF_TYPE_HW_CACHE,
     cache_config(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS)},
    {"LLC misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
};

int open_counter(const CounterSpec& spec, int group) noexcept {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = spec.type;
  attr.config = spec.config;
  attr.disabled = group < 0 ? 1 : 0;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  attr.read_format = PERF_FORMAT_GROUP;
  return static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, group, 0));
}

}  // namespace

PerfCounters::PerfCounters() {
  for (int i = 0; i < counter_count; ++i) {
    fds_[i] = open_counter(specs[i], i == 0 ? -1 : fds_[0]);
    if (fds_[i] < 0) {
      std::snprintf(unavailable_.unavailable_reason.data(), unavailable_.unavailable_reason.size(),
                    "perf_event_open(%s): %s", specs[i].name, std::strerror(errno));
      for (int& fd : fds_) {
        if (fd >= 0) close(fd);
        fd = -1;
      }
      return;
    }
  }
  group_ = fds_[0];
}

PerfCounters::~PerfCounters() {
  for (int fd : fds_) {
    if (fd >= 0) close(fd);
  }
}

void PerfCounters::start() noexcept {
  if (!available()) return;
  ioctl(group_, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
  ioctl(group_, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

PerfReading PerfCounters::stop() noexcept {
  if (!available()) return unavailable_;
  ioctl(group_, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
  std::uint64_t values[1 + counter_count] = {};  // PERF_FORMAT_GROUP: count, then one value per counter
  if (read(group_, values, sizeof values) != static_cast<ssize_t>(sizeof values) || values[0] != counter_count) {
    PerfReading failed;
    std::snprintf(failed.unavailable_reason.data(), failed.unavailable_reason.size(),
                  "reading the perf counter group failed: %s", std::strerror(errno));
    return failed;
  }
  PerfReading r;
  r.available = true;
  r.l1d_read_accesses = values[1];
  r.l1d_read_misses = values[2];
  r.llc_misses = values[3];
  r.instructions = values[4];
  return r;
}

}  // namespace fm
