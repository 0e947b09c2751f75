// Overlay library identity.
#include "fm/overlay/overlay.hpp"

namespace fm::overlay {

const char* version() noexcept { return "framemem-overlay 0.1"; }

}  // namespace fm::overlay
