// Specification of live store switches: a switch moves every object or none. Whatever fails midway -- an
// allocator that runs out, a store that throws while exporting, a new store that garbles a field -- the
// old stores, the allocators they live in and the modes stay exactly as they were.
#include "live_stores.hpp"

#include <doctest/doctest.h>

#include <random>
#include <stdexcept>

#include "fm/alloc/frame_arena.hpp"
#include "fm/alloc/pool.hpp"
#include "handle/budget_allocator.hpp"

namespace {

using demo::ParticleMode;
using demo::ParticleRecord;

// Both sides of the debug switch; a test makes one of them fail.
struct Allocators {
  fm::FrameArena arena;
  fm::Pool blocks{sizeof(ParticleRecord), alignof(ParticleRecord), {.blocks_per_page = 64, .name = "test/blocks"}};
  fm::NewAllocator columns;
  fm::test::BudgetAllocator pages;
  fm::Pool debug_blocks{sizeof(ParticleRecord), alignof(ParticleRecord), {.blocks_per_page = 64, .name = "test/debug"}};
  fm::NewAllocator debug_columns;
  fm::test::BudgetAllocator debug_pages;

  demo::StoreAllocators plain() { return {blocks, columns, pages}; }
  demo::StoreAllocators debug() { return {debug_blocks, debug_columns, debug_pages}; }
};

enum class Fault { none, throw_on_export, drop_flags_on_import };

// A real particle store wrapped so that it misbehaves when the test arms `fault`.
class FaultyParticles final : public demo::ParticleStore {
 public:
  FaultyParticles(std::unique_ptr<demo::ParticleStore> inner, const Fault& fault)
      : inner_(std::move(inner)), fault_(fault) {}

  [[nodiscard]] ParticleMode mode() const noexcept override { return inner_->mode(); }
  [[nodiscard]] std::size_t size() const noexcept override { return inner_->size(); }
  void import_records(std::span<const ParticleRecord> particles) override {
    if (fault_ != Fault::drop_flags_on_import) return inner_->import_records(particles);
    std::vector<ParticleRecord> garbled(particles.begin(), particles.end());
    for (auto& p : garbled) p.cold.flags = 0;
    inner_->import_records(garbled);
  }
  void integrate(float dt, demo::Workers& workers) override { inner_->integrate(dt, workers); }
  std::size_t remove_expired() override { return inner_->remove_expired(); }
  void export_records(std::vector<ParticleRecord>& out) const override {
    if (fault_ == Fault::throw_on_export) throw std::runtime_error("export failed (injected)");
    inner_->export_records(out);
  }
  void write_vertices(std::span<demo::PointVertex> out) const override { inner_->write_vertices(out); }
  void trace_update(fm::AccessTrace& trace) const override { inner_->trace_update(trace); }
  [[nodiscard]] double line_utilization(std::size_t line) const override { return inner_->line_utilization(line); }

 private:
  std::unique_ptr<demo::ParticleStore> inner_;
  const Fault& fault_;
};

demo::StoreMakers faulty_particles(const Fault& fault) {
  demo::StoreMakers makers;
  makers.particles = [&fault](ParticleMode mode, const demo::StoreAllocators& alloc) {
    return std::make_unique<FaultyParticles>(demo::make_particle_store(mode, alloc), fault);
  };
  return makers;
}

// Distinct particles and entities with every field in use (flags high bits included).
void populate(demo::LiveStores& stores, std::uint32_t particles, std::uint32_t entities) {
  std::vector<ParticleRecord> records;
  for (std::uint32_t i = 1; i <= particles; ++i) {
    ParticleRecord p = fm::sim::spawn_particle(i % 7, i, 0.25);
    p.cold.seed = i;
    p.cold.flags = i * 3;
    records.push_back(p);
  }
  stores.particles().import_records(records);
  std::mt19937 rng(5);
  for (std::uint32_t i = 1; i <= entities; ++i) {
    fm::sim::EntityState s{};
    s.id = i;
    s.x = static_cast<float>(i);
    s.flags = i << 20;
    stores.entities().spawn({s, 0}, rng);
  }
}

struct Contents {
  demo::Checksum particles, entities;
  friend bool operator==(const Contents&, const Contents&) = default;
};

Contents contents(const demo::LiveStores& stores) {
  std::vector<ParticleRecord> p;
  stores.particles().export_records(p);
  std::vector<demo::EntityRecord> e;
  stores.entities().export_records(e);
  return {demo::checksum(std::span<const ParticleRecord>(p)), demo::checksum(std::span<const demo::EntityRecord>(e))};
}

bool none_accepted(const std::vector<demo::SwitchRecord>& records) {
  for (const auto& r : records) {
    if (r.accepted) return false;
  }
  return !records.empty();
}

constexpr demo::Modes pool_and_handles{ParticleMode::aos_pool, demo::EntityMode::handles, demo::ScratchMode::malloc, false};

// Pool-and-handles stores holding 100 particles and 10 entities, the particle store wrapped so that a test can
// arm a fault; `before` is what a refused switch must leave behind.
struct FaultyParticleSwitch {
  Allocators a;
  Fault fault = Fault::none;
  demo::LiveStores stores{pool_and_handles, a.plain(), a.debug(), a.arena, faulty_particles(fault)};
  Contents before;

