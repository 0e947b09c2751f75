// A group of four hardware counters read together (the OS layer opens them). Any counter that fails to
// open makes the whole group unavailable, with the failing counter and the OS's reason.
#include "fm/cache/perf_counters.hpp"

#include "../os/os.hpp"

namespace fm {

PerfCounters::PerfCounters() {
  static_assert(counter_count == os::hardware_event_count);
  for (int i = 0; i < counter_count; ++i) {
    const auto event = static_cast<os::HardwareEvent>(i);
    fds_[i] = os::open_counter(event, i == 0 ? -1 : fds_[0], unavailable_.unavailable_reason);
    if (fds_[i] < 0) {
      for (int& fd : fds_) {
        if (fd >= 0) os::close_counter(fd);
        fd = -1;
      }
      return;
    }
  }
  group_ = fds_[0];
}

PerfCounters::~PerfCounters() {
  for (int fd : fds_) {
    if (fd >= 0) os::close_counter(fd);
  }
}

void PerfCounters::start() noexcept {
  if (available()) os::start_counters(group_);
}

PerfReading PerfCounters::stop() noexcept {
  if (!available()) return unavailable_;
  std::uint64_t values[counter_count] = {};
  PerfReading r;
  if (!os::read_counters(group_, values, r.unavailable_reason)) return r;
  r.available = true;
  r.l1d_read_accesses = values[static_cast<int>(os::HardwareEvent::l1d_read_accesses)];
  r.l1d_read_misses = values[static_cast<int>(os::HardwareEvent::l1d_read_misses)];
  r.llc_misses = values[static_cast<int>(os::HardwareEvent::llc_misses)];
  r.instructions = values[static_cast<int>(os::HardwareEvent::instructions)];
  return r;
}

}  // namespace fm
