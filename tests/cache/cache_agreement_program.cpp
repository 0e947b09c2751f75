// The demo's particle update kernels (AoS and SoA), run for cachegrind or replayed as an address trace
// through fm::CacheSimulator with the same geometry, so cache_agreement.cmake can compare the two.
//   cache_agreement_program geometry                    -> "D1=size,ways,line LL=size,ways,line"
//   cache_agreement_program run <aos|soa> <passes>      -> runs the kernel (under cachegrind)
//   cache_agreement_program simulate <aos|soa> <passes> -> "refs N misses M" of the simulated L1d
#include <cstdio>
#include <cstdlib>
#include <new>
#include <span>
#include <string_view>

#include "demo/sim/particles.hpp"
#include "fm/cache/cache_simulator.hpp"

namespace {

using namespace fm::sim;

constexpr std::size_t particle_count = 100'000;
// Read at run time, so the compiled kernel keeps dt in a register instead of re-reading a constant from
// memory on every use (extra references the trace would not model).
volatile float dt_source = 1.0F / 60;

// Page-aligned arrays, so both runs map every address to the same cache set.
template <class T>
std::span<T> page_aligned(std::size_t n) {
  auto* p = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{4096}));
  for (std::size_t i = 0; i < n; ++i) ::new (p + i) T{};
  return {p, n};
}

struct Columns {
  std::span<Position> positions = page_aligned<Position>(particle_count);
  std::span<Velocity> velocities = page_aligned<Velocity>(particle_count);
  std::span<Age> ages = page_aligned<Age>(particle_count);
};

void fill(std::span<ParticleAoS> aos) {
  for (std::size_t i = 0; i < aos.size(); ++i) aos[i] = spawn_particle(1, static_cast<std::uint32_t>(i), 0.0);
}

void fill(Columns& c) {
  for (std::size_t i = 0; i < particle_count; ++i) {
    const ParticleAoS p = spawn_particle(1, static_cast<std::uint32_t>(i), 0.0);
    c.positions[i] = p.position;
    c.velocities[i] = p.velocity;
    c.ages[i] = p.age;
  }
}

// What integrate_step references, in program order: p.x += v.x * dt; p.y += v.y * dt; age += dt.
void trace_step(fm::CacheSimulator& sim, const Position& p, const Velocity& v, const Age& a) {
  sim.access(&p.x, 4);
  sim.access(&v.x, 4);
  sim.access(&p.x, 4);
  sim.access(&p.y, 4);
  sim.access(&v.y, 4);
  sim.access(&p.y, 4);
  sim.access(&a.seconds, 4);
  sim.access(&a.seconds, 4);
}

int usage() {
  std::fputs("usage: cache_agreement_program geometry | (run|simulate) (aos|soa) <passes>\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const fm::CacheGeometry g = fm::detect_cache_geometry();
  if (argc == 2 && std::string_view(argv[1]) == "geometry") {
    std::printf("D1=%zu,%zu,%zu LL=%zu,%zu,%zu\n", g.l1d.size_bytes, g.l1d.ways, g.l1d.line_bytes, g.l2.size_bytes,
                g.l2.ways, g.l2.line_bytes);
    return 0;
  }
  if (argc != 4) return usage();
  const std::string_view mode = argv[1];
  const std::string_view layout = argv[2];
  const int passes = std::atoi(argv[3]);
  if ((mode != "run" && mode != "simulate") || (layout != "aos" && layout != "soa")) return usage();

  fm::CacheSimulator sim(g);
  const float dt = dt_source;
  float checksum = 0;
  if (layout == "aos") {
    const auto aos = page_aligned<ParticleAoS>(particle_count);
    fill(aos);
    for (int pass = 0; pass < passes; ++pass) {
      if (mode == "run") {
        integrate(aos, dt);
      } else {
        for (const ParticleAoS& p : aos) trace_step(sim, p.position, p.velocity, p.age);
      }
    }
    checksum = aos[particle_count / 2].position.x;
  } else {
    Columns c;
    fill(c);
    for (int pass = 0; pass < passes; ++pass) {
      if (mode == "run") {
        integrate(c.positions, c.velocities, c.ages, dt);
      } else {
        for (std::size_t i = 0; i < particle_count; ++i) trace_step(sim, c.positions[i], c.velocities[i], c.ages[i]);
      }
    }
    checksum = c.positions[particle_count / 2].x;
  }
  if (mode == "simulate") {
    std::printf("refs %llu misses %llu\n", static_cast<unsigned long long>(sim.l1d().accesses),
                static_cast<unsigned long long>(sim.l1d().misses));
  }
  // The result is used, so the kernel cannot be optimised away.
  return checksum == 12345.0F ? 1 : 0;
}
