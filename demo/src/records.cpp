// Checksums over canonical records.
#include "records.hpp"

#include <cstdio>

namespace demo {

std::string Checksum::hex() const {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llu:%016llx", static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(hash));
  return buf;
}

// Every field is folded in; a field added to a record must be added here (the asserts catch a size change).
static_assert(sizeof(fm::sim::ParticleCold) == 8 + 6 * 4, "checksum(particles) folds every ParticleCold field");
static_assert(sizeof(fm::sim::EntityState) == 8 * 4, "checksum(entities) folds every EntityState field");
// Not zero, so an object whose fields are all zero still adds to the hash (mix64(0) is 0).
constexpr std::uint64_t object_seed = 0x9E3779B97F4A7C15ULL;

Checksum checksum(std::span<const ParticleRecord> particles) noexcept {
  Checksum c;
  for (const auto& p : particles) {
    const auto& cold = p.cold;
    c.hash += fold_fields(object_seed, cold.seed, p.position.x, p.position.y, p.velocity.x, p.velocity.y, p.colour.rgba,
                          p.age.seconds, p.lifetime.seconds, cold.spawn_time, cold.emitter_id, cold.flags, cold.size,
                          cold.rotation, cold.spin);
    ++c.count;
  }
  return c;
}

Checksum checksum(std::span<const EntityRecord> entities) noexcept {
  Checksum c;
  for (const auto& e : entities) {
    const auto& s = e.state;
    c.hash += fold_fields(object_seed, s.id, s.x, s.y, s.vx, s.vy, s.health, s.team, s.flags, e.target);
    ++c.count;
  }
  return c;
}

}  // namespace demo
