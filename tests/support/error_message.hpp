// The message of the error a call throws, so a test can check that an error names what went wrong.
#pragma once

#include <doctest/doctest.h>

#include <string>

namespace fm::test {

// The what() of the fm error `f` throws (fails the test when it throws nothing or something else).
template <class Error, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

}  // namespace fm::test
