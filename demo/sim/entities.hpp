// Entities that target other entities, stored four ways behind the same operations -- raw pointers with
// new/delete, shared_ptr owners with weak_ptr references, an id map, and fm::HandlePool -- so the demo and
// the benchmarks compare only how a reference is kept and resolved, with the simulation written once.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fm/handle/handle.hpp"
#include "fm/handle/handle_pool.hpp"

namespace fm::sim {

struct EntityState {
  float x, y;
  float vx, vy;
  float health;
  std::uint32_t id;  // stable across stores, for checksums when the demo switches store
  std::uint32_t team;
  std::uint32_t flags;
};

// An entity and the one it chases; RefOf<Entity> is how the reference is held.
template <template <class> class RefOf>
struct Entity {
  static constexpr std::string_view handle_name = "entity";
  EntityState state{};
  RefOf<Entity> target{};
};

template <class E>
using RawRef = E*;
template <class E>
using WeakRef = std::weak_ptr<E>;
template <class E>
using IdRef = std::uint64_t;
template <class E>
using HandleRef = fm::Handle<E>;

// Pointer-based stores keep their entities in a list for iteration; the row inside each node makes
// removal O(1) (swap with the last).
template <class E, template <class> class Owner>
class OwnerList {
 public:
  struct Node : E {
    std::size_t row = 0;
  };

  E* add(Owner<Node> node) {
    node->row = owners_.size();
    E* e = node.get();
    owners_.push_back(std::move(node));
    return e;
  }
  void remove(E* e) {
    const std::size_t row = static_cast<Node*>(e)->row;
    if (row + 1 != owners_.size()) {
      owners_[row] = std::move(owners_.back());
      owners_[row]->row = row;
    }
    owners_.pop_back();
  }
  [[nodiscard]] std::size_t size() const noexcept { return owners_.size(); }
  template <class F>
  void each(F&& f) {
    for (auto& node : owners_) f(static_cast<E&>(*node));
  }

 private:
  std::vector<Owner<Node>> owners_;
};

template <class T>
using UniqueOwner = std::unique_ptr<T>;
template <class T>
using SharedOwner = std::shared_ptr<T>;

// What the pointer-based stores share: their entities live in an OwnerList, which counts and iterates them.
template <class E, template <class> class Owner>
class ListedEntities {
 public:
  using EntityType = E;
  [[nodiscard]] std::size_t size() const noexcept { return list_.size(); }
  template <class F>
  void each(F&& f) {
    list_.each(f);
  }

 protected:
  using List = OwnerList<EntityType, Owner>;
  List list_;
};

// Raw pointers, new/delete: resolving is free, but nothing can tell a dead target, so destroy() must find
// and clear every reference to the victim (a full scan) -- the bookkeeping raw pointers cost.
class RawPointerEntities : public ListedEntities<Entity<RawRef>, UniqueOwner> {
 public:
  using Ref = EntityType*;
  static constexpr std::string_view name = "raw pointer";
  static constexpr bool detects_stale = false;  // resolve() of a destroyed entity is a dangling pointer

  Ref create(const EntityState& s) { return list_.add(std::make_unique<List::Node>(List::Node{{s}})); }
  void destroy(Ref e) {
    list_.each([e](EntityType& other) {
      if (other.target == e) other.target = nullptr;
    });
    list_.remove(e);
  }
  [[nodiscard]] EntityType* resolve(Ref r) const noexcept { return r; }
};

// shared_ptr owners, weak_ptr references: a dead target is detected by lock(), paid with atomic counts.
class SharedEntities : public ListedEntities<Entity<WeakRef>, SharedOwner> {
 public:
  using Ref = std::weak_ptr<EntityType>;
  static constexpr std::string_view name = "shared/weak_ptr";
  static constexpr bool detects_stale = true;

  Ref create(const EntityState& s) {
    auto node = std::make_shared<List::Node>(List::Node{{s}});
    Ref ref = std::shared_ptr<EntityType>(node);
    list_.add(std::move(node));
    return ref;
  }
  void destroy(const Ref& r) {
    if (const auto e = r.lock()) list_.remove(e.get());
  }
  // The list keeps the entity alive, so the pointer outlives the temporary lock.
  [[nodiscard]] EntityType* resolve(const Ref& r) const noexcept { return r.lock().get(); }
};

// Ids looked up in an unordered_map<id, T*>: a dead target is a failed find().
class MapEntities : public ListedEntities<Entity<IdRef>, UniqueOwner> {
 public:
  using Ref = std::uint64_t;  // 0 = no target
  static constexpr std::string_view name = "unordered_map<id, T*>";
  static constexpr bool detects_stale = true;

  Ref create(const EntityState& s) {
    const Ref id = next_id_++;
    EntityType* e = list_.add(std::make_unique<List::Node>(List::Node{{s}}));
    by_id_.emplace(id, e);
    return id;
  }
  void destroy(Ref id) {
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    list_.remove(it->second);
    by_id_.erase(it);
  }
  [[nodiscard]] EntityType* resolve(Ref id) const noexcept {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::uint64_t, EntityType*> by_id_;
  std::uint64_t next_id_ = 1;
};

// Generational handles into an fm::HandlePool: a dead target resolves to null; no owner list needed.
class HandleEntities {
 public:
  using EntityType = Entity<HandleRef>;
  using Ref = fm::Handle<EntityType>;
  static constexpr std::string_view name = "fm::HandlePool";
  static constexpr bool detects_stale = true;

  HandleEntities() = default;
  explicit HandleEntities(fm::AllocatorRef alloc) : pool_(alloc, "entities") {}

  Ref create(const EntityState& s) { return pool_.create(EntityType{s}); }
  void destroy(Ref h) { pool_.destroy(h); }
  [[nodiscard]] EntityType* resolve(Ref h) noexcept { return pool_.get(h); }
  [[nodiscard]] std::size_t size() const noexcept { return pool_.size(); }
  template <class F>
  void each(F&& f) {
    pool_.each(f);
  }
  [[nodiscard]] fm::HandlePool<EntityType>& pool() noexcept { return pool_; }

 private:
  fm::HandlePool<EntityType> pool_;
};

// The simulation, written once over any store: chase the target while it lives, drop it when it is gone.
template <class Store>
void steer_towards_targets(Store& store, float dt) {
  store.each([&store, dt](auto& e) {
    if (const auto* t = store.resolve(e.target)) {
      const float dx = t->state.x - e.state.x;
      const float dy = t->state.y - e.state.y;
      const float inv = 1.0F / (std::sqrt(dx * dx + dy * dy) + 1e-6F);
      e.state.vx += dx * inv * dt;
      e.state.vy += dy * inv * dt;
    } else {
      e.target = {};
    }
    e.state.x += e.state.vx * dt;
    e.state.y += e.state.vy * dt;
  });
}

}  // namespace fm::sim
