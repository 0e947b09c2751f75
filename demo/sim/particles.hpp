// Particle data in two layouts -- a 64-byte array-of-structs record with hot and cold fields, and SoA
// columns of the same fields -- with one integrate step shared by both and a plain-float streaming kernel
// over the same bytes, so the demo, the benchmarks and the cache simulator measure layout, not physics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "fm/soa/soa.hpp"

namespace fm::sim {

// Hot components: what the per-frame update and the renderer touch.
struct Position {
  float x, y;
};
struct Velocity {
  float x, y;
};
struct Colour {
  std::uint32_t rgba;  // packed RGBA8
};
struct Age {
  float seconds;
};
struct Lifetime {
  float seconds;
};
// Cold data: read at spawn, on events and by tools, never by the update loop.
struct ParticleCold {
  double spawn_time;
  std::uint32_t seed;
  std::uint32_t emitter_id;
  std::uint32_t flags;
  float size;
  float rotation;
  float spin;
};

// The classic game particle: every field of one particle in one cache line.
struct alignas(64) ParticleAoS {
  Position position;
  Velocity velocity;
  Colour colour;
  Age age;
  Lifetime lifetime;
  ParticleCold cold;
};
static_assert(sizeof(ParticleAoS) == 64, "one particle per cache line");

// The same fields as columns: the hot ones each get their own, the cold ones share one.
using ParticleColumns = fm::SoA<Position, Velocity, Colour, Age, Lifetime, ParticleCold>;

// The physics, written once: both layouts call exactly this.
inline void integrate_step(Position& p, const Velocity& v, Age& age, float dt) noexcept {
  p.x += v.x * dt;
  p.y += v.y * dt;
  age.seconds += dt;
}

[[nodiscard]] inline bool expired(const Age& age, const Lifetime& lifetime) noexcept {
  return age.seconds >= lifetime.seconds;
}

inline void integrate(std::span<ParticleAoS> particles, float dt) noexcept {
  for (ParticleAoS& p : particles) integrate_step(p.position, p.velocity, p.age, dt);
}

inline void integrate(std::span<Position> positions, std::span<const Velocity> velocities, std::span<Age> ages,
                      float dt) noexcept {
  for (std::size_t i = 0; i < positions.size(); ++i) integrate_step(positions[i], velocities[i], ages[i], dt);
}

inline void integrate(ParticleColumns& particles, float dt) noexcept {
  integrate(particles.column<Position>(), particles.column<Velocity>(), particles.column<Age>(), dt);
}

// Bytes the integrate step must move per particle, whatever the layout: position and age read and
// written, velocity read. The basis of "effective GB/s" for every variant.
inline constexpr std::size_t integrate_bytes_per_particle = 2 * sizeof(Position) + sizeof(Velocity) + 2 * sizeof(Age);
// Bytes an AoS pass actually pulls through memory per particle: the whole line in, the whole line back.
inline constexpr std::size_t aos_bytes_per_particle = 2 * sizeof(ParticleAoS);

// STREAM-style triad on plain floats, in place: a[i] += s * b[i].
inline void stream_triad(std::span<float> a, std::span<const float> b, float s) noexcept {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += s * b[i];
}

// The bandwidth reference for integrate over columns: the same bytes as plain float arrays (2 floats of
// position += velocity * dt per particle, 1 float of age += dt), no structs, no accessors.
inline void stream_reference(std::span<float> positions, std::span<const float> velocities, std::span<float> ages,
                             float dt) noexcept {
  stream_triad(positions, velocities, dt);
  for (float& a : ages) a += dt;
}

// A deterministic particle for emitter `emitter` and sequence number `n`: same inputs, same particle, in
// every layout (tests and layout switches compare checksums built from it).
[[nodiscard]] inline ParticleAoS spawn_particle(std::uint32_t emitter, std::uint32_t n, double now) noexcept {
  std::uint32_t x = (emitter * 0x9E3779B9U) ^ (n * 0x85EBCA6BU) ^ 0xC2B2AE35U;
  auto next_unit = [&x] {  // xorshift32 in [0, 1)
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return static_cast<float>(x >> 8) * (1.0F / 16777216.0F);
  };
  ParticleAoS p{};
  p.position = {next_unit() * 2.0F - 1.0F, next_unit() * 2.0F - 1.0F};
  p.velocity = {next_unit() - 0.5F, next_unit() - 0.5F};
  p.colour = {0xFF000000U | (x & 0x00FFFFFFU)};
  p.age = {0.0F};
  p.lifetime = {1.0F + 4.0F * next_unit()};
  p.cold = {now, x, emitter, 0U, 0.01F + 0.02F * next_unit(), 0.0F, next_unit() - 0.5F};
  return p;
}

// Layout conversions for switching the demo's store at a frame boundary.
inline std::size_t push_particle(ParticleColumns& columns, const ParticleAoS& p) {
  return columns.push_back(p.position, p.velocity, p.colour, p.age, p.lifetime, p.cold);
}

[[nodiscard]] inline ParticleAoS particle_at(const ParticleColumns& columns, std::size_t row) noexcept {
  return {columns.column<Position>()[row], columns.column<Velocity>()[row], columns.column<Colour>()[row],
          columns.column<Age>()[row],      columns.column<Lifetime>()[row], columns.column<ParticleCold>()[row]};
}

}  // namespace fm::sim
