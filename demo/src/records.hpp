// Canonical, storage-independent records of live particles and entities. A mode switch exports every
// live object to records, imports them into the new store, and compares checksums of both sides.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>

#include "sim/entities.hpp"
#include "sim/particles.hpp"

namespace demo {

// A particle's canonical record is the 64-byte AoS particle itself; cold.seed is its unique id.
using ParticleRecord = fm::sim::ParticleAoS;

struct EntityRecord {
  fm::sim::EntityState state;  // state.id is unique among live entities
  std::uint32_t target = 0;    // id of the target entity, 0 when it has none
};

// Object count plus an order-independent hash of ids and state (sum of per-object mixes), so the same
// set of objects in any order gives the same checksum and any lost, duplicated or altered one does not.
struct Checksum {
  std::uint64_t count = 0;
  std::uint64_t hash = 0;
  friend bool operator==(const Checksum&, const Checksum&) = default;
  [[nodiscard]] std::string hex() const;
};

[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

[[nodiscard]] inline std::uint64_t fold(std::uint64_t h, float v) noexcept {
  return mix64(h ^ std::bit_cast<std::uint32_t>(v));
}

[[nodiscard]] Checksum checksum(std::span<const ParticleRecord> particles) noexcept;
[[nodiscard]] Checksum checksum(std::span<const EntityRecord> entities) noexcept;

}  // namespace demo
