// Reference model of fm::TypedPool and the step function its doctest and libFuzzer drivers share: a map of live
// objects (address -> id) plus construction and destruction counts, against a type that counts its own lives.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

#include "fm/alloc/typed_pool.hpp"
#include "model/alloc_checks.hpp"
#include "model/source.hpp"

namespace fm::model {

// Counts its constructions and destructions and carries a payload derived from its id, so a destroy that ran
// twice, never ran, or ran on the wrong object, and any overwrite, all show.
struct Counted {
  struct Lives {
    std::size_t constructed = 0;
    std::size_t destroyed = 0;
  };
  Counted(Lives* lives, std::uint64_t id, bool refuse) : lives_(lives), id_(id) {
    if (refuse) throw std::runtime_error("constructor refused");
    for (std::size_t i = 0; i < payload_.size(); ++i) payload_[i] = id * 0x9E3779B97F4A7C15ull + i;
    ++lives->constructed;
  }
  ~Counted() { ++lives_->destroyed; }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;

  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] bool intact() const noexcept {
    for (std::size_t i = 0; i < payload_.size(); ++i) {
      if (payload_[i] != id_ * 0x9E3779B97F4A7C15ull + i) return false;
    }
    return true;
  }

 private:
  Lives* lives_;
  std::uint64_t id_;
  std::array<std::uint64_t, 5> payload_{};
};

class TypedPoolHarness {
 public:
  explicit TypedPoolHarness(Source& src)
      : src_(src),
        budget_(std::size_t{4096} << src.below(5)),
        pool_(std::make_unique<TypedPool<Counted>>(
            PoolOptions{.blocks_per_page = src.chance(50) ? 0 : 1 + src.below(20), .budget = budget_, .name = "typed"})),
        outside_(&outside_lives_, 0, false) {
    per_page_ = pool_->pool().blocks_per_page();
    page_bytes_ = pool_->pool().page_bytes();
  }
  TypedPoolHarness(const TypedPoolHarness&) = delete;
  TypedPoolHarness& operator=(const TypedPoolHarness&) = delete;

  // The pool dies with live objects in it: each must be destroyed exactly once.
  void finish() {
    pool_.reset();
    expect(lives_.destroyed == lives_.constructed, "objects still alive when the pool died were not destroyed once");
  }

  void step() {
    const unsigned roll = src_.below(100);
    if (roll < 45) {
      create();
    } else if (roll < 80) {
      destroy_live();
    } else {
      misuse();
    }
    check();
  }

 private:
  void create() {
    const bool refuse = src_.chance(10);
    const bool use_try = src_.chance(40);
    const bool new_page = live_.size() == pages_ * per_page_;
    const bool room = !new_page || (pages_ + 1) * page_bytes_ <= budget_;
    const std::uint64_t id = ++next_id_;
    Counted* object = nullptr;
    bool refused = false;
    bool out_of_memory = false;
    try {
      object = use_try ? pool_->try_create(&lives_, id, refuse) : pool_->create(&lives_, id, refuse);
      out_of_memory = object == nullptr;
    } catch (const std::runtime_error& e) {
      if (dynamic_cast<const fm::out_of_memory*>(&e) != nullptr) {
        out_of_memory = true;
      } else {
        refused = true;
      }
    }
    expect(out_of_memory == !room, room ? "create failed with room in the budget" : "create went over the budget");
    if (!room) return;
    if (new_page) ++pages_;  // a refused constructor still took the page
    expect(refused == refuse, refuse ? "a throwing constructor did not throw" : "create threw");
    if (refuse) return;
    expect(object != nullptr && object->id() == id && is_aligned(object, alignof(Counted)), "create");
    expect(live_.emplace(object, id).second, "create returned a live object's address");
  }

  void destroy_live() {
    if (live_.empty()) return;
    const auto it = pick(live_);
    expect(it->first->intact(), "a live object was overwritten");
    const std::size_t destroyed = lives_.destroyed;
    if (src_.chance(50)) {
      pool_->destroy(it->first);
    } else {
      expect(pool_->try_destroy(it->first), "try_destroy refused a live object");
    }
    expect(lives_.destroyed == destroyed + 1, "destroy did not run the destructor once");
    freed_.insert(it->first);
    live_.erase(it);
  }

  // Destroying what is not a live object of this pool: refused, and no destructor runs.
  void misuse() {
    Counted* target = nullptr;
    switch (src_.below(4)) {
      case 0:
        if (!freed_.empty()) target = *pick(freed_);
        if (live_.contains(target)) return;  // the block holds a new object now
        break;
      case 1: target = &outside_; break;
      case 2:
        if (live_.empty()) return;
        target = reinterpret_cast<Counted*>(reinterpret_cast<std::byte*>(live_.begin()->first) + 8);
        break;
      default: break;  // nullptr
    }
    const std::size_t destroyed = lives_.destroyed + outside_lives_.destroyed;
    if (src_.chance(50)) {
      expect_outcome(outcome_of([&] { pool_->destroy(target); }), Outcome::bad_free, "destroy of a non-object");
    } else {
      expect(!pool_->try_destroy(target), "try_destroy accepted a non-object");
    }
    expect(lives_.destroyed + outside_lives_.destroyed == destroyed, "a refused destroy ran a destructor");
  }

  template <class Container>
  typename Container::iterator pick(Container& c) {
    return std::next(c.begin(), static_cast<std::ptrdiff_t>(src_.below(static_cast<std::uint32_t>(c.size()))));
  }

  void check() {
    expect(pool_->size() == live_.size(), "size()");
    expect(lives_.constructed - lives_.destroyed == live_.size(), "constructions minus destructions");
    expect(pool_->pool().page_count() == pages_, "page count");
    expect(pool_->pool().stats().bytes_used == live_.size() * pool_->pool().block_size(), "bytes_used");
    std::map<Counted*, std::uint64_t> seen;
    pool_->for_each([&](Counted& c) { seen.emplace(&c, c.id()); });
    expect(seen == live_, "for_each does not visit exactly the live objects");
  }

  Source& src_;
  std::size_t budget_;
  Counted::Lives lives_;
  Counted::Lives outside_lives_;
  std::unique_ptr<TypedPool<Counted>> pool_;
  Counted outside_;
  std::size_t per_page_ = 0;
  std::size_t page_bytes_ = 0;
  std::size_t pages_ = 0;
  std::map<Counted*, std::uint64_t> live_;
  std::set<Counted*> freed_;
  std::uint64_t next_id_ = 0;
};

// One model run: a typed pool with a budget chosen by the source, `steps` creates and destroys.
inline void run_typed_pool(Source& src, std::size_t steps) {
  TypedPoolHarness harness{src};
  for (std::size_t step = 0; step < steps && !src.done(); ++step) harness.step();
  harness.finish();
}

}  // namespace fm::model
