// The doctest runner shared by every framemem test executable. Over a framemem built without exceptions the
// errors it reports are thrown on by the handler, so every test that expects an error checks exactly what the
// handler received.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/throwing_error_handler.hpp"

int main(int argc, char** argv) {
  fm::test::install_throwing_error_handler();
  return doctest::Context(argc, argv).run();
}
