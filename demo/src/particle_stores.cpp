// The three particle stores: a std::vector of 64-byte structs, the same structs one per fm::Pool block,
// and fm::SoA columns. All integrate with fm::sim's one step on every worker thread and remove expired
// particles by swapping the last one in.
#include <algorithm>
#include <cstddef>

#include "fm/cache/line_utilization.hpp"

#include "stores.hpp"

namespace demo {

namespace {

using fm::sim::Age;
using fm::sim::Lifetime;
using fm::sim::ParticleAoS;
using fm::sim::Position;
using fm::sim::Velocity;

PointVertex vertex_of(const ParticleAoS& p) { return {p.position.x, p.position.y, p.colour.rgba, 2.0f}; }

// Records what integrate_step reads and writes for one particle; false once the trace is full.
bool trace_step(fm::AccessTrace& t, const Position& p, const Velocity& v, const Age& age) {
  if (t.accesses().size() + 3 > t.capacity()) return false;
  t.record(&p, sizeof p);
  t.record(&v, sizeof v);
  t.record(&age, sizeof age);
  return true;
}

// Line utilization of a 64-byte AoS particle: the update reads position, velocity and age out of it.
double aos_line_utilization(std::size_t line_bytes) {
  static constexpr fm::FieldSpan hot[] = {{offsetof(ParticleAoS, position), sizeof(Position)},
                                          {offsetof(ParticleAoS, velocity), sizeof(Velocity)},
                                          {offsetof(ParticleAoS, age), sizeof(Age)}};
  return fm::line_utilization(sizeof(ParticleAoS), hot, line_bytes, 4096);
}

// Removes every element for which expired(i) holds by moving the last one into its place.
template <class Expired, class Remove>
std::size_t remove_if_expired(std::size_t size, Expired&& expired, Remove&& remove) {
  std::size_t dead = 0;
  for (std::size_t i = 0; i < size;) {
    if (expired(i)) {
      remove(i);
      --size;
      ++dead;
    } else {
      ++i;
    }
  }
  return dead;
}

class AosHeapStore final : public ParticleStore {
 public:
  [[nodiscard]] ParticleMode mode() const noexcept override { return ParticleMode::aos_heap; }
  [[nodiscard]] std::size_t size() const noexcept override { return particles_.size(); }
  void import_records(std::span<const ParticleRecord> p) override { particles_.insert(particles_.end(), p.begin(), p.end()); }

  void integrate(float dt, Workers& workers) override {
    workers.parallel_for(particles_.size(), [this, dt](std::size_t b, std::size_t e) {
      fm::sim::integrate(std::span(particles_).subspan(b, e - b), dt);
    });
  }
  std::size_t remove_expired() override {
    return remove_if_expired(
        particles_.size(),
        [this](std::size_t i) { return fm::sim::expired(particles_[i].age, particles_[i].lifetime); },
        [this](std::size_t i) {
          particles_[i] = particles_.back();
          particles_.pop_back();
        });
  }

  void export_records(std::vector<ParticleRecord>& out) const override {
    out.insert(out.end(), particles_.begin(), particles_.end());
  }
  void write_vertices(std::span<PointVertex> out) const override {
    std::transform(particles_.begin(), particles_.end(), out.begin(), vertex_of);
  }
  void trace_update(fm::AccessTrace& t) const override {
    for (const auto& p : particles_) {
      if (!trace_step(t, p.position, p.velocity, p.age)) break;
    }
  }
  [[nodiscard]] double line_utilization(std::size_t line) const override { return aos_line_utilization(line); }

 private:
  std::vector<ParticleAoS> particles_;  // std::allocator: the global heap
};

class AosPoolStore final : public ParticleStore {
 public:
  explicit AosPoolStore(fm::AllocatorRef blocks) : blocks_(blocks) {}
  ~AosPoolStore() override {
    for (ParticleAoS* p : particles_) release(p);
  }

  [[nodiscard]] ParticleMode mode() const noexcept override { return ParticleMode::aos_pool; }
  [[nodiscard]] std::size_t size() const noexcept override { return particles_.size(); }
  void import_records(std::span<const ParticleRecord> records) override {
    for (const auto& r : records) {
      // Placement new into a pool block: the pool gives memory, the particle's lifetime starts here.
      particles_.push_back(new (blocks_.allocate(sizeof(ParticleAoS), alignof(ParticleAoS))) ParticleAoS(r));
    }
  }

