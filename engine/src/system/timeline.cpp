// The history selection of fm/system/timeline.hpp.
#include "fm/system/timeline.hpp"

#include <algorithm>

namespace fm {

bool any_over_budget(const Snapshot& s) noexcept {
  return std::any_of(s.systems.begin(), s.systems.end(), [](const SystemSnapshot& sys) { return sys.over_budget; });
}

void Timeline::pause() noexcept {
  frame_ = shown().frame;
  paused_ = true;
}

void Timeline::step(std::ptrdiff_t frames) noexcept {
  const auto age = static_cast<std::ptrdiff_t>(shown_age());
  show_age(static_cast<std::size_t>(std::max<std::ptrdiff_t>(age - frames, 0)));
}

void Timeline::show_age(std::size_t age) noexcept {
  const std::size_t n = size();
  paused_ = true;
  frame_ = n == 0 ? 0 : at(std::min(age, n - 1)).frame;
}

bool Timeline::show_last_overrun() noexcept {
  for (std::size_t age = 0; age < size(); ++age) {
    if (any_over_budget(at(age))) {
      show_age(age);
      return true;
    }
  }
  return false;
}

// Frame numbers never decrease from older to newer snapshots, so a binary search over ages finds the frame.
std::size_t Timeline::age_of(std::uint64_t frame) const noexcept {
  std::size_t lo = 0, hi = size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (at(mid).frame <= frame) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

std::size_t Timeline::shown_age() const noexcept {
  const std::size_t n = size();
  if (!paused_ || n == 0) return 0;
  return std::min(age_of(frame_), n - 1);
}

bool Timeline::shown_expired() const noexcept {
  return paused_ && size() != 0 && shown().frame != frame_;
}

}  // namespace fm
