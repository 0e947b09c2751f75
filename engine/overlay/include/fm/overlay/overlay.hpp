// fm::overlay: Dear ImGui panels a game calls inside its own ImGui frame. Panels are free functions of
// plain stats structs; they own nothing and allocate nothing per frame.
#pragma once

namespace fm::overlay {

// Version string of the overlay library (also proves the library links).
[[nodiscard]] const char* version() noexcept;

}  // namespace fm::overlay
