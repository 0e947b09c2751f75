// Store switches: build the new store, move every live object into it, prove with checksums that
// nothing was lost or altered, and keep the old store when anything goes wrong.
#include "live_stores.hpp"

#include <exception>
#include <utility>

namespace demo {

namespace {

SwitchRecord record_of(std::string_view store, std::string_view from, std::string_view to) {
  SwitchRecord r;
  r.store = store;
  r.from = from;
  r.to = to;
  return r;
}

// Moves every live object of `from` into a new store made by `make`; keeps `from` when the new store
// cannot be built or its checksum differs. Returns the store that is in use afterwards.
template <class Store, class Record, class Make>
std::unique_ptr<Store> migrate(std::unique_ptr<Store> from, std::vector<Record>& buffer, Make&& make, SwitchRecord& rec) {
  buffer.clear();
  from->export_records(buffer);
  rec.before = checksum(std::span<const Record>(buffer));
  try {
    std::unique_ptr<Store> to = make();
    to->import_records(buffer);
    buffer.clear();
    to->export_records(buffer);
    rec.after = checksum(std::span<const Record>(buffer));
    if (rec.after == rec.before) {
      rec.accepted = true;
      return to;
    }
    rec.error = "checksum mismatch: " + rec.before.hex() + " before, " + rec.after.hex() + " after";
  } catch (const std::exception& e) {
    rec.error = e.what();
  }
  return from;
}

}  // namespace

LiveStores::LiveStores(const Modes& modes, const StoreAllocators& plain, const StoreAllocators& debug,
                       fm::FrameArena& arena, StoreMakers makers)
    : plain_(plain), debug_(debug), arena_(arena), makers_(std::move(makers)), modes_(modes) {
  particles_ = makers_.particles(modes_.particles, allocators(modes_.debug_layer));
  entities_ = makers_.entities(modes_.entities, allocators(modes_.debug_layer));
  scratch_ = std::make_unique<Scratch>(modes_.scratch, arena_);
}

std::vector<SwitchRecord> LiveStores::switch_particles(ParticleMode to) {
  SwitchRecord rec = record_of("particles", key(modes_.particles), key(to));
  const StoreAllocators& alloc = allocators(modes_.debug_layer);
  particles_ = migrate(std::move(particles_), particle_records_, [&] { return makers_.particles(to, alloc); }, rec);
  if (rec.accepted) modes_.particles = to;
  return {rec};
}

std::vector<SwitchRecord> LiveStores::switch_entities(EntityMode to) {
  SwitchRecord rec = record_of("entities", key(modes_.entities), key(to));
  const StoreAllocators& alloc = allocators(modes_.debug_layer);
  entities_ = migrate(std::move(entities_), entity_records_, [&] { return makers_.entities(to, alloc); }, rec);
  if (rec.accepted) modes_.entities = to;
  return {rec};
}

std::vector<SwitchRecord> LiveStores::switch_scratch(ScratchMode to) {
  SwitchRecord rec = record_of("scratch", key(modes_.scratch), key(to));
  scratch_ = std::make_unique<Scratch>(to, arena_);  // holds nothing across frames
  rec.accepted = true;
  modes_.scratch = to;
  return {rec};
}

std::vector<SwitchRecord> LiveStores::switch_debug(bool on) {
  // Both stores move onto the other allocators. Each store frees through the allocator it was built
  // with, so a refused move leaves that store consistent on its old allocators.
  const StoreAllocators& alloc = allocators(on);
  SwitchRecord p = record_of(on ? "particles (debug layer on)" : "particles (debug layer off)", key(modes_.particles),
                             key(modes_.particles));
  particles_ = migrate(std::move(particles_), particle_records_,
                       [&] { return makers_.particles(modes_.particles, alloc); }, p);
  SwitchRecord e = record_of(on ? "entities (debug layer on)" : "entities (debug layer off)", key(modes_.entities),
                             key(modes_.entities));
  entities_ = migrate(std::move(entities_), entity_records_,
                      [&] { return makers_.entities(modes_.entities, alloc); }, e);
  if (p.accepted && e.accepted) modes_.debug_layer = on;
  return {p, e};
}

}  // namespace demo
