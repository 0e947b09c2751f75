// Specification of demo/sim/particles.hpp: both layouts hold the same particles and the shared integrate
// step gives bit-identical results in each, and the streaming reference moves the same numbers.
#include "sim/particles.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <vector>

using namespace fm::sim;

namespace {
bool same_bits(const ParticleAoS& a, const ParticleAoS& b) {
  return a.position.x == b.position.x && a.position.y == b.position.y && a.velocity.x == b.velocity.x &&
         a.velocity.y == b.velocity.y && a.colour.rgba == b.colour.rgba && a.age.seconds == b.age.seconds &&
         a.lifetime.seconds == b.lifetime.seconds && a.cold.spawn_time == b.cold.spawn_time &&
         a.cold.seed == b.cold.seed && a.cold.emitter_id == b.cold.emitter_id;
}
}  // namespace

TEST_CASE("a particle fills exactly one cache line and spawns deterministically") {
  static_assert(sizeof(ParticleAoS) == 64 && alignof(ParticleAoS) == 64);
  const ParticleAoS a = spawn_particle(3, 17, 1.5);
  const ParticleAoS b = spawn_particle(3, 17, 1.5);
  const ParticleAoS c = spawn_particle(3, 18, 1.5);
  CHECK(same_bits(a, b));
  CHECK_FALSE(same_bits(a, c));
  CHECK(a.cold.emitter_id == 3);
  CHECK(a.lifetime.seconds >= 1.0F);
  CHECK(a.lifetime.seconds <= 5.0F);
}

TEST_CASE("integrate gives the same particles in AoS and SoA, and round-trips between them") {
  std::vector<ParticleAoS> aos;
  ParticleColumns soa;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    aos.push_back(spawn_particle(i % 7, i, 0.0));
    push_particle(soa, aos.back());
  }
  for (int frame = 0; frame < 10; ++frame) {
    integrate(aos, 1.0F / 60);
    integrate(soa, 1.0F / 60);
  }
  for (std::size_t i = 0; i < aos.size(); ++i) {
    CAPTURE(i);
    CHECK(same_bits(aos[i], particle_at(soa, i)));
  }
  const ParticleAoS moved = particle_at(soa, 5);
  CHECK(moved.position.x != spawn_particle(5, 5, 0.0).position.x);
  CHECK(moved.age.seconds == doctest::Approx(10.0F / 60));
  CHECK_FALSE(expired(moved.age, moved.lifetime));
}

TEST_CASE("the streaming reference computes what integrate computes, on plain floats") {
  ParticleColumns soa;
  for (std::uint32_t i = 0; i < 333; ++i) push_particle(soa, spawn_particle(1, i, 0.0));
  std::vector<float> pos(2 * soa.size()), vel(2 * soa.size()), age(soa.size());
  std::memcpy(pos.data(), soa.column<Position>().data(), pos.size() * sizeof(float));
  std::memcpy(vel.data(), soa.column<Velocity>().data(), vel.size() * sizeof(float));
  std::memcpy(age.data(), soa.column<Age>().data(), age.size() * sizeof(float));
  integrate(soa, 0.25F);
  stream_reference(pos, vel, age, 0.25F);
  for (std::size_t i = 0; i < soa.size(); ++i) {
    CAPTURE(i);
    CHECK(pos[2 * i] == soa.column<Position>()[i].x);
    CHECK(pos[2 * i + 1] == soa.column<Position>()[i].y);
    CHECK(age[i] == soa.column<Age>()[i].seconds);
  }
  CHECK(integrate_bytes_per_particle == 32);
  CHECK(aos_bytes_per_particle == 128);
}
