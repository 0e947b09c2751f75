// Entity behaviour on top of fm::sim's entity state, written once for every store: steer towards the
// target along a short path planned in per-frame scratch memory, bounce off the world's edges.
#pragma once

#include <cmath>
#include <cstdint>

#include "renderer.hpp"
#include "scratch.hpp"
#include "sim/entities.hpp"
#include "stores.hpp"

namespace demo {

inline constexpr int path_points = 8;

// Plans a path of `path_points` waypoints to (tx, ty) in scratch memory and accelerates along it.
inline void steer(fm::sim::EntityState& e, float tx, float ty, float dt, Scratch& scratch) {
  auto* path = scratch.allocate_array<float>(2 * path_points);
  for (int i = 0; i < path_points; ++i) {
    const float t = static_cast<float>(i + 1) / path_points;
    path[2 * i] = e.x + (tx - e.x) * t;
    path[2 * i + 1] = e.y + (ty - e.y) * t;
  }
  const float dx = path[0] - e.x;
  const float dy = path[1] - e.y;
  const float len = std::sqrt(dx * dx + dy * dy) + 1e-3f;
  e.vx = e.vx * 0.98f + dx / len * 120.0f * dt;
  e.vy = e.vy * 0.98f + dy / len * 120.0f * dt;
}

inline void move(fm::sim::EntityState& e, float dt) {
  e.x += e.vx * dt;
  e.y += e.vy * dt;
  if (e.x < 0 || e.x > world_width) e.vx = -e.vx, e.x = std::fmin(std::fmax(e.x, 0.0f), world_width);
  if (e.y < 0 || e.y > world_height) e.vy = -e.vy, e.y = std::fmin(std::fmax(e.y, 0.0f), world_height);
}

// Teams have colours so chases are visible.
[[nodiscard]] inline std::uint32_t team_colour(std::uint32_t team) {
  static constexpr std::uint32_t palette[] = {0xFF4FC3F7u, 0xFFFFB74Du, 0xFFE57373u, 0xFF81C784u};
  return palette[team % 4];
}

[[nodiscard]] inline PointVertex entity_vertex(const fm::sim::EntityState& e) {
  return {e.x, e.y, team_colour(e.team), 9.0f};
}

}  // namespace demo
