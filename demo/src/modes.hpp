// The storage modes the demo can switch between live, with their names as used in scenarios, the
// overlay and the report. One table per switch so parsing, drawing and reporting cannot disagree.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace demo {

enum class ParticleMode { aos_heap, aos_pool, soa };
enum class EntityMode { raw, shared, handles };
enum class ScratchMode { malloc, frame_arena };

template <class E>
struct ModeInfo {
  E value;
  std::string_view key;    // scenario / report name
  std::string_view label;  // shown in the overlay
  // What the debug layer (tracking over guard bytes) checks for this store in this mode; stores that
  // take memory from the global heap are outside it, and the overlay and the report say so.
  std::string_view debug_checks = "nothing";
};

inline constexpr std::array particle_modes{
    ModeInfo<ParticleMode>{ParticleMode::aos_heap, "aos_heap", "AoS on heap",
                           "nothing (the std::vector is on the global heap)"},
    ModeInfo<ParticleMode>{ParticleMode::aos_pool, "aos_pool", "AoS in pool",
                           "each particle's pool block (guard bytes, double and foreign frees, leaks)"},
    ModeInfo<ParticleMode>{ParticleMode::soa, "soa", "SoA",
                           "the column block (guard bytes, double and foreign frees, leaks)"},
};
inline constexpr std::array entity_modes{
    ModeInfo<EntityMode>{EntityMode::raw, "raw", "new/delete + raw pointers",
                         "nothing (new/delete use the global heap)"},
    ModeInfo<EntityMode>{EntityMode::shared, "shared", "shared_ptr/weak_ptr",
                         "nothing (make_shared uses the global heap)"},
    ModeInfo<EntityMode>{EntityMode::handles, "handles", "HandlePool",
                         "the HandlePool pages (guard bytes, double and foreign frees, leaks)"},
};
inline constexpr std::array scratch_modes{
    ModeInfo<ScratchMode>{ScratchMode::malloc, "malloc", "malloc per frame", "nothing (scratch is outside the debug layer)"},
    ModeInfo<ScratchMode>{ScratchMode::frame_arena, "frame_arena", "FrameArena",
                          "nothing (scratch is outside the debug layer)"},
};

template <class E, std::size_t N>
[[nodiscard]] constexpr std::optional<E> mode_from_key(const std::array<ModeInfo<E>, N>& table, std::string_view key) {
  for (const auto& m : table) {
    if (m.key == key) return m.value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
[[nodiscard]] constexpr const ModeInfo<E>& mode_info(const std::array<ModeInfo<E>, N>& table, E value) {
  for (const auto& m : table) {
    if (m.value == value) return m;
  }
  return table[0];
}

template <class E, std::size_t N>
[[nodiscard]] std::string mode_keys(const std::array<ModeInfo<E>, N>& table) {
  std::string out;
  for (const auto& m : table) {
    if (!out.empty()) out += ", ";
    out += m.key;
  }
  return out;
}

[[nodiscard]] constexpr std::string_view key(ParticleMode m) { return mode_info(particle_modes, m).key; }
[[nodiscard]] constexpr std::string_view key(EntityMode m) { return mode_info(entity_modes, m).key; }
[[nodiscard]] constexpr std::string_view key(ScratchMode m) { return mode_info(scratch_modes, m).key; }

// Everything a toggle can change, applied at a frame boundary.
struct Modes {
  ParticleMode particles = ParticleMode::aos_heap;
  EntityMode entities = EntityMode::raw;
  ScratchMode scratch = ScratchMode::malloc;
  bool debug_layer = false;
  friend bool operator==(const Modes&, const Modes&) = default;
};

}  // namespace demo
