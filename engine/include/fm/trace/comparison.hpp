// One allocator's figures in a framemem-replay --against comparison, each field declared once with its JSON
// key and how it is shown: the tool's JSON writer, a game's reader of that JSON and the overlay's comparison
// table all walk this list.
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
  std::uint64_t frame_p50_ns = 0;     // over every frame of every round
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
};

template <class F, class Visit>
  requires std::same_as<std::remove_const_t<F>, AllocatorFigures>
constexpr void for_each_field(F& f, Visit&& visit) {
  visit(ComparisonField{"total_ns_median", "total ms", 1e-6}, f.total_ns_median);
  visit(ComparisonField{"frame_p50_ns", "frame p50 us", 1e-3}, f.frame_p50_ns);
  visit(ComparisonField{"frame_p99_ns", "p99 us", 1e-3}, f.frame_p99_ns);
  visit(ComparisonField{"frame_max_ns", "max us", 1e-3}, f.frame_max_ns);
  visit(ComparisonField{"peak_rss_kb", "alloc RSS MiB", 1.0 / 1024}, f.peak_rss_kb);
}

inline constexpr std::size_t figure_count = [] {
  std::size_t n = 0;
  const AllocatorFigures none{};
  for_each_field(none, [&](const ComparisonField&, std::uint64_t) { ++n; });
  return n;
}();

// Appends every field as JSON members, `"key":value` separated by commas, for the object that holds them.
inline void append_json_members(std::string& out, const AllocatorFigures& figures) {
  const char* separator = "";
  for_each_field(figures, [&](const ComparisonField& field, std::uint64_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(separator).append("\"").append(field.key).append("\":").append(digits, end);
    separator = ",";
  });
}

}  // namespace fm::trace
