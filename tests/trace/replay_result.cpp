// The replay tool's result line (tools/replay/replay.hpp): every field of Result is in its field list, and a
// result with a distinct value in every listed field comes back from its JSON unchanged.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "fm/core/error.hpp"
#include "replay.hpp"
#include "support/member_count.hpp"

namespace {

// A result whose every field differs from its default and from every other field.
fm::replay::Result distinct_result() {
  fm::replay::Result r;
  std::uint64_t next = 11;
  fm::replay::for_each_field(r, [&](const char*, auto& value) {
    using T = std::remove_cvref_t<decltype(value)>;
    if constexpr (std::is_same_v<T, std::string>) {
      value = "peer-" + std::to_string(next);
    } else if constexpr (std::is_same_v<T, bool>) {
      value = true;
    } else if constexpr (std::is_same_v<T, std::vector<std::uint64_t>>) {
      value = {next, next + 1, next + 2};
    } else {
      value = next;
    }
    next += 10;
  });
  return r;
}

}  // namespace

TEST_CASE("every member of the replay result is in its field list") {
  CHECK(fm::test::listed_fields<fm::replay::Result>() == fm::test::member_count<fm::replay::Result>());
}

TEST_CASE("a replay result written as JSON reads back with every listed field unchanged") {
  const fm::replay::Result written = distinct_result();
  const fm::replay::Result read = fm::replay::from_json(fm::replay::to_json(written));
  std::size_t compared = 0;
  fm::replay::for_each_field(written, [&](const char* key, const auto& expected) {
    fm::replay::for_each_field(read, [&](const char* other, const auto& actual) {
      if constexpr (std::is_same_v<decltype(expected), decltype(actual)>) {
        if (std::string(key) == other) {
          INFO(key);
          CHECK(actual == expected);
          ++compared;
        }
      }
    });
  });
  CHECK(compared == fm::test::member_count<fm::replay::Result>());
}

TEST_CASE("a result line without one of its fields is rejected, naming the field") {
  std::string line = fm::replay::to_json(distinct_result());
  line.erase(line.find("\"threads\""), std::string("\"threads\"").size());
  CHECK_THROWS_WITH_AS((void)fm::replay::from_json(line), doctest::Contains("'threads'"), fm::error);
}
