// Proves fm::overlay's headers and library resolve from the installed package (with Debian's imgui).
#include <fm/overlay/overlay.hpp>

bool overlay_links() { return fm::overlay::version() != nullptr; }
