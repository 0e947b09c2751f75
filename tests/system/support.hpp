// Helpers shared by the memory-system tests.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "fm/core/error.hpp"
#include "fm/system/snapshot.hpp"

namespace fm::test {

// The row of the system called `name` in `s`; fails the test when there is none.
inline const SystemSnapshot& row(const Snapshot& s, std::string_view name) {
  for (const SystemSnapshot& sys : s.systems) {
    if (sys.name.view() == name) return sys;
  }
  FAIL("no system named ", name);
  return s.systems[0];
}

// The message of the fm::error that `call` throws.
inline std::string error_of(auto&& call) {
  try {
    call();
  } catch (const error& e) {
    return e.what();
  }
  return "no fm::error thrown";
}

}  // namespace fm::test
