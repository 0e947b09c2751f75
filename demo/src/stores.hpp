// The switchable stores. Every particle store and every entity store has the same operations, so the
// simulation is written once and a switch only moves records from one store into another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "fm/cache/cache_simulator.hpp"
#include "fm/core/allocator.hpp"
#include "modes.hpp"
#include "records.hpp"
#include "renderer.hpp"
#include "scratch.hpp"
#include "workers.hpp"

namespace demo {

// World extent in world units (the renderer maps it to the window).
inline constexpr float world_width = 1600.0f;
inline constexpr float world_height = 900.0f;

class ParticleStore {
 public:
  virtual ~ParticleStore() = default;
  [[nodiscard]] virtual ParticleMode mode() const noexcept = 0;
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  // Adds particles (spawns, or every particle of another store during a switch).
  virtual void import_records(std::span<const ParticleRecord> particles) = 0;
  // Integrates every particle by dt on all workers (the bandwidth-bound part).
  virtual void integrate(float dt, Workers& workers) = 0;
  // Removes the particles past their life by moving the last one into their place; returns how many.
  virtual std::size_t remove_expired() = 0;
  virtual void export_records(std::vector<ParticleRecord>& out) const = 0;
  // Writes size() vertices.
  virtual void write_vertices(std::span<PointVertex> out) const = 0;
  // Records, in access order, what one update pass reads and writes for as many particles as `trace`
  // holds. Feeds the cache model.
  virtual void trace_update(fm::AccessTrace& trace) const = 0;
  // Where the update loop's fields sit in the layout, for line utilization.
  [[nodiscard]] virtual double line_utilization(std::size_t line_bytes) const = 0;
};

class EntityStore {
 public:
  virtual ~EntityStore() = default;
  [[nodiscard]] virtual EntityMode mode() const noexcept = 0;
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;
  // Adds entities from records (a switch); targets are resolved by id among them, unknown ids become
  // "no target".
  virtual void import_records(std::span<const EntityRecord> entities) = 0;
  // Adds one entity aiming at a random live entity.
  virtual void spawn(const EntityRecord& entity, std::mt19937& rng) = 0;
  // Moves every entity towards its target; an entity whose target died picks a new one.
  // Returns how many entities found their target gone this frame.
  virtual std::size_t update(float dt, std::mt19937& rng, Scratch& scratch) = 0;
  // Destroys `count` entities picked at random.
  virtual void destroy_random(std::size_t count, std::mt19937& rng) = 0;
  virtual void export_records(std::vector<EntityRecord>& out) const = 0;
  // Position and colour of entity i (0 <= i < size()), for emitters and drawing.
  [[nodiscard]] virtual EntityRecord sample(std::size_t i) const = 0;
  virtual void write_vertices(std::span<PointVertex> out) const = 0;
  // End-of-frame work (deferred destroys).
  virtual void end_frame() {}
  // Closes holes in the store's memory where it can (HandlePool compaction); handles stay valid.
  virtual void compact() {}
};

// Allocators the stores draw from; the debug layer swaps in decorated ones.
struct StoreAllocators {
  fm::AllocatorRef particle_blocks;  // one block per particle for "AoS in pool" (an fm::Pool underneath)
  fm::AllocatorRef particle_columns; // the column block of the SoA store
  fm::AllocatorRef entity_pages;     // HandlePool pages
};

[[nodiscard]] std::unique_ptr<ParticleStore> make_particle_store(ParticleMode mode, const StoreAllocators& alloc);
[[nodiscard]] std::unique_ptr<EntityStore> make_entity_store(EntityMode mode, const StoreAllocators& alloc);

}  // namespace demo
