// The demo's entity stores over fm::sim's three reference models: raw pointers with new/delete (a dying
// entity's references are found and cleared by a scan), shared_ptr/weak_ptr (references expire, at a
// lock per use), and fm::HandlePool (stale handles resolve to null; destroys are deferred to frame end).
#include <unordered_map>

#include "entity_logic.hpp"
#include "stores.hpp"

namespace demo {

namespace {

std::size_t pick(std::size_t n, std::mt19937& rng) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }

template <class Store, EntityMode Mode>
class SimEntityStore final : public EntityStore {
 public:
  using Ref = typename Store::Ref;

  template <class... Args>
  explicit SimEntityStore(Args&&... args) : store_(std::forward<Args>(args)...) {}

  [[nodiscard]] EntityMode mode() const noexcept override { return Mode; }
  [[nodiscard]] std::size_t size() const noexcept override { return refs_.size(); }

  void import_records(std::span<const EntityRecord> records) override {
    std::unordered_map<std::uint32_t, Ref> by_id;
    const std::size_t first = refs_.size();
    for (const auto& r : records) {
      refs_.push_back(store_.create(r.state));
      by_id.emplace(r.state.id, refs_.back());
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      const auto it = by_id.find(records[i].target);
      store_.resolve(refs_[first + i])->target = it == by_id.end() ? Ref{} : it->second;
    }
  }

  void spawn(const EntityRecord& r, std::mt19937& rng) override {
    const Ref ref = store_.create(r.state);
    if (!refs_.empty()) store_.resolve(ref)->target = refs_[pick(refs_.size(), rng)];
    refs_.push_back(ref);
  }

  std::size_t update(float dt, std::mt19937& rng, Scratch& scratch) override {
    std::size_t lost = 0;
    store_.each([&](auto& e) {
      if (const auto* t = store_.resolve(e.target)) {
        steer(e.state, t->state.x, t->state.y, dt, scratch);
      } else {
        ++lost;
        e.target = refs_[pick(refs_.size(), rng)];
      }
      move(e.state, dt);
    });
    return lost;
  }

  void destroy_random(std::size_t count, std::mt19937& rng) override {
    for (std::size_t k = 0; k < count && !refs_.empty(); ++k) {
      const std::size_t i = pick(refs_.size(), rng);
      if constexpr (Mode == EntityMode::handles) {
        store_.pool().destroy_deferred(refs_[i]);  // stays resolvable until end_frame()
      } else {
        store_.destroy(refs_[i]);
      }
      refs_[i] = refs_.back();
      refs_.pop_back();
    }
  }

  void compact() override {
    if constexpr (Mode == EntityMode::handles) (void)store_.pool().compact();
  }

  void end_frame() override {
    if constexpr (Mode == EntityMode::handles) (void)store_.pool().flush();
  }

  void export_records(std::vector<EntityRecord>& out) const override {
    for (const Ref& r : refs_) {
      const auto* e = store_.resolve(r);
      const auto* t = store_.resolve(e->target);
      out.push_back({e->state, t != nullptr ? t->state.id : 0u});
    }
  }

  [[nodiscard]] EntityRecord sample(std::size_t i) const override { return {store_.resolve(refs_[i])->state, 0}; }

  void write_vertices(std::span<PointVertex> out) const override {
    for (std::size_t i = 0; i < refs_.size(); ++i) out[i] = entity_vertex(store_.resolve(refs_[i])->state);
  }

 private:
  mutable Store store_;   // resolve() of some stores is not const
  std::vector<Ref> refs_; // the game's list of live entities, for random picks
};

}  // namespace

std::unique_ptr<EntityStore> make_entity_store(EntityMode mode, const StoreAllocators& alloc) {
  switch (mode) {
    case EntityMode::raw: return std::make_unique<SimEntityStore<fm::sim::RawPointerEntities, EntityMode::raw>>();
    case EntityMode::shared: return std::make_unique<SimEntityStore<fm::sim::SharedEntities, EntityMode::shared>>();
    case EntityMode::handles:
      return std::make_unique<SimEntityStore<fm::sim::HandleEntities, EntityMode::handles>>(alloc.entity_pages);
  }
  return nullptr;
}

}  // namespace demo
