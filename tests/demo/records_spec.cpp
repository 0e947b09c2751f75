// Specification of the switch checksums: every field of a particle or entity record is covered, so a
// store that loses or garbles any field during a mode switch is caught; the order of objects does not matter.
#include "records.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace {

struct Field {
  const char* name;
  std::size_t offset;
  std::size_t size;
};

using fm::sim::ParticleAoS;
using fm::sim::ParticleCold;
constexpr std::size_t cold = offsetof(ParticleAoS, cold);
constexpr Field particle_fields[] = {
    {"position.x", offsetof(ParticleAoS, position), 4},
    {"position.y", offsetof(ParticleAoS, position) + 4, 4},
    {"velocity.x", offsetof(ParticleAoS, velocity), 4},
    {"velocity.y", offsetof(ParticleAoS, velocity) + 4, 4},
    {"colour.rgba", offsetof(ParticleAoS, colour), 4},
    {"age.seconds", offsetof(ParticleAoS, age), 4},
    {"lifetime.seconds", offsetof(ParticleAoS, lifetime), 4},
    {"cold.spawn_time", cold + offsetof(ParticleCold, spawn_time), 8},
    {"cold.seed", cold + offsetof(ParticleCold, seed), 4},
    {"cold.emitter_id", cold + offsetof(ParticleCold, emitter_id), 4},
    {"cold.flags", cold + offsetof(ParticleCold, flags), 4},
    {"cold.size", cold + offsetof(ParticleCold, size), 4},
    {"cold.rotation", cold + offsetof(ParticleCold, rotation), 4},
    {"cold.spin", cold + offsetof(ParticleCold, spin), 4},
};

using fm::sim::EntityState;
constexpr Field entity_fields[] = {
    {"state.x", offsetof(EntityState, x), 4},         {"state.y", offsetof(EntityState, y), 4},
    {"state.vx", offsetof(EntityState, vx), 4},       {"state.vy", offsetof(EntityState, vy), 4},
    {"state.health", offsetof(EntityState, health), 4}, {"state.id", offsetof(EntityState, id), 4},
    {"state.team", offsetof(EntityState, team), 4},   {"state.flags", offsetof(EntityState, flags), 4},
    {"target", offsetof(demo::EntityRecord, target), 4},
};

template <std::size_t N>
std::size_t bytes_listed(const Field (&fields)[N]) {
  std::size_t sum = 0;
  for (const Field& f : fields) sum += f.size;
  return sum;
}

// Flips the lowest and the highest bit of each field in turn (a truncated field misses the high one) and
// expects the checksum of the one-object set to change every time.
template <class Record, std::size_t N>
void every_field_changes_the_checksum(const Record& base, const Field (&fields)[N]) {
  const demo::Checksum original = demo::checksum(std::span<const Record>(&base, 1));
  for (const Field& f : fields) {
    for (const std::size_t bit : {std::size_t{0}, 8 * f.size - 1}) {
      Record changed = base;
      auto* bytes = reinterpret_cast<unsigned char*>(&changed) + f.offset;
      bytes[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
      const std::string field = f.name;
      CAPTURE(field);
      CAPTURE(bit);
      CHECK(demo::checksum(std::span<const Record>(&changed, 1)) != original);
    }
  }
}

demo::EntityRecord some_entity() {
  EntityState s{};
  s.x = 10.5f;
  s.y = 20.25f;
  s.vx = -1.0f;
  s.vy = 2.0f;
  s.health = 75.0f;
  s.id = 17;
  s.team = 2;
  s.flags = 5;
  return {s, 9};
}

}  // namespace

TEST_CASE("particle checksum changes when any one field of a particle changes, cold fields included") {
  // The list above must name every field: the hot components and the whole cold block (no padding inside).
  CHECK(bytes_listed(particle_fields) == 2 * sizeof(fm::sim::Position) + sizeof(fm::sim::Colour) +
                                             sizeof(fm::sim::Age) + sizeof(fm::sim::Lifetime) + sizeof(ParticleCold));
  ParticleAoS p = fm::sim::spawn_particle(3, 42, 1.5);
  p.cold.flags = 6;
  p.cold.rotation = 0.25f;
  every_field_changes_the_checksum(p, particle_fields);
}

TEST_CASE("entity checksum changes when any one field of an entity changes, all 32 bits of flags included") {
  CHECK(bytes_listed(entity_fields) == sizeof(EntityState) + sizeof(std::uint32_t));
  every_field_changes_the_checksum(some_entity(), entity_fields);
}

TEST_CASE("checksums do not depend on the order of objects and count them") {
  std::vector<ParticleAoS> particles;
  for (std::uint32_t i = 1; i <= 5; ++i) particles.push_back(fm::sim::spawn_particle(i, i, 0.5));
  const demo::Checksum forward = demo::checksum(std::span<const ParticleAoS>(particles));
  std::vector<ParticleAoS> reversed(particles.rbegin(), particles.rend());
  CHECK(demo::checksum(std::span<const ParticleAoS>(reversed)) == forward);
  CHECK(forward.count == 5);
  particles.pop_back();
  CHECK(demo::checksum(std::span<const ParticleAoS>(particles)) != forward);
}
