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

// Builds a store holding exactly the objects of `from`, proved by equal checksums, or returns null with
// the reason in `rec`. `from` is only read, so whatever fails -- its export, the new store's allocator,
// the checksum -- the store in use is untouched.
template <class Store, class Record, class Make>
std::unique_ptr<Store> rebuild(const Store& from, std::vector<Record>& buffer, Make&& make, SwitchRecord& rec) {
  try {
    buffer.clear();
    from.export_records(buffer);
    rec.before = checksum(std::span<const Record>(buffer));
    std::unique_ptr<Store> to = make();
    to->import_records(buffer);
    buffer.clear();
    to->export_records(buffer);
    rec.after = checksum(std::span<const Record>(buffer));
    if (rec.after == rec.before) return to;
    rec.error = "checksum mismatch: " + rec.before.hex() + " before, " + rec.after.hex() + " after";
  } catch (const std::exception& e) {
    rec.error = e.what();
  }
  return nullptr;
}

}  // namespace

LiveStores::LiveStores(const Modes& modes, const StoreAllocators& plain, const StoreAllocators& debug,
                       fm::AllocatorRef arena, StoreMakers makers)
    : plain_(plain), debug_(debug), arena_(arena), makers_(std::move(makers)), modes_(modes) {
  particles_ = makers_.particles(modes_.particles, allocators(modes_.debug_layer));
  entities_ = makers_.entities(modes_.entities, allocators(modes_.debug_layer));
  scratch_ = std::make_unique<Scratch>(modes_.scratch, arena_);
}

std::vector<SwitchRecord> LiveStores::switch_particles(ParticleMode to) {
  SwitchRecord rec = record_of("particles", key(modes_.particles), key(to));
  const StoreAllocators& alloc = allocators(modes_.debug_layer);
  if (auto next = rebuild(*particles_, particle_records_, [&] { return makers_.particles(to, alloc); }, rec)) {
    particles_ = std::move(next);  // the old store frees its objects through the allocators it was built with
    modes_.particles = to;
    rec.accepted = true;
  }
  return {rec};
}

std::vector<SwitchRecord> LiveStores::switch_entities(EntityMode to) {
  SwitchRecord rec = record_of("entities", key(modes_.entities), key(to));
  const StoreAllocators& alloc = allocators(modes_.debug_layer);
  if (auto next = rebuild(*entities_, entity_records_, [&] { return makers_.entities(to, alloc); }, rec)) {
    entities_ = std::move(next);
    modes_.entities = to;
    rec.accepted = true;
  }
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
  // Both stores move onto the other allocators, or neither does: a particle store on the debug layer
  // with the mode still "off" would later be switched with the wrong allocators.
  const StoreAllocators& alloc = allocators(on);
  const char* const state = on ? " (debug layer on)" : " (debug layer off)";
  SwitchRecord p = record_of(std::string("particles") + state, key(modes_.particles), key(modes_.particles));
  SwitchRecord e = record_of(std::string("entities") + state, key(modes_.entities), key(modes_.entities));
  auto particles =
      rebuild(*particles_, particle_records_, [&] { return makers_.particles(modes_.particles, alloc); }, p);
  auto entities = rebuild(*entities_, entity_records_, [&] { return makers_.entities(modes_.entities, alloc); }, e);
  if (particles && entities) {
    particles_ = std::move(particles);
    entities_ = std::move(entities);
    modes_.debug_layer = on;
    p.accepted = e.accepted = true;
  } else if (particles) {
    p.error = "kept on its allocators: the entities could not move (" + e.error + ")";
  } else if (entities) {
    e.error = "kept on its allocators: the particles could not move (" + p.error + ")";
  }
  return {p, e};
}

}  // namespace demo
