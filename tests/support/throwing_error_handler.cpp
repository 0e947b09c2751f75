// Linked into the test programs that are not doctest executables (documentation examples, misuse programs):
// installs the throwing error handler before main, so they run as written over a framemem built without
// exceptions.
#include "support/throwing_error_handler.hpp"

namespace {
const bool installed = (fm::test::install_throwing_error_handler(), true);
}  // namespace
