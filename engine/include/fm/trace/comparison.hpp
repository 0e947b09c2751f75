// One allocator's figures in a framemem-replay --against comparison, each field declared once with its JSON
// key and how it is shown: the tool's JSON writer, a game's reader of that JSON and the overlay's comparison
// table all walk this list. The frame figures exist only for a trace with frames: measured() says which.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "fm/config.hpp"

namespace fm::trace {

struct AllocatorFigures {
  std::uint64_t total_ns_median = 0;  // median over the rounds of the whole replay's time
  std::uint64_t frame_p50_ns = 0;     // over every frame of every round; 0 and not measured without frames
  std::uint64_t frame_p99_ns = 0;
  std::uint64_t frame_max_ns = 0;
  std::uint64_t peak_rss_kb = 0;      // median over the rounds of the allocator's peak: process RSS above
                                      // what it was just before the first event (the replayer excluded)

  friend bool operator==(const AllocatorFigures&, const AllocatorFigures&) = default;
};

struct ComparisonField {
  std::string_view key;    // in the JSON, where the value is an integer in the key's unit
  std::string_view label;  // a table column's header, in the unit the value is shown in
  double scale;            // shown value = JSON value * scale
  bool per_frame = false;  // a figure of the frame times, which a trace without frames does not have
};

// Whether a comparison of a trace with `frames` frames (per round) has frame figures: a trace without frames
// (a whole process recorded through FRAMEMEM_TRACE, say) has no frame times to take percentiles of.
[[nodiscard]] constexpr bool has_frame_figures(std::uint64_t frames) noexcept { return frames > 0; }

// Whether such a comparison measured `field`. An unmeasured figure is neither written to the JSON nor shown
// as a number: a 0 there would be a time nobody measured.
[[nodiscard]] constexpr bool measured(const ComparisonField& field, std::uint64_t frames) noexcept {
  return !field.per_frame || has_frame_figures(frames);
}

template <class F, class Visit>
  requires std::same_as<std::remove_const_t<F>, AllocatorFigures>
constexpr void for_each_field(F& f, Visit&& visit) {
  visit(ComparisonField{"total_ns_median", "total ms", 1e-6}, f.total_ns_median);
  visit(ComparisonField{"frame_p50_ns", "frame p50 us", 1e-3, true}, f.frame_p50_ns);
  visit(ComparisonField{"frame_p99_ns", "p99 us", 1e-3, true}, f.frame_p99_ns);
  visit(ComparisonField{"frame_max_ns", "max us", 1e-3, true}, f.frame_max_ns);
  visit(ComparisonField{"peak_rss_kb", "alloc RSS MiB", 1.0 / 1024}, f.peak_rss_kb);
}

inline constexpr std::size_t figure_count = [] {
  std::size_t n = 0;
  const AllocatorFigures none{};
  for_each_field(none, [&](const ComparisonField&, std::uint64_t) { ++n; });
  return n;
}();

// Appends every field measured in a comparison of `frames` frames as JSON members, `"key":value` separated by
// commas, for the object that holds them.
inline void append_json_members(std::string& out, const AllocatorFigures& figures, std::uint64_t frames) {
  const char* separator = "";
  for_each_field(figures, [&](const ComparisonField& field, std::uint64_t value) {
    if (!measured(field, frames)) return;
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(separator).append("\"").append(field.key).append("\":").append(digits, end);
    separator = ",";
  });
}

}  // namespace fm::trace
