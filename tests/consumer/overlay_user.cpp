// Proves fm::overlay's headers and library resolve from the installed package (with Debian's imgui),
// the dashboard and its timeline included.
#include <fm/overlay/dashboard.hpp>
#include <fm/overlay/overlay.hpp>

bool overlay_links() {
  fm::MemorySystem memory;
  const fm::overlay::Dashboard dashboard(memory);
  return fm::overlay::version() != nullptr && dashboard.timeline().live();
}
