// Particle integrate (pos += vel * dt; age += dt) over 64-byte AoS records vs fm::SoA columns, next to a
// plain-float streaming kernel over the same bytes (the machine's bandwidth limit for this update).
// Kernels come from demo/sim, so demo, benchmarks and cache simulator run the same code.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "sim/particles.hpp"

namespace {

using namespace fm::sim;

constexpr float dt = 1.0F / 60;

// Effective bandwidth counts the bytes integrate needs (integrate_bytes_per_particle) for every variant,
// so GB/s compare like for like; ns_per_particle is the same fact as a time.
void report(benchmark::State& state, std::size_t particles) {
  const auto n = static_cast<std::int64_t>(particles);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * n *
                          static_cast<std::int64_t>(integrate_bytes_per_particle));
  state.counters["ns_per_particle"] = benchmark::Counter(static_cast<double>(particles) * 1e-9,
                                                         benchmark::Counter::kIsIterationInvariantRate |
                                                             benchmark::Counter::kInvert);
}

// Runs update once per iteration, then reports the rate over the given number of particles.
template <class Update>
void measure(benchmark::State& state, std::size_t particles, Update update) {
  for (auto _ : state) {
    update();
    benchmark::ClobberMemory();
  }
  report(state, particles);
}

// The same n particles every variant starts from, in the fm::SoA columns.
ParticleColumns spawn_columns(std::uint32_t n) {
  ParticleColumns particles;
  particles.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) push_particle(particles, spawn_particle(i % 16, i, 0.0));
  return particles;
}

void BM_integrate_aos(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<ParticleAoS> particles;
  particles.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) particles.push_back(spawn_particle(i % 16, i, 0.0));
  measure(state, n, [&particles] { integrate(particles, dt); });
}

void BM_integrate_soa(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  ParticleColumns particles = spawn_columns(n);
  measure(state, n, [&particles] { integrate(particles, dt); });
}

void BM_stream_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> positions(2 * n, 1.0F);
  std::vector<float> velocities(2 * n, 0.5F);
  std::vector<float> ages(n, 0.0F);
  measure(state, n, [&] { stream_reference(positions, velocities, ages, dt); });
}

// The streaming kernel over the columns of a ParticleColumns block: separates what the SoA code costs
// from where its columns lie in memory.
void BM_stream_over_columns(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  ParticleColumns particles = spawn_columns(n);
  const std::span<float> positions(&particles.column<Position>()[0].x, 2 * std::size_t{n});
  const std::span<const float> velocities(&particles.column<Velocity>()[0].x, 2 * std::size_t{n});
  const std::span<float> ages(&particles.column<Age>()[0].seconds, n);
  measure(state, n, [&] { stream_reference(positions, velocities, ages, dt); });
}

}  // namespace

BENCHMARK(BM_integrate_aos)->Name("integrate/aos")->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_integrate_soa)->Name("integrate/soa")->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_stream_reference)->Name("integrate/stream_reference")->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_stream_over_columns)->Name("integrate/stream_over_columns")->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);
