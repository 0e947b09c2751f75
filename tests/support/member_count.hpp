// The number of members of an aggregate, found by brace-initialising it with ever more arguments that convert
// to anything. Tests compare it with the length of a field list, so a member added to a struct but not to
// its list (or the other way round) fails to compile instead of going missing from an output.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace fm::test {

struct AnyMember {
  template <class T>
  operator T() const noexcept;  // NOLINT: converts to every member type (only named in unevaluated checks)
};

template <class T, std::size_t... I>
constexpr bool initialisable_with(std::index_sequence<I...>) noexcept {
  return requires { T{(static_cast<void>(I), AnyMember{})...}; };
}

template <class T, std::size_t N = 0>
constexpr std::size_t member_count() noexcept {
  static_assert(std::is_aggregate_v<T>);
  if constexpr (!initialisable_with<T>(std::make_index_sequence<N + 1>{})) {
    return N;
  } else {
    return member_count<T, N + 1>();
  }
}

// The number of entries for_each_field(row, visit) visits.
template <class T>
std::size_t listed_fields() {
  T row{};
  std::size_t n = 0;
  for_each_field(row, [&](const auto&, const auto&) { ++n; });
  return n;
}

}  // namespace fm::test