  FaultyParticleSwitch() {
    populate(stores, 100, 10);
    before = contents(stores);
  }
};

}  // namespace

TEST_CASE("a debug-layer switch that runs out of memory for the entities leaves both stores and the mode as they were") {
  Allocators a;
  a.debug_pages.set_budget(0);  // the entity pages cannot move onto the debug layer
  demo::LiveStores stores(pool_and_handles, a.plain(), a.debug(), a.arena);
  populate(stores, 100, 40);
  const Contents before = contents(stores);

  const auto records = stores.switch_debug(true);

  CHECK(none_accepted(records));
  CHECK(stores.modes() == pool_and_handles);
  CHECK(a.blocks.live_blocks() == 100);  // the particles did not move either
  CHECK(a.debug_blocks.live_blocks() == 0);
  CHECK(a.debug_pages.stats().bytes_used == 0);
  CHECK(contents(stores) == before);
  REQUIRE(records.size() == 2);
  CHECK(records[1].error.find("test budget") != std::string::npos);
}

TEST_CASE("a debug-layer switch moves both stores onto the debug allocators and back, keeping every object") {
  Allocators a;
  demo::LiveStores stores(pool_and_handles, a.plain(), a.debug(), a.arena);
  populate(stores, 100, 40);
  const Contents before = contents(stores);

  const auto on = stores.switch_debug(true);
  CHECK(stores.modes().debug_layer);
  CHECK(a.blocks.live_blocks() == 0);
  CHECK(a.debug_blocks.live_blocks() == 100);
  CHECK(a.pages.stats().bytes_used == 0);
  CHECK(a.debug_pages.stats().bytes_used > 0);
  CHECK(contents(stores) == before);

  const auto off = stores.switch_debug(false);
  CHECK_FALSE(stores.modes().debug_layer);
  CHECK(a.blocks.live_blocks() == 100);
  CHECK(a.debug_blocks.live_blocks() == 0);
  CHECK(a.debug_pages.stats().bytes_used == 0);
  CHECK(contents(stores) == before);
  for (const auto& r : on) CHECK(r.accepted);
  for (const auto& r : off) CHECK(r.accepted);
}

TEST_CASE_FIXTURE(FaultyParticleSwitch, "a particle switch whose old store throws while exporting keeps that store and its mode") {
  fault = Fault::throw_on_export;
  std::vector<demo::SwitchRecord> records;
  REQUIRE_NOTHROW(records = stores.switch_particles(ParticleMode::soa));
  fault = Fault::none;

  CHECK(none_accepted(records));
  CHECK(records.at(0).error == "export failed (injected)");
  CHECK(stores.modes() == pool_and_handles);
  CHECK(stores.particles().size() == 100);
  CHECK(a.blocks.live_blocks() == 100);
  CHECK(contents(stores) == before);
}

TEST_CASE_FIXTURE(FaultyParticleSwitch, "a particle switch into a store that loses the cold flags is refused by the checksum") {
  fault = Fault::drop_flags_on_import;
  const auto records = stores.switch_particles(ParticleMode::soa);
  fault = Fault::none;

  CHECK(none_accepted(records));
  CHECK(records.at(0).error.rfind("checksum mismatch", 0) == 0);
  CHECK(stores.modes().particles == ParticleMode::aos_pool);
  CHECK(a.blocks.live_blocks() == 100);
  CHECK(contents(stores) == before);
}

TEST_CASE("a particle switch into an allocator that runs out keeps the old store and frees what the new one took") {
  Allocators a;
  fm::test::BudgetAllocator tight(10 * sizeof(ParticleRecord));
  const demo::Modes heap_modes{ParticleMode::aos_heap, demo::EntityMode::raw, demo::ScratchMode::malloc, false};
  demo::LiveStores stores(heap_modes, {tight, a.columns, a.pages}, a.debug(), a.arena);
  populate(stores, 100, 10);
  const Contents before = contents(stores);

  const auto records = stores.switch_particles(ParticleMode::aos_pool);

  CHECK(none_accepted(records));
  CHECK(records.at(0).error.find("test budget") != std::string::npos);
  CHECK(stores.modes() == heap_modes);
  CHECK(tight.stats().bytes_used == 0);
  CHECK(contents(stores) == before);
}

TEST_CASE("the debug layer says it checks nothing for stores on the global heap and what it checks for the others") {
  for (const auto& m : demo::particle_modes) {
    CAPTURE(m.key);
    CHECK(m.debug_checks.starts_with("nothing") == (m.value == ParticleMode::aos_heap));
  }
  for (const auto& m : demo::entity_modes) {
    CAPTURE(m.key);
    CHECK(m.debug_checks.starts_with("nothing") == (m.value != demo::EntityMode::handles));
  }
}
