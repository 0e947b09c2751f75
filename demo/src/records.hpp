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

// Object count plus an order-independent hash of every field of every object (sum of per-object hashes),
// so the same set of objects in any order gives the same checksum and any lost, duplicated or altered
// one does not.
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

// Folds the bits of each field into an object's hash in turn. Each step is a bijection of the running
// hash for fixed later fields, so changing any one field, any bit of it, changes the object's hash.
template <class... Fields>
[[nodiscard]] constexpr std::uint64_t fold_fields(std::uint64_t h, Fields... fields) noexcept {
  const auto bits = [](auto v) -> std::uint64_t {
    static_assert(sizeof(v) == 4 || sizeof(v) == 8, "fields are 32- or 64-bit");
    if constexpr (sizeof(v) == 8) {
      return std::bit_cast<std::uint64_t>(v);
    } else {
      return std::bit_cast<std::uint32_t>(v);
    }
  };
  ((h = mix64(h ^ bits(fields))), ...);
  return h;
}

[[nodiscard]] Checksum checksum(std::span<const ParticleRecord> particles) noexcept;
[[nodiscard]] Checksum checksum(std::span<const EntityRecord> entities) noexcept;

}  // namespace demo