  void integrate(float dt, Workers& workers) override {
    workers.parallel_for(particles_.size(), [this, dt](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        ParticleAoS& p = *particles_[i];
        fm::sim::integrate_step(p.position, p.velocity, p.age, dt);
      }
    });
  }
  std::size_t remove_expired() override {
    return remove_if_expired(
        particles_.size(),
        [this](std::size_t i) { return fm::sim::expired(particles_[i]->age, particles_[i]->lifetime); },
        [this](std::size_t i) {
          release(particles_[i]);
          particles_[i] = particles_.back();
          particles_.pop_back();
        });
  }

  void export_records(std::vector<ParticleRecord>& out) const override {
    for (const ParticleAoS* p : particles_) out.push_back(*p);
  }
  void write_vertices(std::span<PointVertex> out) const override {
    std::transform(particles_.begin(), particles_.end(), out.begin(), [](const ParticleAoS* p) { return vertex_of(*p); });
  }
  void trace_update(fm::AccessTrace& t) const override {
    for (const ParticleAoS* const& p : particles_) {
      if (t.accesses().size() + 4 > t.capacity()) break;
      t.record(&p, sizeof p);  // the pointer array itself
      (void)trace_step(t, p->position, p->velocity, p->age);
    }
  }
  // Blocks are whole particles, so lines carry the same share of hot bytes as AoS on the heap.
  [[nodiscard]] double line_utilization(std::size_t line) const override { return aos_line_utilization(line); }

 private:
  void release(ParticleAoS* p) {
    p->~ParticleAoS();
    blocks_.deallocate(p, sizeof(ParticleAoS), alignof(ParticleAoS));
  }

  fm::AllocatorRef blocks_;
  std::vector<ParticleAoS*> particles_;
};

class SoaStore final : public ParticleStore {
 public:
  explicit SoaStore(fm::AllocatorRef columns) : columns_(columns) {}

  [[nodiscard]] ParticleMode mode() const noexcept override { return ParticleMode::soa; }
  [[nodiscard]] std::size_t size() const noexcept override { return columns_.size(); }
  void import_records(std::span<const ParticleRecord> records) override {
    columns_.reserve(columns_.size() + records.size());
    for (const auto& r : records) fm::sim::push_particle(columns_, r);
  }

  void integrate(float dt, Workers& workers) override {
    const auto pos = columns_.column<Position>();
    const auto vel = columns_.column<Velocity>();
    const auto age = columns_.column<Age>();
    workers.parallel_for(columns_.size(), [=](std::size_t b, std::size_t e) {
      fm::sim::integrate(pos.subspan(b, e - b), vel.subspan(b, e - b), age.subspan(b, e - b), dt);
    });
  }
  std::size_t remove_expired() override {
    return remove_if_expired(
        columns_.size(),
        [this](std::size_t i) {
          return fm::sim::expired(columns_.column<Age>()[i], columns_.column<Lifetime>()[i]);
        },
        [this](std::size_t i) { columns_.swap_remove(i); });
  }

  void export_records(std::vector<ParticleRecord>& out) const override {
    for (std::size_t i = 0; i < columns_.size(); ++i) out.push_back(fm::sim::particle_at(columns_, i));
  }
  void write_vertices(std::span<PointVertex> out) const override {
    const auto pos = columns_.column<Position>();
    const auto col = columns_.column<fm::sim::Colour>();
    for (std::size_t i = 0; i < pos.size(); ++i) out[i] = {pos[i].x, pos[i].y, col[i].rgba, 2.0f};
  }
  void trace_update(fm::AccessTrace& t) const override {
    const auto pos = columns_.column<Position>();
    const auto vel = columns_.column<Velocity>();
    const auto age = columns_.column<Age>();
    for (std::size_t i = 0; i < pos.size() && trace_step(t, pos[i], vel[i], age[i]); ++i) {
    }
  }
  // Each column holds only what the update reads: every byte of every line pulled in is used.
  [[nodiscard]] double line_utilization(std::size_t line) const override {
    static constexpr fm::FieldSpan whole_position[] = {{0, sizeof(Position)}};
    return fm::line_utilization(sizeof(Position), whole_position, line, 4096);
  }

 private:
  fm::sim::ParticleColumns columns_;
};

}  // namespace

std::unique_ptr<ParticleStore> make_particle_store(ParticleMode mode, const StoreAllocators& alloc) {
  switch (mode) {
    case ParticleMode::aos_heap: return std::make_unique<AosHeapStore>();
    case ParticleMode::aos_pool: return std::make_unique<AosPoolStore>(alloc.particle_blocks);
    case ParticleMode::soa: return std::make_unique<SoaStore>(alloc.particle_columns);
  }
  return nullptr;
}

}  // namespace demo
