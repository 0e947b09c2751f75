// The stores the demo runs on -- particles, entities, per-frame scratch -- and the modes they are in.
// A switch exports every live object to canonical records, imports them into a new store and compares
// checksums of both sides; the App decides when to switch, this class how.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "modes.hpp"
#include "records.hpp"
#include "scratch.hpp"
#include "stores.hpp"

namespace demo {

// One attempted switch of a store, as the report shows it.
struct SwitchRecord {
  int frame = 0;
  std::string store;   // particles, entities, scratch, or "<store> (debug layer on|off)"
  std::string from, to;
  std::string source;  // scenario, ui, key
  Checksum before, after;
  bool accepted = false;
  std::string error;
};

// How stores are built; tests substitute makers that fail or garble on purpose.
struct StoreMakers {
  std::function<std::unique_ptr<ParticleStore>(ParticleMode, const StoreAllocators&)> particles = make_particle_store;
  std::function<std::unique_ptr<EntityStore>(EntityMode, const StoreAllocators&)> entities = make_entity_store;
};

class LiveStores {
 public:
  // `plain` and `debug` are the allocators without and with the debug layer; both must outlive this.
  LiveStores(const Modes& modes, const StoreAllocators& plain, const StoreAllocators& debug, fm::AllocatorRef arena,
             StoreMakers makers = {});

  [[nodiscard]] const Modes& modes() const noexcept { return modes_; }
  [[nodiscard]] ParticleStore& particles() noexcept { return *particles_; }
  [[nodiscard]] const ParticleStore& particles() const noexcept { return *particles_; }
  [[nodiscard]] EntityStore& entities() noexcept { return *entities_; }
  [[nodiscard]] const EntityStore& entities() const noexcept { return *entities_; }
  [[nodiscard]] Scratch& scratch() noexcept { return *scratch_; }

  // Each switch is all or nothing: the new store is built aside and replaces the old one only when its
  // checksum equals the old one's; on any failure the stores, their allocators and the modes stay as
  // they were. Returns one record per store involved (frame and source left for the caller to fill in).
  std::vector<SwitchRecord> switch_particles(ParticleMode to);
  std::vector<SwitchRecord> switch_entities(EntityMode to);
  std::vector<SwitchRecord> switch_scratch(ScratchMode to);
  // Moves both the particle and the entity store onto the allocators with (or without) the debug layer.
  std::vector<SwitchRecord> switch_debug(bool on);

 private:
  [[nodiscard]] const StoreAllocators& allocators(bool debug) const noexcept { return debug ? debug_ : plain_; }

  StoreAllocators plain_;
  StoreAllocators debug_;
  fm::AllocatorRef arena_;
  StoreMakers makers_;
  Modes modes_;
  std::unique_ptr<ParticleStore> particles_;
  std::unique_ptr<EntityStore> entities_;
  std::unique_ptr<Scratch> scratch_;
  std::vector<ParticleRecord> particle_records_;  // switch buffers, kept to reuse their capacity
  std::vector<EntityRecord> entity_records_;
};

}  // namespace demo
