// Checksums over canonical records.
#include "records.hpp"

#include <cstdio>
#include <initializer_list>

namespace demo {

std::string Checksum::hex() const {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llu:%016llx", static_cast<unsigned long long>(count),
                static_cast<unsigned long long>(hash));
  return buf;
}

Checksum checksum(std::span<const ParticleRecord> particles) noexcept {
  Checksum c;
  for (const auto& p : particles) {
    std::uint64_t h = mix64(p.cold.seed);
    for (float v : {p.position.x, p.position.y, p.velocity.x, p.velocity.y, p.age.seconds, p.lifetime.seconds}) {
      h = fold(h, v);
    }
    h = mix64(h ^ (std::uint64_t{p.colour.rgba} << 32 | p.cold.emitter_id) ^ std::bit_cast<std::uint64_t>(p.cold.spawn_time));
    c.hash += h;
    ++c.count;
  }
  return c;
}

Checksum checksum(std::span<const EntityRecord> entities) noexcept {
  Checksum c;
  for (const auto& e : entities) {
    const auto& s = e.state;
    std::uint64_t h = mix64(s.id);
    for (float v : {s.x, s.y, s.vx, s.vy, s.health}) h = fold(h, v);
    h = mix64(h ^ (std::uint64_t{s.team} << 32 | e.target) ^ std::uint64_t{s.flags} << 48);
    c.hash += h;
    ++c.count;
  }
  return c;
}

}  // namespace demo
