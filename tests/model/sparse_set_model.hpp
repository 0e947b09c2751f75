// Reference model of fm::SparseSet: a std::map from handle to components. Steps insert (throwing and try_),
// erase, look up and iterate with handles that are live, absent, of an occupied slot, null or far out; the
// documented refusals (null handle, a slot that already has a row) and erasing an absent handle must leave
// the set as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "fm/soa/sparse_set.hpp"
#include "handle/budget_allocator.hpp"
#include "model/source.hpp"

namespace fm::model {

namespace sparse_columns {
struct Entity {
  static constexpr std::string_view handle_name = "entity";
};
struct Health {
  int hp;
};
struct Label {
  std::string text;
};
}  // namespace sparse_columns

class SparseSetModel {
 public:
  using H = Handle<sparse_columns::Entity>;
  using Set = SparseSet<sparse_columns::Entity, sparse_columns::Health, sparse_columns::Label>;
  // The set's allocator refuses past this, so a far-out slot index fails instead of mapping gigabytes.
  static constexpr std::size_t budget = 8u << 20;

  void step(Source& src) {
    const std::uint32_t op = src.below(100);
    const H h = pick(src);
    if (op < 45) return insert(h, src.chance(60));
    if (op < 75) return erase(h);
    if (op < 95) return look_up(h);
    check_each();
  }

  void check() const {
    expect(set_.size() == rows_.size() && set_.empty() == rows_.empty(), "size differs from the model");
    expect(set_.bytes_reserved() == budget_.stats().bytes_used, "bytes_reserved is not what the allocator gave");
    const auto handles = set_.handles();
    const auto health = set_.column<sparse_columns::Health>();
    const auto label = set_.column<sparse_columns::Label>();
    expect(handles.size() == rows_.size() && health.size() == rows_.size() && label.size() == rows_.size(),
           "a column is not one element per row");
    for (const auto& [h, value] : rows_) {
      const std::size_t r = set_.row(h);
      expect(r < handles.size() && handles[r] == h, "row of " + to_string(h) + " does not hold it");
      expect(health[r].hp == value.first && label[r].text == value.second, "components of " + to_string(h) + " differ");
    }
  }

 private:
  // Live handles, handles of a slot in use but another generation, fresh ones, null, and far-out slots.
  H pick(Source& src) const {
    const std::uint32_t kind = src.below(10);
    if (kind < 4 && !rows_.empty()) {
      const H live = std::next(rows_.begin(), src.below(static_cast<std::uint32_t>(rows_.size())))->first;
      return kind == 0 ? H(live.index(), live.generation() + 1, live.pool()) : live;
    }
    if (kind == 4) return H{};
    if (kind == 5 && src.chance(25)) return H(0x7FFFFFF0u + src.below(16), 1);
    return H(src.below(600), 1 + src.below(3), static_cast<std::uint8_t>(src.below(3)));
  }

  const std::pair<const H, std::pair<int, std::string>>* slot_holder(H h) const {
    for (const auto& entry : rows_) {
      if (entry.first.index() == h.index()) return &entry;
    }
    return nullptr;
  }

  void insert(H h, bool throwing) {
    const std::size_t reserved = set_.bytes_reserved();
    const int hp = next_hp_++;
    std::string text = "entity " + std::to_string(hp);
    // Documented refusals: a null handle, or a slot index that already has a row (any generation).
    const bool refused = h.is_null() || slot_holder(h) != nullptr;
    bool added = false;
    bool out_of_room = false;
    try {
      if (throwing) {
        (void)set_.emplace(h, {hp}, {text});
        added = true;
      } else {
        added = set_.try_emplace(h, {hp}, {text});
      }
    } catch (const out_of_memory&) {
      out_of_room = true;
    } catch (const error&) {
      expect(refused, "emplace of " + to_string(h) + " threw though the model accepts it");
    }
    if (refused) {
      expect(!added && !out_of_room, "insert of " + to_string(h) + " was accepted though its slot is taken or null");
      expect(set_.bytes_reserved() == reserved, "a refused insert changed the memory held");
      return;
    }
    if (!added) {
      // Only a far-out slot index may run out of the budget.
      expect(h.index() >= 0x7FFFFFF0u, "insert of " + to_string(h) + " failed within the budget");
      expect(set_.bytes_reserved() == reserved, "an insert refused for memory kept memory");
      return;
    }
    rows_.emplace(h, std::make_pair(hp, std::move(text)));
  }

  void erase(H h) {
    const bool present = rows_.count(h) == 1;
    const std::size_t reserved = set_.bytes_reserved();
    expect(set_.erase(h) == present, "erase of " + to_string(h) + " disagrees with the model");
    expect(set_.bytes_reserved() == reserved, "erase changed the memory held");
    rows_.erase(h);
  }

  void look_up(H h) {
    const auto it = rows_.find(h);
    const bool present = it != rows_.end();
    expect(set_.contains(h) == present && (set_.row(h) != Set::npos) == present, "contains/row of " + to_string(h));
    sparse_columns::Health* health = set_.get<sparse_columns::Health>(h);
    expect((health != nullptr) == present && (!present || health->hp == it->second.first),
           "get of " + to_string(h) + " disagrees with the model");
  }

  void check_each() {
    std::map<H, int> seen;
    set_.each<H, sparse_columns::Health>([&](const H& h, sparse_columns::Health& health) {
      expect(seen.emplace(h, health.hp).second, "each visits " + to_string(h) + " twice");
    });
    expect(seen.size() == rows_.size(), "each does not visit every row");
    for (const auto& [h, value] : rows_) expect(seen.count(h) == 1 && seen.at(h) == value.first, "each misses " + to_string(h));
  }

  test::BudgetAllocator budget_{budget};
  Set set_{budget_};
  std::map<H, std::pair<int, std::string>> rows_;
  int next_hp_ = 1;
};

inline void run_sparse_set(Source& src, std::size_t steps) {
  SparseSetModel m;
  for (std::size_t step = 0; step < steps && !src.done(); ++step) {
    m.step(src);
    m.check();
  }
}

}  // namespace fm::model
